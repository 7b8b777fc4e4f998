package lpg

import (
	"fmt"
	"math"

	"gorl/agents"
	"gorl/agents/nn"
)

// lossTerms are the recorded results of forward.
type lossTerms struct {
	loss, lossPi, lossY, logPi, logY, y *nn.Tensor
}

// forward records the agent's loss on the rollout on a.tape (gradients not yet computed).
func (a *Agent) forward(r *agents.Rollout, p agents.Progress) (lossTerms, error) {
	T, E, n, od := r.Steps, r.Envs, r.Len(), r.ObsDim
	if od != a.obsDim {
		return lossTerms{}, fmt.Errorf("lpg: rollout observations have %d values, agent expects %d", od, a.obsDim)
	}
	if a.lastN != E {
		return lossTerms{}, fmt.Errorf("lpg: update needs the %d observations after the rollout (Values of them), have %d", E, a.lastN)
	}
	bins := a.Rule.Config.Bins
	if a.in == nil || a.in.Steps != T || a.in.Envs != E {
		a.in = a.Rule.NewInputs(T, E)
		a.acts = make([]int, n)
		a.piHat, a.logYHat = nn.New(n), nn.New(n, bins)
	}
	in := a.in
	for k := 0; k < n; k++ {
		a.acts[k] = int(r.Actions[k])
		in.Reward.Data[k] = r.Rewards[k]
		in.Done.Data[k] = 0
		if r.Terminated[k] || r.Truncated[k] {
			in.Done.Data[k] = 1
		}
	}
	in.Progress = float32(p.Fraction())
	in.LogLifetime = float32(math.Log(float64(max(p.Updates, 1))))

	// The agent's forward pass, recorded for its gradient.
	t := a.tape
	t.Reset()
	obs, err := nn.FromData(r.Obs, n, od)
	if err != nil {
		return lossTerms{}, fmt.Errorf("lpg: %w", err)
	}
	logPi := t.LogSoftmax(a.actor.Forward(t, obs))
	logPiA := t.Gather(logPi, a.acts) // log pi(a_t|s_t) [n]
	logY := t.LogSoftmax(a.critic.Forward(t, obs))
	y := t.Exp(logY) // [n, bins]

	// The rule's inputs: pi(a|s), y(s_t) and y(s_{t+1}), all without gradient.
	for k, lp := range logPiA.Data {
		in.Pi.Data[k] = float32(math.Exp(float64(lp)))
	}
	copy(in.Y.Data, y.Data)
	copy(in.YNext.Data, y.Data[E*bins:]) // row t*E+i <- row (t+1)*E+i for t < T-1
	a.infer.Reset()
	last, err := nn.FromData(a.lastObs, E, od)
	if err != nil {
		return lossTerms{}, fmt.Errorf("lpg: %w", err)
	}
	yLast := a.infer.Softmax(a.critic.Forward(a.infer, last))
	copy(in.YNext.Data[(T-1)*E*bins:], yLast.Data)

	a.ruleTape.Reset()
	piHat, yHatLogits, err := a.Rule.Apply(a.ruleTape, in)
	if err != nil {
		return lossTerms{}, err
	}
	copy(a.piHat.Data, piHat.Data)
	logSoftmaxRows(a.logYHat.Data, yHatLogits.Data, bins)

	lossPi := t.Mean(t.Mul(logPiA, a.piHat))
	kl := t.SumAxis(t.Mul(y, t.Sub(logY, a.logYHat)), 1) // KL(y_t || y_hat_t) [n]
	lossY := t.Mean(kl)
	loss := t.Add(lossPi, t.Scale(lossY, float32(a.Config.TargetCoef)))
	if err := t.Err(); err != nil {
		return lossTerms{}, fmt.Errorf("lpg loss: %w", err)
	}
	if l := float64(loss.Item()); math.IsNaN(l) || math.IsInf(l, 0) {
		return lossTerms{}, fmt.Errorf("loss is %v (policy %v, target %v): %w", l, lossPi.Item(), lossY.Item(), agents.ErrNonFinite)
	}
	return lossTerms{loss, lossPi, lossY, logPi, logY, y}, nil
}

// Update implements agents.Agent: one LPG update on a full rollout (groove's
// lpg_agent_train_step; Oh et al. 2020, eq. 2 without the meta-gradient regularisers,
// which only enter the meta-objective):
//
//	y_t = softmax(critic(s_t)), y_{t+1} = y(s_{t+1}) (s_T: the observations after the rollout)
//	pi_hat, y_hat = Rule(r, d, pi(a|s), y_t, y_{t+1} [, n/N, log N])    (constants)
//	L = mean_t log pi(a_t|s_t) pi_hat_t + alpha_y mean_t KL(y_t || y_hat_t)
//	clip each network's gradient norm to MaxGradNorm; one Adam step on each
func (a *Agent) Update(r *agents.Rollout, p agents.Progress) (map[string]float64, error) {
	f, err := a.forward(r, p)
	if err != nil {
		return nil, err
	}
	t, loss, lossPi, lossY, logPi, logY, y := a.tape, f.loss, f.lossPi, f.lossY, f.logPi, f.logY, f.y
	n, bins := r.Len(), a.Rule.Config.Bins
	a.actorPs.ZeroGrad()
	a.critPs.ZeroGrad()
	if err := t.Backward(loss); err != nil {
		return nil, fmt.Errorf("lpg backward: %w", err)
	}
	normPi, normY := a.clip(a.actorPs), a.clip(a.critPs)
	if math.IsNaN(normPi+normY) || math.IsInf(normPi+normY, 0) {
		return nil, fmt.Errorf("gradient norms are %v (policy), %v (prediction): %w", normPi, normY, agents.ErrNonFinite)
	}
	if err := a.actorOpt.Step(a.actorPs); err != nil {
		return nil, err
	}
	if err := a.critOpt.Step(a.critPs); err != nil {
		return nil, err
	}

	// Statistics.
	var ent, yEnt, hatMean, hatSq float64
	for k := 0; k < n; k++ {
		for j := 0; j < a.nActions; j++ {
			lp := float64(logPi.Data[k*a.nActions+j])
			ent -= math.Exp(lp) * lp
		}
		for j := 0; j < bins; j++ {
			yEnt -= float64(y.Data[k*bins+j]) * float64(logY.Data[k*bins+j])
		}
		h := float64(a.piHat.Data[k])
		hatMean += h
		hatSq += h * h
	}
	fn := float64(n)
	return map[string]float64{
		"policy_loss": float64(lossPi.Item()), "target_kl": float64(lossY.Item()),
		"entropy": ent / fn, "y_entropy": yEnt / fn, "pi_hat_mean": hatMean / fn, "pi_hat_l2": hatSq / fn,
		"grad_norm": normPi, "grad_norm_y": normY, "lr": a.Config.LR,
	}, nil
}

// clip clips ps's gradient to the configured norm and returns the norm before clipping.
func (a *Agent) clip(ps *nn.Params) float64 {
	if a.Config.MaxGradNorm > 0 {
		return nn.ClipGradNorm(ps, a.Config.MaxGradNorm)
	}
	return ps.GradNorm()
}

// logSoftmaxRows writes the log-softmax of each row of width w of src into dst.
func logSoftmaxRows(dst, src []float32, w int) {
	for i := 0; i+w <= len(src); i += w {
		row := src[i : i+w]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(s)
		for j, v := range row {
			dst[i+j] = float32(float64(v) - lse)
		}
	}
}
