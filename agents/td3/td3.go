package td3

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"gorl/agents/nn"
	"gorl/internal/workpool"
)

// Agent holds TD3's networks, their targets and optimisers. It is not safe for
// concurrent use.
type Agent struct {
	Cfg            Config
	ObsDim, ActDim int

	Actor, ActorTarget   Actor
	Critic, CriticTarget Critic
	// Parameter sets: what the optimisers update, the checkpoints store and the
	// targets follow.
	ActorParams, ActorTargetParams   *nn.Params
	CriticParams, CriticTargetParams *nn.Params
	ActorOpt, CriticOpt              *nn.Adam

	rng         *rand.Rand // target smoothing noise
	critUpdates int        // critic updates so far (the policy delay counts these)
	actUpdates  int

	// preallocated per-update storage
	obs, act, next, y *nn.Tensor
	nextAct           *nn.Tensor
	noise             []float32
	tape, target      *nn.Tape
	actTape           *nn.Tape
	workers           int
	heads             [2]*nn.Tape // the second head's critic and target tapes (TwinHeads)
	headTarget        [2]*nn.Tape
	actIn             *nn.Tensor
	yNode             *nn.Tensor  // per-node targets [B, n]
	critGrads         [][]float32 // the critic's gradient buffers while the actor steps
}

// Stats are the results of one Update.
type Stats struct {
	CriticLoss float64 // ½-free sum of both critics' mean squared errors
	QMean      float64 // mean of Q1(s, a) over the batch
	ActorLoss  float64 // −mean Q1(s, μ(s)); NaN when the actor was not updated
	ActorStep  bool    // whether this update moved the actor and the targets
	GradNorm   float64 // critic gradient norm before clipping
}

// New builds an agent with arch (nil: MLPArch with cfg.Hidden), initialised from rng.
// Target networks start as copies of the online networks.
func New(arch Arch, obsDim, actDim int, cfg Config, rng *rand.Rand) (*Agent, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if obsDim < 1 || actDim < 1 {
		return nil, fmt.Errorf("td3: observation dim %d and action dim %d must be positive", obsDim, actDim)
	}
	if arch == nil {
		arch = MLPArch{Hidden: cfg.Hidden}
	}
	a := &Agent{Cfg: cfg, ObsDim: obsDim, ActDim: actDim, rng: rng,
		ActorParams: &nn.Params{}, ActorTargetParams: &nn.Params{},
		CriticParams: &nn.Params{}, CriticTargetParams: &nn.Params{},
		ActorOpt:  &nn.Adam{LR: float32(cfg.LR)},
		CriticOpt: &nn.Adam{LR: float32(cfg.LR)},
		tape:      nn.NewTape(), target: nn.NewTape(), actTape: nn.NewTape(),
	}
	a.target.NoGrad, a.actTape.NoGrad = true, true
	a.SetWorkers(runtime.GOMAXPROCS(0))
	var err error
	if a.Actor, err = arch.NewActor(rng, obsDim, actDim); err != nil {
		return nil, err
	}
	if a.ActorTarget, err = arch.NewActor(rng, obsDim, actDim); err != nil {
		return nil, err
	}
	if a.Critic, err = arch.NewCritic(rng, obsDim, actDim); err != nil {
		return nil, err
	}
	if a.CriticTarget, err = arch.NewCritic(rng, obsDim, actDim); err != nil {
		return nil, err
	}
	a.Actor.Register(a.ActorParams, "actor")
	a.ActorTarget.Register(a.ActorTargetParams, "actor")
	a.Critic.Register(a.CriticParams, "critic")
	a.CriticTarget.Register(a.CriticTargetParams, "critic")
	if err := a.ActorTargetParams.CopyFrom(a.ActorParams); err != nil {
		return nil, fmt.Errorf("td3 actor target: %w", err)
	}
	if err := a.CriticTargetParams.CopyFrom(a.CriticParams); err != nil {
		return nil, fmt.Errorf("td3 critic target: %w", err)
	}
	b := cfg.Batch
	a.obs, a.next = nn.New(b, obsDim), nn.New(b, obsDim)
	a.act, a.y = nn.New(b, actDim), nn.New(b, 1)
	a.nextAct, a.noise = nn.New(b, actDim), make([]float32, b*actDim)
	return a, nil
}

// SetWorkers lets each update's matrix products use up to n goroutines (n ≤ 1: one). The
// results do not depend on n (agents/nn's Tape.Workers); New sets GOMAXPROCS.
func (a *Agent) SetWorkers(n int) {
	a.workers = n
	a.tape.Workers, a.target.Workers = n, n
}

// twinHeads returns the critic's and the target's independent heads when the two can run
// on two goroutines (two or more workers), else nils. Each head's tapes then get half of
// the workers for their products.
func (a *Agent) twinHeads() (c, ct TwinHeads) {
	c, ok1 := a.Critic.(TwinHeads)
	ct, ok2 := a.CriticTarget.(TwinHeads)
	if a.workers < 2 || !ok1 || !ok2 {
		return nil, nil
	}
	for k := range 2 {
		if a.heads[k] == nil {
			a.heads[k], a.headTarget[k] = nn.NewTape(), nn.NewTape()
			a.headTarget[k].NoGrad = true
		}
		w := a.workers / 2
		if k == 1 {
			w = a.workers - w
		}
		a.heads[k].Workers, a.headTarget[k].Workers = w, w
	}
	return c, ct
}

// Act writes μ(obs) for one observation into dst (normalised actions in [-1, 1]).
func (a *Agent) Act(obs []float64, dst []float64) error {
	if a.actIn == nil {
		a.actIn = nn.New(1, a.ObsDim)
	}
	put(a.actIn.Data, obs)
	a.actTape.Reset()
	out := a.Actor.Forward(a.actTape, a.actIn)
	if err := a.actTape.Err(); err != nil {
		return fmt.Errorf("td3 act: %w", err)
	}
	for j := range dst {
		dst[j] = float64(out.Data[j])
	}
	return nil
}

// UseMorphology makes morphology k (a multi-task set's member index) the one of the
// following Act, Target and Update calls, for networks that serve several morphologies
// (Morphologies); networks that do not (the MLP) ignore it.
func (a *Agent) UseMorphology(k int) error {
	for _, n := range []any{a.Actor, a.ActorTarget, a.Critic, a.CriticTarget} {
		if m, ok := n.(Morphologies); ok {
			if err := m.UseMorphology(k); err != nil {
				return fmt.Errorf("td3: %w", err)
			}
		}
	}
	return nil
}

// Updates returns the number of critic and actor updates taken so far.
func (a *Agent) Updates() (critic, actor int) { return a.critUpdates, a.actUpdates }

// Target computes the TD3 target of a batch into y [B]:
//
//	ã = clip(μ'(s') + clip(ε, −c, c), −1, 1),  ε ~ N(0, σ²)     (target policy smoothing, eq. 14)
//	y = r + γ·(1 − terminated)·min(Q'1(s', ã), Q'2(s', ã))      (clipped double Q-learning, eq. 10)
//
// noise holds ε before clipping ([B·actDim]); nil draws it from the agent's stream.
func (a *Agent) Target(b *Batch, noise []float32, y []float32) error {
	if len(y) != a.Cfg.Batch {
		return fmt.Errorf("td3 target: batch of %d, want %d", len(y), a.Cfg.Batch)
	}
	t, err := a.targetAction(b, noise)
	if err != nil {
		return err
	}
	q1, q2, err := a.targetHeads(t, false)
	if err != nil {
		return fmt.Errorf("td3 target: %w", err)
	}
	a.clippedDoubleQ(b, q1.Data, q2.Data, 1, y)
	return nil
}

// targetHeads returns Q'1(s', ã) and Q'2(s', ã) (with nodes, per node), s' and ã in
// a.next and a.nextAct: on t, or with independent heads and two or more workers on a
// goroutine and tape each.
func (a *Agent) targetHeads(t *nn.Tape, nodes bool) (q1, q2 *nn.Tensor, err error) {
	if _, ct := a.twinHeads(); ct != nil {
		var q [2]*nn.Tensor
		workpool.ForEach(2, 2, func(_, k int) {
			ht := a.headTarget[k]
			ht.Reset()
			q[k] = ct.Head(k, ht, a.next, a.nextAct, nodes)
		})
		for _, ht := range a.headTarget {
			if err := ht.Err(); err != nil {
				return nil, nil, err
			}
		}
		return q[0], q[1], nil
	}
	if nodes {
		q1, q2 = a.CriticTarget.(NodeCritic).NodeForward(t, a.next, a.nextAct)
	} else {
		q1, q2 = a.CriticTarget.Forward(t, a.next, a.nextAct)
	}
	return q1, q2, t.Err()
}

// NodeTarget is Target per node, for per-node critics (SGRL's SECritic): every node i
// of sample k gets y_ki = r_k + γ·(1 − terminated_k)·min(Q'1_i(s', ã), Q'2_i(s', ã)),
// the reward shared by the nodes. The result [B, n] is owned by the agent.
func (a *Agent) NodeTarget(b *Batch, noise []float32) (*nn.Tensor, error) {
	if _, ok := a.CriticTarget.(NodeCritic); !ok {
		return nil, fmt.Errorf("td3 node target: the critic has no per-node values")
	}
	t, err := a.targetAction(b, noise)
	if err != nil {
		return nil, err
	}
	q1, q2, err := a.targetHeads(t, true)
	if err != nil {
		return nil, fmt.Errorf("td3 node target: %w", err)
	}
	n := q1.Shape[1]
	if a.yNode == nil || a.yNode.Shape[1] != n {
		a.yNode = nn.New(a.Cfg.Batch, n)
	}
	a.clippedDoubleQ(b, q1.Data, q2.Data, n, a.yNode.Data)
	return a.yNode, nil
}

// targetAction computes ã (eq. 14) into a.nextAct on the reset target tape, with a.next
// holding s'.
func (a *Agent) targetAction(b *Batch, noise []float32) (*nn.Tape, error) {
	cfg := a.Cfg
	if len(b.Reward) != cfg.Batch || (noise != nil && len(noise) != cfg.Batch*a.ActDim) {
		return nil, fmt.Errorf("td3 target: batch of %d, want %d", len(b.Reward), cfg.Batch)
	}
	copy(a.next.Data, b.Next)
	if noise == nil {
		noise = a.noise
		for i := range noise {
			noise[i] = float32(a.rng.NormFloat64() * cfg.PolicyNoise)
		}
	}
	t := a.target
	t.Reset()
	mu := a.ActorTarget.Forward(t, a.next)
	if err := t.Err(); err != nil {
		return nil, fmt.Errorf("td3 target: %w", err)
	}
	c := float32(cfg.NoiseClip)
	for i := range a.nextAct.Data {
		a.nextAct.Data[i] = clamp(mu.Data[i]+clamp(noise[i], -c, c), -1, 1)
	}
	return t, nil
}

// clippedDoubleQ writes y = r + γ(1 − d) min(q1, q2) (eq. 10) for rows of n values per sample.
func (a *Agent) clippedDoubleQ(b *Batch, q1, q2 []float32, n int, y []float32) {
	g := float32(a.Cfg.Gamma)
	for k, r := range b.Reward[:a.Cfg.Batch] {
		keep := g * (1 - b.Done[k])
		for i := k * n; i < (k+1)*n; i++ {
			y[i] = r + keep*min(q1[i], q2[i])
		}
	}
}

// perNode reports whether the critic loss is SGRL's per-node one.
func (a *Agent) perNode() bool {
	_, ok := a.Critic.(NodeCritic)
	return ok && a.Cfg.CriticForm == CriticPerNode
}

// Update takes one TD3 step on a batch (Fujimoto et al. 2018, Algorithm 1):
// the critics regress on the target y; every PolicyDelay-th call the actor ascends
// Q1(s, μ(s)) (deterministic policy gradient, eq. 6) and the targets move by
// θ' ← τθ + (1 − τ)θ'. Per-node critics with CriticForm per-node regress each node's
// value on its own target (SGRL): L = mean_{k,i} (Q1_ki − y_ki)² + mean_{k,i} (Q2_ki − y_ki)².
func (a *Agent) Update(b *Batch) (Stats, error) {
	st := Stats{ActorLoss: math.NaN()}
	if len(b.Reward) != a.Cfg.Batch {
		return st, fmt.Errorf("td3 update: batch of %d, want %d", len(b.Reward), a.Cfg.Batch)
	}
	perNode := a.perNode()
	y := a.y
	if perNode {
		var err error
		if y, err = a.NodeTarget(b, nil); err != nil {
			return st, err
		}
	} else if err := a.Target(b, nil, a.y.Data); err != nil {
		return st, err
	}
	copy(a.obs.Data, b.Obs)
	copy(a.act.Data, b.Act)

	// Critic: L = mean (Q1(s,a) − y)² + mean (Q2(s,a) − y)²
	t := a.tape
	t.Reset()
	a.CriticParams.ZeroGrad()
	var q1 *nn.Tensor
	if c, _ := a.twinHeads(); c != nil {
		// The heads share no parameter, so each one's loss and backward pass can run on its
		// own tape and goroutine; the gradients are those of the summed loss.
		var q [2]*nn.Tensor
		var l [2]float32
		var errs [2]error
		workpool.ForEach(2, 2, func(_, k int) {
			ht := a.heads[k]
			ht.Reset()
			q[k] = c.Head(k, ht, a.obs, a.act, perNode)
			lk := ht.Mean(ht.Square(ht.Sub(q[k], y)))
			errs[k] = ht.Backward(lk)
			l[k] = lk.Item()
		})
		for _, err := range errs {
			if err != nil {
				return st, fmt.Errorf("td3 critic update: %w", err)
			}
		}
		q1, st.CriticLoss = q[0], float64(l[0]+l[1])
	} else {
		var q2 *nn.Tensor
		if perNode {
			q1, q2 = a.Critic.(NodeCritic).NodeForward(t, a.obs, a.act)
		} else {
			q1, q2 = a.Critic.Forward(t, a.obs, a.act)
		}
		loss := t.Add(t.Mean(t.Square(t.Sub(q1, y))), t.Mean(t.Square(t.Sub(q2, y))))
		if err := t.Backward(loss); err != nil {
			return st, fmt.Errorf("td3 critic update: %w", err)
		}
		st.CriticLoss = float64(loss.Item())
	}
	var sum float64
	for _, v := range q1.Data {
		sum += float64(v)
	}
	st.QMean = sum / float64(len(q1.Data))
	if a.Cfg.clipping() {
		st.GradNorm = nn.ClipGradNorm(a.CriticParams, a.Cfg.GradClip)
	} else {
		st.GradNorm = a.CriticParams.GradNorm()
	}
	if err := a.CriticOpt.Step(a.CriticParams); err != nil {
		return st, fmt.Errorf("td3 critic update: %w", err)
	}
	a.critUpdates++
	if a.critUpdates%a.Cfg.PolicyDelay != 0 {
		return st, nil
	}

	// Actor: L = −mean Q1(s, μ(s)) (per-node critics: the mean over batch and nodes).
	// The critic's weights take no gradient from this pass, so it computes none.
	t.Reset()
	a.freezeCritic(true)
	var q *nn.Tensor
	if c1, ok := a.Critic.(Q1Critic); ok {
		q = c1.ForwardQ1(t, a.obs, a.Actor.Forward(t, a.obs))
	} else {
		q, _ = a.Critic.Forward(t, a.obs, a.Actor.Forward(t, a.obs))
	}
	aloss := t.Neg(t.Mean(q))
	a.ActorParams.ZeroGrad()
	err := t.Backward(aloss)
	a.freezeCritic(false)
	if err != nil {
		return st, fmt.Errorf("td3 actor update: %w", err)
	}
	if a.Cfg.clipping() {
		nn.ClipGradNorm(a.ActorParams, a.Cfg.GradClip)
	}
	if err := a.ActorOpt.Step(a.ActorParams); err != nil {
		return st, fmt.Errorf("td3 actor update: %w", err)
	}
	a.actUpdates++
	st.ActorLoss, st.ActorStep = float64(aloss.Item()), true

	// Soft target updates: θ' ← τθ + (1 − τ)θ'
	tau := float32(a.Cfg.Tau)
	if err := a.ActorTargetParams.SoftUpdate(a.ActorParams, tau); err != nil {
		return st, err
	}
	if err := a.CriticTargetParams.SoftUpdate(a.CriticParams, tau); err != nil {
		return st, err
	}
	return st, nil
}

// freezeCritic hides (on) or restores (off) the critic's gradient buffers: a tensor
// without one takes no gradient, so the actor's backward pass skips dW of every critic
// layer while still propagating through it to the actions.
func (a *Agent) freezeCritic(on bool) {
	ps := a.CriticParams.Tensors()
	if a.critGrads == nil {
		a.critGrads = make([][]float32, len(ps))
	}
	for i, p := range ps {
		if on {
			a.critGrads[i], p.Grad = p.Grad, nil
		} else {
			p.Grad = a.critGrads[i]
		}
	}
}

func clamp(x, lo, hi float32) float32 { return max(lo, min(hi, x)) }
