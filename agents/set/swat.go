package set

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorl/agents/nn"
	"gorl/physics3d/morph"
)

// SWAT is a SWAT-style baseline (Hong, Yoon, Kim & Seo, "Structure-Aware Transformer Policy
// for Inhomogeneous Multi-Task Reinforcement Learning", ICLR 2022): a Transformer over the
// limbs of a morphology whose tokens are the limbs' observation rows read as plain
// features, with structure entering through traversal-based positional embeddings and a
// graph-based attention bias.
//
// What it keeps from SWAT: one token per limb, the learned positional embeddings of the
// limb's pre-order, in-order and post-order positions (SWAT's traversal-based positional
// encoding), an attention bias computed from the morphology graph (SWAT's graph-based
// relational embedding), post-LayerNorm encoder layers, per-limb decoders (torques for the
// actor, per-limb values averaged over the limbs for the critic) and parameters shared by
// every morphology, so one network serves a multi-task set and transfers zero-shot.
//
// What it changes or drops: the relational features are SET's (personalised PageRank,
// normalised Laplacian, hop distance / N, Structure) mapped by one Linear(3 → heads) and
// added in every layer, where SWAT embeds shortest-path distances and PageRank-based
// relations in its own way; the observation is 3D-SGRL's 41-float limb row in the world
// frame (SWAT's 2D tasks give limb-local features), so the network sees the heading and
// gravity as plain numbers and is not equivariant to rotations about gravity: learning to
// walk in one direction does not transfer to another, which is the contrast with SET. No
// dropout, as in SET.
//
//	h0_i = √E (W_in x_i + b) + PE_pre + PE_in + PE_post          x_i: 41 floats (+3 actions)
//	b_ij = Linear(3 → heads)([PPR, Laplacian, hop/N]_ij)
//	h_i  = LN(h_i + MHA(h; b)_i);  h_i = LN(h_i + W2 ReLU(W1 h_i + b1) + b2)    (per layer)
//	actor: a_i = tanh(W_a h_i + b_a) ∈ R³;  critic: Q_i = w_q·h_i + b_q,  Q = mean over real limbs
type SWAT struct {
	Cfg     SWATConfig
	critic  bool
	inputs  int
	In      *nn.Linear       // limb features → E
	PE      [3]*nn.Embedding // pre-order, LCRS in-order, LCRS post-order positions
	Rel     *nn.Linear       // 3 → heads: attention bias from the graph relations
	Layers  []*swatLayer
	Decoder *nn.Linear // E → 3 (actor) or E → 1 (critic)
}

// SWATConfig holds the baseline's sizes. Zero values mean the sizes of SET's paper
// (E 128, 2 heads, feed-forward 256, 3 layers, 32-row positional tables), so that the two
// architectures are compared at the same width and depth.
type SWATConfig struct {
	Embed    int // token width E (128)
	Heads    int // attention heads (2)
	FF       int // feed-forward hidden width (256)
	Layers   int // encoder layers (3)
	MaxNodes int // rows of the positional tables: limbs per morphology (32)
}

func (c SWATConfig) withDefaults() (SWATConfig, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Embed, 128)
	def(&c.Heads, 2)
	def(&c.FF, 256)
	def(&c.Layers, 3)
	def(&c.MaxNodes, defaultMaxNode)
	switch {
	case c.Embed < 1 || c.Heads < 1 || c.FF < 1 || c.Layers < 1 || c.MaxNodes < 1:
		return c, fmt.Errorf("swat: sizes must be positive: %+v", c)
	case c.Embed%c.Heads != 0:
		return c, fmt.Errorf("swat: embed %d not divisible by %d heads", c.Embed, c.Heads)
	}
	return c, nil
}

type swatLayer struct {
	Att      *nn.MultiHeadAttention
	FF1, FF2 *nn.Linear
	LN1, LN2 *nn.LayerNorm
}

// NewSWATActor returns the baseline policy: observations [B, N, 41] → torques [B, N, 3].
func NewSWATActor(rng *rand.Rand, cfg SWATConfig) (*SWAT, error) { return newSWAT(rng, cfg, false) }

// NewSWATCritic returns the baseline Q network: observations [B, N, 41] and actions
// [B, N, 3] → per-limb Q [B, N].
func NewSWATCritic(rng *rand.Rand, cfg SWATConfig) (*SWAT, error) { return newSWAT(rng, cfg, true) }

func newSWAT(rng *rand.Rand, cfg SWATConfig, critic bool) (*SWAT, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	E, F := cfg.Embed, cfg.FF
	n := &SWAT{Cfg: cfg, critic: critic, inputs: morph.NodeFeatures}
	out := morph.NodeActions
	if critic {
		n.inputs, out = morph.NodeFeatures+morph.NodeActions, 1
	}
	n.In = nn.NewLinear(rng, n.inputs, E, nn.XavierUniform(1))
	for k := range n.PE {
		n.PE[k] = nn.NewEmbedding(rng, cfg.MaxNodes, E)
	}
	n.Rel = nn.NewLinear(rng, 3, cfg.Heads, nn.XavierUniform(1))
	for range cfg.Layers {
		att, err := nn.NewMultiHeadAttention(rng, E, cfg.Heads)
		if err != nil {
			return nil, fmt.Errorf("swat: %w", err)
		}
		n.Layers = append(n.Layers, &swatLayer{Att: att,
			FF1: nn.NewLinear(rng, E, F, nn.XavierUniform(1)), FF2: nn.NewLinear(rng, F, E, nn.XavierUniform(1)),
			LN1: nn.NewLayerNorm(E), LN2: nn.NewLayerNorm(E)})
	}
	n.Decoder = nn.NewLinear(rng, E, out, nn.XavierUniform(1))
	return n, nil
}

// Register adds every parameter to ps under prefix.
func (n *SWAT) Register(ps *nn.Params, prefix string) {
	n.In.Register(ps, prefix+".in")
	for k, e := range n.PE {
		e.Register(ps, fmt.Sprintf("%s.pe%d", prefix, k))
	}
	n.Rel.Register(ps, prefix+".rel")
	for i, l := range n.Layers {
		p := fmt.Sprintf("%s.layer%d", prefix, i)
		l.Att.Register(ps, p+".att")
		l.FF1.Register(ps, p+".ff1")
		l.FF2.Register(ps, p+".ff2")
		l.LN1.Register(ps, p+".ln1")
		l.LN2.Register(ps, p+".ln2")
	}
	n.Decoder.Register(ps, prefix+".dec")
}

// encode runs the embedding and the encoder layers on x [B, N, inputs] and returns the
// limb tokens [B·N, E].
func (n *SWAT) encode(t *nn.Tape, x *nn.Tensor, st *Structure) *nn.Tensor {
	B, N, E := st.B, st.N, n.Cfg.Embed
	h := t.Scale(n.In.Forward(t, t.Reshape(x, B*N, n.inputs)), float32(math.Sqrt(float64(E))))
	h = t.Add(h, n.PE[0].Forward(t, st.pre))
	h = t.Add(h, n.PE[1].Forward(t, st.in))
	h = t.Add(h, n.PE[2].Forward(t, st.post))
	// Graph bias b_ij [B, H, N, N] plus the key-padding mask [B, 1, 1, N].
	bias := t.Add(t.Permute(n.Rel.Forward(t, st.rel), 0, 3, 1, 2), st.keyMask)
	for _, l := range n.Layers {
		a := l.Att.Forward(t, t.Reshape(h, B, N, E), bias, nil)
		h = l.LN1.Forward(t, t.Add(h, t.Reshape(a, B*N, E)))
		f := l.FF2.Forward(t, t.ReLU(l.FF1.Forward(t, h)))
		h = l.LN2.Forward(t, t.Add(h, f))
	}
	return h
}

func (n *SWAT) check(obs, act *nn.Tensor, st *Structure) error {
	if st == nil {
		return fmt.Errorf("swat: nil structure")
	}
	B, N := st.B, st.N
	if obs == nil || obs.Rank() != 3 || obs.Shape[0] != B || obs.Shape[1] != N || obs.Shape[2] != morph.NodeFeatures {
		return fmt.Errorf("swat: observations %v, want [%d %d %d]", shapeOf(obs), B, N, morph.NodeFeatures)
	}
	if n.critic && (act == nil || act.Rank() != 3 || act.Shape[0] != B || act.Shape[1] != N || act.Shape[2] != morph.NodeActions) {
		return fmt.Errorf("swat: actions %v, want [%d %d %d]", shapeOf(act), B, N, morph.NodeActions)
	}
	if m := st.maxNode(); m >= n.Cfg.MaxNodes {
		return fmt.Errorf("swat: morphology with %d nodes exceeds MaxNodes %d", m+1, n.Cfg.MaxNodes)
	}
	return nil
}

// Act computes the torques of every limb, [B, N, 3] in (−1, 1). Padded limbs get values
// too; ignore them (Structure.Mask).
func (n *SWAT) Act(t *nn.Tape, obs *nn.Tensor, st *Structure) (*nn.Tensor, error) {
	if n.critic {
		return nil, fmt.Errorf("swat: Act called on a critic")
	}
	if err := n.check(obs, nil, st); err != nil {
		return nil, err
	}
	a := t.Tanh(n.Decoder.Forward(t, n.encode(t, obs, st)))
	return t.Reshape(a, st.B, st.N, morph.NodeActions), t.Err()
}

// Q computes the per-limb values [B, N] and their mean over each sample's real limbs [B].
func (n *SWAT) Q(t *nn.Tape, obs, act *nn.Tensor, st *Structure) (q, mean *nn.Tensor, err error) {
	if !n.critic {
		return nil, nil, fmt.Errorf("swat: Q called on an actor")
	}
	if err := n.check(obs, act, st); err != nil {
		return nil, nil, err
	}
	q = t.Reshape(n.Decoder.Forward(t, n.encode(t, t.Concat(2, obs, act), st)), st.B, st.N)
	mean = t.Mul(t.SumAxis(t.Mul(q, st.mask), 1), st.count)
	return q, mean, t.Err()
}
