package set

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorl/agents/nn"
	"gorl/physics3d/morph"
)

// Observation layout per node (physics3d/morph): VectorChannels 3D vectors, then scalars.
const (
	VectorChannels = morph.VectorFeatures / 3                  // 8: position, g, d, v, ω, 3 joint axes
	ActorScalars   = morph.NodeFeatures - morph.VectorFeatures // 17
	CriticScalars  = ActorScalars + morph.NodeActions          // 20: + the node's 3 actions
	chanGravity    = 1                                         // G = [g, d] = vector channels 1, 2
	chanAxis       = 5                                         // joint axes x, y, z = channels 5, 6, 7
	normEps        = 1e-12                                     // inside √ of ‖S‖_F: finite gradient at S = 0
	maskedScore    = -1e9                                      // added to scores of padded keys
	defaultMaxNode = 32                                        // positional-table size
	invariantExtra = 2                                         // G's two columns in U = [Z W, G]
)

// Config holds SET's sizes. Zero values mean the paper's defaults.
type Config struct {
	Embed    int // E, width of the scalar stream h (128)
	Heads    int // attention heads (2)
	FF       int // hidden width of every MLP (256)
	Layers   int // transformer layers (3)
	Channels int // C, vector channels of Z and invariant channels of U (32; at least 3)
	MaxNodes int // size of the positional-embedding tables (32): nodes per morphology
}

func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Embed, 128)
	def(&c.Heads, 2)
	def(&c.FF, 256)
	def(&c.Layers, 3)
	def(&c.Channels, 32)
	def(&c.MaxNodes, defaultMaxNode)
	switch {
	case c.Embed < 1 || c.Heads < 1 || c.FF < 1 || c.Layers < 1 || c.MaxNodes < 1:
		return c, fmt.Errorf("set: sizes must be positive: %+v", c)
	case c.Embed%c.Heads != 0:
		return c, fmt.Errorf("set: embed %d not divisible by %d heads", c.Embed, c.Heads)
	case c.Channels <= invariantExtra:
		return c, fmt.Errorf("set: channels %d must exceed %d", c.Channels, invariantExtra)
	}
	return c, nil
}

// layer is one SET layer: invariant-conditioned attention on h and Z, then the
// invariant-conditioned feed-forward.
type layer struct {
	W        *nn.Tensor // [C, C−2]: U = [Z W, G]
	Phi      *nn.MLP    // vec S (C²) → FF → E
	Q, K, V  *nn.Linear // [φ; h] (2E) → E
	O        *nn.Linear // Wo: E → E
	Wvg      *nn.Tensor // [C, C−2]: vector values [Z Wvg, G]
	Wgo      *nn.Tensor // [heads·C, C]
	LN1, LN2 *nn.LayerNorm
	W2, W3   *nn.Tensor // [C, C−2]
	Phi2     *nn.MLP    // vec U'ᵀU' (C²) → FF → E
	MLPM     *nn.MLP    // m' (2E) → FF → C² (the invariant mixing matrix M)
	MLPH     *nn.MLP    // m' (2E) → FF → E
	W5       *nn.Tensor // [C, C]
}

// Net is SET's shared body plus a head: the actor (per-node torques) or the critic (per-node
// Q values). Build with NewActor or NewCritic.
type Net struct {
	Cfg     Config
	critic  bool
	scalars int

	Wg     *nn.Tensor       // [8, C]: Z0 = √E X Wg
	Ws     *nn.Linear       // s → E: h0 = √E (Ws s + b) + PE
	PE     [3]*nn.Embedding // pre-order, LCRS in-order, LCRS post-order positions
	Rel    *nn.Linear       // 3 → heads: attention bias from [PPR, Laplacian, hop/N], layer 0
	Layers []*layer

	Wgp  *nn.Tensor // [8+C, C−2]: head invariants of U_c = [[X, Z^L] Wgp, G]
	Head *nn.MLP    // c → FF → C² (actor: reshaped to C×C) or c → FF → FF (critic)
	Wu   *nn.Tensor // [C, 1] (actor): u = (U_c reshape(MLP(c)) / n) w
	Wq   *nn.Linear // FF → 1 (critic): Q = (w·c + b) / n
}

// NewActor returns a SET policy: observations [B, N, 41] → torques [B, N, 3] in (−1, 1).
func NewActor(rng *rand.Rand, cfg Config) (*Net, error) { return newNet(rng, cfg, false) }

// NewCritic returns a SET Q network: observations [B, N, 41] and actions [B, N, 3] → Q [B, N].
func NewCritic(rng *rand.Rand, cfg Config) (*Net, error) { return newNet(rng, cfg, true) }

func vecWeight(rng *rand.Rand, in, out int) *nn.Tensor {
	w := nn.NewParam(in, out)
	nn.XavierUniform(1)(rng, w)
	return w
}

func mlp(rng *rand.Rand, sizes ...int) *nn.MLP {
	m, err := nn.NewMLP(rng, sizes, nn.ReLU, nil)
	if err != nil {
		panic(err) // sizes are validated by withDefaults; unreachable
	}
	return m
}

func newNet(rng *rand.Rand, cfg Config, critic bool) (*Net, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	E, C, F, H := cfg.Embed, cfg.Channels, cfg.FF, cfg.Heads
	n := &Net{Cfg: cfg, critic: critic, scalars: ActorScalars}
	if critic {
		n.scalars = CriticScalars
	}
	n.Wg = vecWeight(rng, VectorChannels, C)
	n.Ws = nn.NewLinear(rng, n.scalars, E, nn.XavierUniform(1))
	for k := range n.PE {
		n.PE[k] = nn.NewEmbedding(rng, cfg.MaxNodes, E)
	}
	n.Rel = nn.NewLinear(rng, 3, H, nn.XavierUniform(1))
	for range cfg.Layers {
		l := &layer{
			W: vecWeight(rng, C, C-invariantExtra), Phi: mlp(rng, C*C, F, E),
			Q: nn.NewLinear(rng, 2*E, E, nn.XavierUniform(1)), K: nn.NewLinear(rng, 2*E, E, nn.XavierUniform(1)),
			V: nn.NewLinear(rng, 2*E, E, nn.XavierUniform(1)), O: nn.NewLinear(rng, E, E, nn.XavierUniform(1)),
			Wvg: vecWeight(rng, C, C-invariantExtra), Wgo: vecWeight(rng, H*C, C),
			LN1: nn.NewLayerNorm(E), LN2: nn.NewLayerNorm(E),
			W2: vecWeight(rng, C, C-invariantExtra), W3: vecWeight(rng, C, C-invariantExtra),
			Phi2: mlp(rng, C*C, F, E), MLPM: mlp(rng, 2*E, F, C*C), MLPH: mlp(rng, 2*E, F, E),
			W5: vecWeight(rng, C, C),
		}
		n.Layers = append(n.Layers, l)
	}
	n.Wgp = vecWeight(rng, VectorChannels+C, C-invariantExtra)
	cin := C*C + n.scalars + E
	if critic {
		n.Head = mlp(rng, cin, F, F)
		n.Head.OutAct = nn.ReLU
		n.Wq = nn.NewLinear(rng, F, 1, nn.XavierUniform(1))
	} else {
		n.Head = mlp(rng, cin, F, C*C)
		n.Wu = vecWeight(rng, C, 1)
	}
	return n, nil
}

// Register adds every parameter to ps under prefix.
func (n *Net) Register(ps *nn.Params, prefix string) {
	ps.Add(prefix+".wg", n.Wg)
	n.Ws.Register(ps, prefix+".ws")
	for k, e := range n.PE {
		e.Register(ps, fmt.Sprintf("%s.pe%d", prefix, k))
	}
	n.Rel.Register(ps, prefix+".rel")
	for i, l := range n.Layers {
		p := fmt.Sprintf("%s.layer%d", prefix, i)
		ps.Add(p+".w", l.W)
		l.Phi.Register(ps, p+".phi")
		l.Q.Register(ps, p+".q")
		l.K.Register(ps, p+".k")
		l.V.Register(ps, p+".v")
		l.O.Register(ps, p+".o")
		ps.Add(p+".wvg", l.Wvg)
		ps.Add(p+".wgo", l.Wgo)
		l.LN1.Register(ps, p+".ln1")
		l.LN2.Register(ps, p+".ln2")
		ps.Add(p+".w2", l.W2)
		ps.Add(p+".w3", l.W3)
		l.Phi2.Register(ps, p+".phi2")
		l.MLPM.Register(ps, p+".mlpm")
		l.MLPH.Register(ps, p+".mlph")
		ps.Add(p+".w5", l.W5)
	}
	ps.Add(prefix+".wgp", n.Wgp)
	n.Head.Register(ps, prefix+".head")
	if n.critic {
		n.Wq.Register(ps, prefix+".wq")
	} else {
		ps.Add(prefix+".wu", n.Wu)
	}
}

// invariants returns S = UᵀU for U = [Zc·W, G] (Zc [BN, 3, C], G [BN, 3, 2]) flattened to
// [BN, C²], and n = ‖S‖_F + 1 as [BN, 1]. S is invariant under any orthogonal R acting on
// the left of Zc and G, since (RU)ᵀ(RU) = UᵀU.
func invariants(t *nn.Tape, zc, w, g *nn.Tensor) (u, s, norm *nn.Tensor) {
	u = t.Concat(2, t.Linear(zc, w, nil), g) // U = [Z W, G], [BN, 3, C]
	sm := t.BatchMatMul(u, u, true, false)   // S = UᵀU, [BN, C, C]
	bn, c := sm.Shape[0], sm.Shape[1]
	s = t.Reshape(sm, bn, c*c)
	norm = t.AddScalar(t.Sqrt(t.AddScalar(t.SumSquares(s), normEps)), 1) // n = ‖S‖_F + 1
	return u, s, t.Reshape(norm, bn, 1)
}

// trunk runs the input split, the encoding and the layers. It returns the vector input X
// [BN, 3, 8], G [BN, 3, 2], the scalars s [BN, S], the final Z [BN, 3, C] and h [BN, E].
func (n *Net) trunk(t *nn.Tape, obs, act *nn.Tensor, st *Structure) (x, g, s, z, h *nn.Tensor, err error) {
	if st == nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("set: nil structure")
	}
	B, N := st.B, st.N
	if obs == nil || obs.Rank() != 3 || obs.Shape[0] != B || obs.Shape[1] != N || obs.Shape[2] != morph.NodeFeatures {
		return nil, nil, nil, nil, nil, fmt.Errorf("set: observations %v, want [%d %d %d]", shapeOf(obs), B, N, morph.NodeFeatures)
	}
	if n.critic && (act == nil || act.Rank() != 3 || act.Shape[0] != B || act.Shape[1] != N || act.Shape[2] != morph.NodeActions) {
		return nil, nil, nil, nil, nil, fmt.Errorf("set: actions %v, want [%d %d %d]", shapeOf(act), B, N, morph.NodeActions)
	}
	if m := st.maxNode(); m >= n.Cfg.MaxNodes {
		return nil, nil, nil, nil, nil, fmt.Errorf("set: morphology with %d nodes exceeds MaxNodes %d", m+1, n.Cfg.MaxNodes)
	}
	E, C, H := n.Cfg.Embed, n.Cfg.Channels, n.Cfg.Heads
	BN, dh := B*N, E/H
	sqrtE := float32(math.Sqrt(float64(E)))

	// Input split: X ∈ R^{3×8} (vectors as columns), s ∈ R^17 (+3 actions for the critic),
	// G = [g, d] ∈ R^{3×2}.
	x = t.Transpose(t.Reshape(t.Slice(obs, 2, 0, morph.VectorFeatures), BN, VectorChannels, 3))
	g = t.Slice(x, 2, chanGravity, chanGravity+2)
	s = t.Slice(obs, 2, morph.VectorFeatures, morph.NodeFeatures)
	if n.critic {
		s = t.Concat(2, s, act)
	}
	s = t.Reshape(s, BN, n.scalars)

	// Encoding: Z0 = √E X Wg (no bias, so Z is equivariant); h0 = √E (Ws s + b) + PE.
	z = t.Scale(t.Linear(x, n.Wg, nil), sqrtE)
	h = t.Scale(n.Ws.Forward(t, s), sqrtE)
	h = t.Add(h, n.PE[0].Forward(t, st.pre))
	h = t.Add(h, n.PE[1].Forward(t, st.in))
	h = t.Add(h, n.PE[2].Forward(t, st.post))

	// Relation bias b_ij = Linear(3 → heads)([PPR, Laplacian, hop/N]), [B, H, N, N].
	rel := t.Permute(n.Rel.Forward(t, st.rel), 0, 3, 1, 2)

	for li, l := range n.Layers {
		// Invariants of the current Z: U = [Z W, G], S = UᵀU, n = ‖S‖_F + 1.
		_, sInv, nrm := invariants(t, z, l.W, g)
		// φ_i = MLP(vec S_i); m_i = [φ_i; h_i]; q, k, v = W m_i / n_i.
		m := t.Concat(1, l.Phi.Forward(t, sInv), h)
		heads := func(y *nn.Tensor) *nn.Tensor { // [BN, E] → [B·H, N, E/H]
			y = t.Permute(t.Reshape(t.Div(y, nrm), B, N, H, dh), 0, 2, 1, 3)
			return t.Reshape(y, B*H, N, dh)
		}
		q, k, v := heads(l.Q.Forward(t, m)), heads(l.K.Forward(t, m)), heads(l.V.Forward(t, m))
		// α_ij = softmax_j(q_i·k_j / √E + b_ij), padded keys masked out.
		score := t.Reshape(t.Scale(t.BatchMatMul(q, k, false, true), 1/sqrtE), B, H, N, N)
		if li == 0 {
			score = t.Add(score, rel)
		}
		alpha4 := t.Softmax(t.Add(score, st.keyMask)) // [B, H, N, N]
		alpha := t.Reshape(alpha4, B*H, N, N)
		// Δh_i = Wo concat_heads Σ_j α_ij v_j.
		o := t.Permute(t.Reshape(t.BatchMatMul(alpha, v, false, false), B, H, N, dh), 0, 2, 1, 3)
		dh1 := l.O.Forward(t, t.Reshape(o, BN, E))
		// ΔZ_i = (concat_heads Σ_j α_ij [Z_j Wvg, G_j]) Wgo: invariant weights on equivariant values.
		// The values are shared by the heads: all heads' weights [B, H·N, N] act on [B, N, 3C].
		vz := t.Reshape(t.Concat(2, t.Linear(z, l.Wvg, nil), g), B, N, 3*C)
		az := t.BatchMatMul(t.Reshape(alpha4, B, H*N, N), vz, false, false)
		az = t.Permute(t.Reshape(az, B, H, N, 3, C), 0, 2, 3, 1, 4)
		dz := t.Linear(t.Reshape(az, BN, 3, H*C), l.Wgo, nil)
		// Z_i += ΔZ_i; h_i = LN(h_i + Δh_i).
		z = t.Add(z, dz)
		h = l.LN1.Forward(t, t.Add(h, dh1))

		// Feed-forward from ΔZ: U' = [ΔZ W2, G]; φ' = MLP(vec U'ᵀU'); m' = [φ'; h_i].
		_, s2, nrm2 := invariants(t, dz, l.W2, g)
		m2 := t.Concat(1, l.Phi2.Forward(t, s2), h)
		// M_i = reshape_{C×C}(MLP(m')) / n'; Z_i += ([ΔZ W3, G] M_i) W5.
		mm := t.Reshape(t.Div(l.MLPM.Forward(t, m2), nrm2), BN, C, C)
		u3 := t.Concat(2, t.Linear(dz, l.W3, nil), g)
		z = t.Add(z, t.Linear(t.BatchMatMul(u3, mm, false, false), l.W5, nil))
		// h_i = LN(h_i + MLP(m') / n').
		h = l.LN2.Forward(t, t.Add(h, t.Div(l.MLPH.Forward(t, m2), nrm2)))
	}
	return x, g, s, z, h, t.Err()
}

// headFeatures returns U_c = [[X, Z^L] Wgp, G] [BN, 3, C], the invariant features
// c = [vec U_cᵀU_c; s; h^L] [BN, C² + S + E] and n_c = ‖U_cᵀU_c‖_F + 1 [BN, 1].
func (n *Net) headFeatures(t *nn.Tape, x, g, s, z, h *nn.Tensor) (uc, c, nrm *nn.Tensor) {
	uc, sc, nrm := invariants(t, t.Concat(2, x, z), n.Wgp, g)
	return uc, t.Concat(1, sc, s, h), nrm
}

// Act computes the torques of every node, [B, N, 3] in (−1, 1):
//
//	u_i = ([Ẑ Wgp, G] reshape(MLP(c)) / n) w ∈ R³,  a_ik = tanh(⟨axis_ik, u_i⟩),
//
// Ẑ = [X, Z^L]. u_i rotates with the inputs and so do the joint axes, so the torques are
// invariant. Padded nodes get values too; ignore them (Structure.Mask).
func (n *Net) Act(t *nn.Tape, obs *nn.Tensor, st *Structure) (*nn.Tensor, error) {
	if n.critic {
		return nil, fmt.Errorf("set: Act called on a critic")
	}
	x, g, s, z, h, err := n.trunk(t, obs, nil, st)
	if err != nil {
		return nil, err
	}
	C, BN := n.Cfg.Channels, st.B*st.N
	uc, c, nrm := n.headFeatures(t, x, g, s, z, h)
	mix := t.Reshape(t.Div(n.Head.Forward(t, c), nrm), BN, C, C)
	u := t.Linear(t.BatchMatMul(uc, mix, false, false), n.Wu, nil) // [BN, 3, 1]
	axes := t.Slice(x, 2, chanAxis, chanAxis+3)                    // [BN, 3, 3], columns = axes
	a := t.Tanh(t.BatchMatMul(axes, u, true, false))               // ⟨axis_ik, u_i⟩
	out := t.Reshape(a, st.B, st.N, morph.NodeActions)
	return out, t.Err()
}

// Q computes the per-node values Q_i = (w·c' + b) / n_c, c' = MLP(c), as [B, N], and their
// mean over each sample's real nodes, [B] (the critic's estimate; padding excluded).
func (n *Net) Q(t *nn.Tape, obs, act *nn.Tensor, st *Structure) (q, mean *nn.Tensor, err error) {
	if !n.critic {
		return nil, nil, fmt.Errorf("set: Q called on an actor")
	}
	x, g, s, z, h, err := n.trunk(t, obs, act, st)
	if err != nil {
		return nil, nil, err
	}
	_, c, nrm := n.headFeatures(t, x, g, s, z, h)
	qi := t.Div(n.Wq.Forward(t, n.Head.Forward(t, c)), nrm) // [BN, 1]
	q = t.Reshape(qi, st.B, st.N)
	mean = t.Mul(t.SumAxis(t.Mul(q, st.mask), 1), st.count)
	return q, mean, t.Err()
}

func shapeOf(x *nn.Tensor) []int {
	if x == nil {
		return nil
	}
	return x.Shape
}
