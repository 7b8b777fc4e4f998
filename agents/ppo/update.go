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
func (a *Agent) Update(r *agents.Rollout, p agents.Progress) (map[string]float64, error) {
	cfg := a.Config
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
	eps := float32(cfg.ClipEps)

	var sumPG, sumV, sumEnt, sumKL, sumClip, sumNorm float64
	steps := 0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		for i := range a.perm {
			a.perm[i] = i
		}
		a.shuffle.Shuffle(n, func(i, j int) { a.perm[i], a.perm[j] = a.perm[j], a.perm[i] })
		for start := 0; start < n; start += mb {
			a.gather(r, a.perm[start:start+mb])
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

			v := t.Reshape(a.critic.Forward(t, a.mbObs), mb)
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
				return nil, fmt.Errorf("ppo loss: %w", err)
			}
			if l := loss.Item(); math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
				return nil, fmt.Errorf("loss is %v (policy %v, value %v, entropy %v) at epoch %d, minibatch %d: %w",
					l, pgLoss.Item(), vLoss.Item(), entMean.Item(), epoch+1, start/mb+1, agents.ErrNonFinite)
			}
			a.params.ZeroGrad()
			if err := t.Backward(loss); err != nil {
				return nil, fmt.Errorf("ppo backward: %w", err)
			}
			var norm float64 // before clipping
			if cfg.MaxGradNorm > 0 {
				norm = nn.ClipGradNorm(a.params, cfg.MaxGradNorm)
			} else {
				norm = a.params.GradNorm()
			}
			if math.IsNaN(norm) || math.IsInf(norm, 0) {
				return nil, fmt.Errorf("gradient norm is %v at epoch %d, minibatch %d: %w", norm, epoch+1, start/mb+1, agents.ErrNonFinite)
			}
			if err := a.opt.Step(a.params); err != nil {
				return nil, err
			}

			// Statistics: approx KL = mean((r - 1) - log r) (Schulman's k3 estimator).
			var kl, clipped float64
			for k, lr := range logRatio.Data {
				rk := float64(ratio.Data[k])
				kl += (rk - 1) - float64(lr)
				if math.Abs(rk-1) > cfg.ClipEps {
					clipped++
				}
			}
			sumPG += float64(pgLoss.Item())
			sumV += float64(vLoss.Item())
			sumEnt += float64(entMean.Item())
			sumKL += kl / float64(mb)
			sumClip += clipped / float64(mb)
			sumNorm += norm
			steps++
		}
	}
	s := float64(steps)
	m := map[string]float64{
		"policy_loss": sumPG / s, "value_loss": sumV / s, "entropy": sumEnt / s,
		"approx_kl": sumKL / s, "clip_frac": sumClip / s, "grad_norm": sumNorm / s, "lr": lr,
	}
	if ev := explainedVariance(r.Values, r.Returns); !math.IsNaN(ev) {
		m["explained_variance"] = ev // undefined when the returns are constant
	}
	return m, nil
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

// explainedVariance is 1 - Var(R - V) / Var(R).
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
