package ppo

import (
	"fmt"
	"math"

	"gorl/agents"
	"gorl/agents/nn"
)

// Update implements agents.Agent: one PPO update on a full rollout (CleanRL ppo.py,
// "Optimizing the policy and value network"):
//
//	A, R     = GAE(rollout)                                  (advantages and value targets)
//	for epoch = 1..Epochs, for each minibatch of the shuffled rollout:
//	  A      = (A - mean A) / (std A + 1e-8)                  (unless NoAdvNorm)
//	  r      = exp(log pi(a|s) - log pi_old(a|s))
//	  L_pi   = -mean Objective(r, A, n/N)                     (PPO-clip: min(rA, clip(r)A))
//	  L_V    = 1/2 mean (V(s) - R)^2                          (or CleanRL's clipped form)
//	  L      = L_pi - c_ent mean H[pi(.|s)] + c_V L_V
//	  clip ||grad L|| to MaxGradNorm, Adam step with lr = LR (1 - n/N)
//
// The metrics are CleanRL's statistics: approx_kl and old_approx_kl of the update's
// last minibatch, clip_frac averaged over all minibatches and explained_variance of the
// rollout's values against its returns; the loss terms and the gradient norm (before
// clipping) are averages over the update's minibatches.
func (a *Agent) Update(r *agents.Rollout, p agents.Progress) (map[string]float64, error) {
	cfg := a.Config
	if cfg.TruncationAsTermination {
		clear(r.TruncValues)
	}
	r.GAE(cfg.Gamma, cfg.Lambda)
	n := r.Len()
	if n%cfg.Minibatches != 0 {
		return nil, fmt.Errorf("ppo: %d minibatches do not divide the rollout of %d steps", cfg.Minibatches, n)
	}
	mb := n / cfg.Minibatches
	a.ensureMinibatch(mb, r)
	lr := cfg.LR
	if !cfg.ConstantLR {
		lr *= 1 - p.Fraction()
	}
	a.opt.LR = float32(lr)
	progress := float32(p.Fraction())

	var sum, last stepStats
	steps := 0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		a.order(epoch)
		for start := 0; start < n; start += mb {
			st, err := a.step(r, a.perm[start:start+mb], progress)
			if err != nil {
				return nil, fmt.Errorf("%w at epoch %d, minibatch %d", err, epoch+1, start/mb+1)
			}
			sum.pg, sum.v, sum.ent, sum.norm, sum.clipFrac = sum.pg+st.pg, sum.v+st.v, sum.ent+st.ent, sum.norm+st.norm, sum.clipFrac+st.clipFrac
			last = st
			steps++
		}
	}
	s := float64(steps)
	m := map[string]float64{
		"policy_loss": sum.pg / s, "value_loss": sum.v / s, "entropy": sum.ent / s, "grad_norm": sum.norm / s,
		"approx_kl": last.approxKL, "old_approx_kl": last.oldApproxKL, "clip_frac": sum.clipFrac / s, "lr": lr,
	}
	if ev := explainedVariance(r.Values, r.Returns); !math.IsNaN(ev) {
		m["explained_variance"] = ev // undefined when the returns are constant
	}
	return m, nil
}

// order fills a.perm with the minibatch order of an epoch: a shuffle of the rollout
// from the agent's stream, or a.orderFn's where set (tests replaying a recorded order).
func (a *Agent) order(epoch int) {
	for i := range a.perm {
		a.perm[i] = i
	}
	if a.orderFn != nil {
		a.orderFn(epoch, a.perm)
		return
	}
	a.shuffle.Shuffle(len(a.perm), func(i, j int) { a.perm[i], a.perm[j] = a.perm[j], a.perm[i] })
}

// stepStats are one minibatch step's loss terms and statistics.
type stepStats struct {
	pg, v, ent, loss float64
	norm             float64 // gradient norm before clipping
	// CleanRL's estimators of KL(pi_old || pi): mean(-log r) and mean((r - 1) - log r)
	// (Schulman's k1 and k3), and the share of samples with |r - 1| > clip_eps.
	oldApproxKL, approxKL, clipFrac float64
}

// step takes one gradient step on the minibatch of rollout rows idx.
func (a *Agent) step(r *agents.Rollout, idx []int, progress float32) (stepStats, error) {
	cfg := a.Config
	eps := float32(cfg.ClipEps)
	a.gather(r, idx)
	if !cfg.NoAdvNorm {
		normalize(a.mbAdv.Data)
	}
	t := a.tape
	t.Reset()
	out := a.actor.Forward(t, a.mbObs)
	var newLogP, entropy *nn.Tensor
	if a.discrete {
		dist := nn.NewCategorical(t, out)
		newLogP, entropy = dist.LogProb(t, a.mbActInt), dist.Entropy(t)
	} else {
		dist := nn.DiagGaussian{Mean: out, LogStd: a.logStd}
		newLogP, entropy = dist.LogProb(t, a.mbAct), dist.Entropy(t)
	}
	logRatio := t.Sub(newLogP, a.mbOldLogP)
	ratio := t.Exp(logRatio)
	pgLoss := t.Neg(t.Mean(a.Objective.Surrogate(t, ratio, a.mbAdv, progress)))

	v := t.Reshape(a.critic.Forward(t, a.mbObs), len(idx))
	var vLoss *nn.Tensor
	if cfg.ValueClip {
		// CleanRL: max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)
		vClipped := t.Add(a.mbOldV, t.Clamp(t.Sub(v, a.mbOldV), -eps, eps))
		vLoss = t.Scale(t.Mean(t.Maximum(t.Square(t.Sub(v, a.mbRet)), t.Square(t.Sub(vClipped, a.mbRet)))), 0.5)
	} else {
		vLoss = t.Scale(t.Mean(t.Square(t.Sub(v, a.mbRet))), 0.5)
	}
	entMean := t.Mean(entropy)
	loss := t.Add(t.Sub(pgLoss, t.Scale(entMean, float32(cfg.entCoef()))), t.Scale(vLoss, float32(cfg.VfCoef)))
	if err := t.Err(); err != nil {
		return stepStats{}, fmt.Errorf("ppo loss: %w", err)
	}
	st := stepStats{pg: float64(pgLoss.Item()), v: float64(vLoss.Item()), ent: float64(entMean.Item()), loss: float64(loss.Item())}
	if math.IsNaN(st.loss) || math.IsInf(st.loss, 0) {
		return st, fmt.Errorf("loss is %v (policy %v, value %v, entropy %v): %w", st.loss, st.pg, st.v, st.ent, agents.ErrNonFinite)
	}
	st.oldApproxKL, st.approxKL, st.clipFrac = klStats(logRatio.Data, cfg.ClipEps)
	a.params.ZeroGrad()
	if err := t.Backward(loss); err != nil {
		return st, fmt.Errorf("ppo backward: %w", err)
	}
	if cfg.MaxGradNorm > 0 {
		st.norm = nn.ClipGradNorm(a.params, cfg.MaxGradNorm)
	} else {
		st.norm = a.params.GradNorm()
	}
	if math.IsNaN(st.norm) || math.IsInf(st.norm, 0) {
		return st, fmt.Errorf("gradient norm is %v: %w", st.norm, agents.ErrNonFinite)
	}
	return st, a.opt.Step(a.params)
}

// klStats returns CleanRL's statistics of a minibatch's log-ratios log r:
// old_approx_kl = mean(-log r), approx_kl = mean((r - 1) - log r) and the clip fraction
// mean(|r - 1| > eps).
func klStats(logRatio []float32, eps float64) (oldKL, kl, clipFrac float64) {
	for _, lr := range logRatio {
		r := math.Exp(float64(lr))
		oldKL -= float64(lr)
		kl += (r - 1) - float64(lr)
		if math.Abs(r-1) > eps {
			clipFrac++
		}
	}
	n := float64(len(logRatio))
	return oldKL / n, kl / n, clipFrac / n
}

// ensureMinibatch allocates the minibatch tensors once.
func (a *Agent) ensureMinibatch(mb int, r *agents.Rollout) {
	if a.mbObs != nil && a.mbObs.Rows() == mb && len(a.perm) == r.Len() {
		return
	}
	a.perm = make([]int, r.Len())
	a.mbObs = nn.New(mb, a.obsDim)
	a.mbAct = nn.New(mb, max(r.ActDim, 1))
	a.mbActInt = make([]int, mb)
	a.mbOldLogP, a.mbAdv, a.mbRet, a.mbOldV = nn.New(mb), nn.New(mb), nn.New(mb), nn.New(mb)
}

// gather copies the rollout rows idx into the minibatch tensors.
func (a *Agent) gather(r *agents.Rollout, idx []int) {
	od, ad := r.ObsDim, r.ActDim
	for b, k := range idx {
		copy(a.mbObs.Data[b*od:(b+1)*od], r.Obs[k*od:(k+1)*od])
		if a.discrete {
			a.mbActInt[b] = int(r.Actions[k])
		} else {
			copy(a.mbAct.Data[b*ad:(b+1)*ad], r.Actions[k*ad:(k+1)*ad])
		}
		a.mbOldLogP.Data[b] = r.LogProbs[k]
		a.mbAdv.Data[b] = r.Advantages[k]
		a.mbRet.Data[b] = r.Returns[k]
		a.mbOldV.Data[b] = r.Values[k]
	}
}

// normalize standardises x in place with the unbiased standard deviation (torch.std).
func normalize(x []float32) {
	var mean float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		d := float64(v) - mean
		ss += d * d
	}
	std := 0.0
	if len(x) > 1 {
		std = math.Sqrt(ss / float64(len(x)-1))
	}
	for i, v := range x {
		x[i] = float32((float64(v) - mean) / (std + 1e-8))
	}
}

// explainedVariance is CleanRL's 1 - Var(R - V) / Var(R) over the rollout, with V the
// values at collection and R the GAE returns (population variances; NaN when Var(R) = 0).
func explainedVariance(values, returns []float32) float64 {
	var mr, md float64
	n := float64(len(returns))
	for i := range returns {
		mr += float64(returns[i])
		md += float64(returns[i] - values[i])
	}
	mr, md = mr/n, md/n
	var vr, vd float64
	for i := range returns {
		d := float64(returns[i]) - mr
		vr += d * d
		e := float64(returns[i]-values[i]) - md
		vd += e * e
	}
	if vr == 0 {
		return math.NaN()
	}
	return 1 - vd/vr
}
