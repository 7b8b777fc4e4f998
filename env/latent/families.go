package latent

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"gorl/env"
)

// Families lists the instance families New understands.
var Families = []string{"shared", "noisy", "spread", "lowerbound", "random", "deterministic", "cue", "hard"}

// Params are the settings of an instance family. Zero values mean defaults: Gamma 2
// (random: clipped to S), Eps 0.1, P 1/2; Noise is used as given (0: deterministic).
// Fields a family does not use are ignored (Cue fixes A = M and S = M + 2).
type Params struct {
	M, S, A, H int
	Gamma      int     // random, shared, noisy: support size of every P_m(.|s,a)
	Noise      float64 `json:"Noise,omitempty"` // shared, noisy, spread: transition noise in [0, 1]
	Eps        float64 // hard, lowerbound: advantage of the special action
	P          float64 `json:"P,omitempty"` // lowerbound: success probability of the other arms
	Seed       uint64  // instance seed (all but cue)
}

// New builds an instance of family (one of Families). The shared and noisy families hide
// the context (it must be inferred over several steps); spread hides it as shared does, with
// noise that raises the variance while the means stay fixed; lowerbound is the Gamma = 2
// learning-hardness instance. random, deterministic and hard are kept for what they are:
// in random the per-context rewards usually identify the context within a step or two,
// deterministic is random with Gamma = 1, and hard is a one-decision bandit whose
// optimal policy is Markov (V* = V_WSU). cue is a memory test.
func New(family string, p Params) (*LMDP, error) {
	switch family {
	case "shared":
		return Shared(p.M, p.S, p.A, p.H, p.Gamma, p.Noise, p.Seed)
	case "noisy":
		return Noisy(p.M, p.S, p.A, p.H, p.Gamma, p.Noise, p.Seed)
	case "spread":
		return Spread(p.M, p.S, p.A, p.H, p.Noise, p.Seed)
	case "lowerbound":
		return LowerBound(p.M, p.S, p.A, p.H, p.Eps, p.P, p.Seed)
	case "random":
		return Random(p.M, p.S, p.A, p.H, p.Gamma, p.Seed)
	case "deterministic":
		return Deterministic(p.M, p.S, p.A, p.H, p.Seed)
	case "cue":
		return Cue(p.M, p.H)
	case "hard":
		return Hard(p.M, p.S, p.A, p.H, p.Eps, p.Seed)
	}
	return nil, fmt.Errorf("unknown LMDP family %q (known: %s)", family, strings.Join(Families, ", "))
}

// Hidden reports whether family promises a hidden context and has a transition noise
// (shared, noisy, spread): its instances are checked to be latent and can be swept over noise.
func Hidden(family string) bool {
	return family == "shared" || family == "noisy" || family == "spread"
}

func checkSizes(family string, M, S, A, H int) error {
	if M < 1 || S < 1 || A < 1 || H < 1 {
		return fmt.Errorf("%s LMDP: M, S, A, H must be >= 1, got M=%d S=%d A=%d H=%d", family, M, S, A, H)
	}
	const maxEntries = 1 << 26
	if M*S*A*S > maxEntries || M*S*A*S < 0 {
		return fmt.Errorf("%s LMDP: M*S*A*S = %d transition entries is too large (max %d)", family, M*S*A*S, maxEntries)
	}
	return nil
}

// Random draws an LMDP with M contexts: weights w_m proportional to 1+U(0,1); every
// nu_m and P_m(.|s,a) is supported on Gamma states drawn without replacement, with
// probabilities 1/(2 Gamma) + Dirichlet(1)/2 (so no transition is rarer than 1/(2 Gamma));
// rewards R_m(s,a) are 0 or 1/H with probability 1/2 each, so any episode returns at most 1.
// gamma 0 means 2 (or S if S < 2).
func Random(M, S, A, H, gamma int, seed uint64) (*LMDP, error) {
	if err := checkSizes("random", M, S, A, H); err != nil {
		return nil, err
	}
	if gamma == 0 {
		gamma = min(2, S)
	}
	if gamma < 1 || gamma > S {
		return nil, fmt.Errorf("random LMDP: Gamma=%d must be in [1, S=%d] (the support of a next-state distribution cannot exceed the number of states)", gamma, S)
	}
	rng := env.NewRand(seed, 0x1a7e47)
	l := alloc(fmt.Sprintf("random(M=%d,S=%d,A=%d,H=%d,Gamma=%d,seed=%d)", M, S, A, H, gamma, seed), M, S, A, H)
	sum := 0.0
	for m := range l.Weights {
		l.Weights[m] = 1 + rng.Float64()
		sum += l.Weights[m]
	}
	for m := range l.Weights {
		l.Weights[m] /= sum
	}
	perm := make([]int, S)
	for m := 0; m < M; m++ {
		randomDist(rng, l.InitDist(m), gamma, perm)
		for s := 0; s < S; s++ {
			for a := 0; a < A; a++ {
				randomDist(rng, l.Next(m, s, a), gamma, perm)
				if rng.IntN(2) == 1 {
					l.R[l.SA(m, s, a)] = 1 / float64(H)
				}
			}
		}
	}
	return l, l.Validate()
}

// randomDist writes into dst a distribution supported on k random entries.
func randomDist(rng *rand.Rand, dst []float64, k int, perm []int) {
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < k; i++ { // partial Fisher-Yates: the first k entries are the support
		j := i + rng.IntN(len(perm)-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	clear(dst)
	sum := 0.0
	for i := 0; i < k; i++ {
		e := rng.ExpFloat64()
		dst[perm[i]] = e
		sum += e
	}
	for i := 0; i < k; i++ {
		dst[perm[i]] = 0.5/float64(k) + 0.5*dst[perm[i]]/sum
	}
}

// Deterministic draws a random LMDP with Gamma = 1: every context starts in one state
// and every transition is deterministic, so Var* = 0. Weights and rewards are drawn as in
// Random.
func Deterministic(M, S, A, H int, seed uint64) (*LMDP, error) {
	l, err := Random(M, S, A, H, 1, seed)
	if err != nil {
		return nil, fmt.Errorf("deterministic LMDP: %w", err)
	}
	l.Name = fmt.Sprintf("deterministic(M=%d,S=%d,A=%d,H=%d,seed=%d)", M, S, A, H, seed)
	return l, nil
}

// Cue is a memory test with A = M actions and S = M + 2 states: every episode starts in
// state 0; from there any action leads to the cue state 1+m, which shows the context for
// one step; from the cue state any action leads to the common state M+1, which is
// absorbing. In every state the action equal to the context earns 1/H, any other earns 0.
// Weights are uniform. V* = 1 - (M-1)/(M H) (only the first, blind step is a guess), an
// agent that knows the context earns 1, and a memoryless (Markov) policy earns at most
// (1 + (H-1)/M)/H: it cannot remember the cue once in the common state (WSU, which
// weights contexts by w in every state, earns 1/M).
func Cue(M, H int) (*LMDP, error) {
	if M < 2 {
		return nil, fmt.Errorf("cue LMDP: needs M >= 2 contexts, got %d", M)
	}
	if err := checkSizes("cue", M, M+2, M, H); err != nil {
		return nil, err
	}
	S, A := M+2, M
	l := alloc(fmt.Sprintf("cue(M=%d,H=%d)", M, H), M, S, A, H)
	common := M + 1
	for m := 0; m < M; m++ {
		l.Weights[m] = 1 / float64(M)
		l.Init[m*S] = 1
		for s := 0; s < S; s++ {
			next := common
			if s == 0 {
				next = 1 + m
			}
			for a := 0; a < A; a++ {
				l.Next(m, s, a)[next] = 1
				if a == m {
					l.R[l.SA(m, s, a)] = 1 / float64(H)
				}
			}
		}
	}
	return l, l.Validate()
}

// Hard is a one-decision bandit (Gamma = 2), kept as it was; LowerBound is the
// lower-bound construction. States
// 0..S-3 are decision states, S-2 a rewarding goal and S-1 a sink, both absorbing. Every
// context starts uniformly over the decision states; there, action a reaches the goal
// with probability 1/2 + eps if a is the context's special action for that state (drawn
// at random) and 1/2 otherwise, else the sink. Each step in the goal earns 1/H. The
// contexts share every support, so observations only reveal the context statistically.
// eps 0 means 0.1.
func Hard(M, S, A, H int, eps float64, seed uint64) (*LMDP, error) {
	if err := checkSizes("hard", M, S, A, H); err != nil {
		return nil, err
	}
	if S < 3 {
		return nil, fmt.Errorf("hard LMDP: needs S >= 3 (decision states, goal, sink), got %d", S)
	}
	if eps == 0 {
		eps = 0.1
	}
	if !(eps > 0 && eps <= 0.5) {
		return nil, fmt.Errorf("hard LMDP: eps=%v must be in (0, 0.5]", eps)
	}
	rng := env.NewRand(seed, 0x4a4d)
	l := alloc(fmt.Sprintf("hard(M=%d,S=%d,A=%d,H=%d,eps=%g,seed=%d)", M, S, A, H, eps, seed), M, S, A, H)
	goal, sink, nd := S-2, S-1, S-2
	for m := 0; m < M; m++ {
		l.Weights[m] = 1 / float64(M)
		for s := 0; s < nd; s++ {
			l.Init[m*S+s] = 1 / float64(nd)
			special := rng.IntN(A)
			for a := 0; a < A; a++ {
				pg := 0.5
				if a == special {
					pg += eps
				}
				next := l.Next(m, s, a)
				next[goal], next[sink] = pg, 1-pg
			}
		}
		for a := 0; a < A; a++ {
			l.Next(m, goal, a)[goal] = 1
			l.Next(m, sink, a)[sink] = 1
			l.R[l.SA(m, goal, a)] = 1 / float64(H)
		}
	}
	return l, l.Validate()
}

func alloc(name string, M, S, A, H int) *LMDP {
	return &LMDP{Name: name, M: M, S: S, A: A, H: H,
		Weights: make([]float64, M), Init: make([]float64, M*S),
		P: make([]float64, M*S*A*S), R: make([]float64, M*S*A)}
}
