package latent

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"gorl/env"
)

// DefaultNoise is the transition noise of the shared and noisy families when the caller
// gives none (Params.Noise is used as given: 0 means deterministic transitions).
const DefaultNoise = 0.5

// sharedSignal is how far the noisiest (noise 1) shared instance keeps the good and the
// other actions apart: bright with probability 1/2 + sharedSignal against 1/2 - sharedSignal.
const sharedSignal = 0.1

// Shared is a family whose context is hidden in the transitions only. Rewards are
// shared by every context and depend on the state alone: R(s,a) = 1/(H-1) in the bright
// states (the first ceil(S/2) of a random order), 0 in the dark ones, so a reward tells
// nothing about the context. The first state is always dark, so at most H-1 steps are
// rewarded and the return range is [0, 1] at every horizon (with 1/H it was
// [0, 1 - 1/H]: the H = 4 instance paid in units 3/4 the size of the H = 32 one, which
// made the horizon comparison depend on the reward scale, not only on H). Every (s,a) has one support of Gamma states (>= 1 bright and
// >= 1 dark) common to all contexts. Each context has a good action g_m(s) per state
// (distinct across contexts while M <= A); it reaches the bright part of the support
// with probability p_hi = 1 - (1/2 - sharedSignal) noise, any other action with
// p_lo = (1/2 - sharedSignal) noise. Inside each part, the mass goes to the part's first
// state with weight 1 - noise and is spread by shared random weights with weight noise,
// so noise 0 is deterministic (Var* = 0) and noise 1 the most stochastic instance of
// the family. The first state is a dark state, the same in every context: the first dark
// state with probability 1 - noise, else uniform over the dark states.
// The belief therefore moves only through bright/dark outcomes, by the likelihood ratio
// p_hi/p_lo per step: the context is inferred over several steps.
func Shared(M, S, A, H, gamma int, noise float64, seed uint64) (*LMDP, error) {
	if err := checkHidden("shared", M, S, A, H, gamma, noise); err != nil {
		return nil, err
	}
	if H < 2 {
		return nil, fmt.Errorf("shared LMDP: needs H >= 2 (the first state earns nothing), got %d", H)
	}
	if gamma == 0 {
		gamma = 2
	}
	rng := env.NewRand(seed, 0x5a4ed)
	l := alloc(fmt.Sprintf("shared(M=%d,S=%d,A=%d,H=%d,Gamma=%d,noise=%g,seed=%d)", M, S, A, H, gamma, noise, seed), M, S, A, H)
	bright := brightStates(rng, S)
	good := goodActions(rng, M, S, A)
	pLo := (0.5 - sharedSignal) * noise
	pHi := 1 - pLo
	var dark []int
	for s := 0; s < S; s++ {
		if !bright[s] {
			dark = append(dark, s)
		}
	}
	for m := 0; m < M; m++ {
		l.Weights[m] = 1 / float64(M)
		for _, s := range dark {
			l.Init[m*S+s] = noise / float64(len(dark))
		}
		l.Init[m*S+dark[0]] += 1 - noise
	}
	for s := 0; s < S; s++ {
		for a := 0; a < A; a++ {
			b, d := splitSupport(rng, bright, gamma)
			wb, wd := partWeights(rng, len(b), noise), partWeights(rng, len(d), noise)
			for m := 0; m < M; m++ {
				pb := pLo
				if good[m*S+s] == a {
					pb = pHi
				}
				next := l.Next(m, s, a)
				for i, s2 := range b {
					next[s2] = pb * wb[i]
				}
				for i, s2 := range d {
					next[s2] = (1 - pb) * wd[i]
				}
				if bright[s] {
					l.R[l.SA(m, s, a)] = 1 / float64(H-1)
				}
			}
		}
	}
	return l, l.Validate()
}

// Noisy is a family whose context shows only through partial reward signals observed
// along noisy transitions. Transitions are common to every context: action a in s
// reaches an intended state t(s,a) with probability 1 - noise, else a shared random
// distribution over a support of Gamma states (which contains t). Half the states
// (ceil(S/2), chosen at random) are signal states, where only the context's good action
// g_m(s) earns 1/H; in the other states one shared good action earns 1/H in every
// context. A reward at a signal state splits the contexts into those whose good action
// was taken and the rest, so the belief narrows over several signal states, which the
// agent reaches at random. Noise 0 is deterministic (Var* = 0).
func Noisy(M, S, A, H, gamma int, noise float64, seed uint64) (*LMDP, error) {
	if err := checkHidden("noisy", M, S, A, H, gamma, noise); err != nil {
		return nil, err
	}
	if gamma == 0 {
		gamma = 2
	}
	rng := env.NewRand(seed, 0x4015e)
	l := alloc(fmt.Sprintf("noisy(M=%d,S=%d,A=%d,H=%d,Gamma=%d,noise=%g,seed=%d)", M, S, A, H, gamma, noise, seed), M, S, A, H)
	signal := brightStates(rng, S)
	good := goodActions(rng, M, S, A)
	perm := make([]int, S)
	row := make([]float64, S)
	for s := 0; s < S; s++ {
		shared := rng.IntN(A)
		for a := 0; a < A; a++ {
			t := rng.IntN(S)
			randomDist(rng, row, gamma, perm)
			if row[t] == 0 { // the intended state joins the support in place of the smallest entry
				small := -1
				for i, v := range row {
					if v > 0 && (small < 0 || v < row[small]) {
						small = i
					}
				}
				row[t], row[small] = row[small], 0
			}
			for m := 0; m < M; m++ {
				next := l.Next(m, s, a)
				for s2, p := range row {
					next[s2] = noise * p
				}
				next[t] += 1 - noise
				g := shared
				if signal[s] {
					g = good[m*S+s]
				}
				if a == g {
					l.R[l.SA(m, s, a)] = 1 / float64(H)
				}
			}
		}
	}
	for m := 0; m < M; m++ { // the first state: 0 with probability 1 - noise, else uniform
		l.Weights[m] = 1 / float64(M)
		for s := 0; s < S; s++ {
			l.Init[m*S+s] = noise / float64(S)
		}
		l.Init[m*S] += 1 - noise
	}
	return l, l.Validate()
}

func checkHidden(family string, M, S, A, H, gamma int, noise float64) error {
	if err := checkSizes(family, M, S, A, H); err != nil {
		return err
	}
	if M < 2 || A < 2 || S < 2 {
		return fmt.Errorf("%s LMDP: needs M >= 2 contexts, S >= 2 states and A >= 2 actions, got M=%d S=%d A=%d", family, M, S, A)
	}
	if gamma != 0 && (gamma < 2 || gamma > S) {
		return fmt.Errorf("%s LMDP: Gamma=%d must be in [2, S=%d] (every support holds a good and a bad outcome)", family, gamma, S)
	}
	if !(noise >= 0 && noise <= 1) {
		return fmt.Errorf("%s LMDP: noise=%v must be in [0, 1]", family, noise)
	}
	return nil
}

// brightStates marks ceil(S/2) states chosen at random.
func brightStates(rng *rand.Rand, S int) []bool {
	out := make([]bool, S)
	for _, s := range rng.Perm(S)[:(S+1)/2] {
		out[s] = true
	}
	return out
}

// goodActions draws g_m(s) (at m*S+s): in every state the contexts get distinct
// actions while M <= A; beyond A, contexts get random actions, redrawn until no two
// contexts agree in every state.
func goodActions(rng *rand.Rand, M, S, A int) []int {
	g := make([]int, M*S)
	for s := 0; s < S; s++ {
		perm := rng.Perm(A)
		for m := 0; m < M; m++ {
			g[m*S+s] = perm[m%A]
			if m >= A {
				g[m*S+s] = rng.IntN(A)
			}
		}
	}
	for m := A; m < M; m++ {
		for tries := 0; tries < 64 && sameAsEarlier(g, m, S); tries++ {
			for s := 0; s < S; s++ {
				g[m*S+s] = rng.IntN(A)
			}
		}
	}
	return g
}

func sameAsEarlier(g []int, m, S int) bool {
	for k := 0; k < m; k++ {
		same := true
		for s := 0; s < S && same; s++ {
			same = g[k*S+s] == g[m*S+s]
		}
		if same {
			return true
		}
	}
	return false
}

// splitSupport draws a support of gamma states with at least one bright and one dark
// state and returns its bright and dark parts.
func splitSupport(rng *rand.Rand, bright []bool, gamma int) (b, d []int) {
	var all, bs, ds []int
	for s, isB := range bright {
		if isB {
			bs = append(bs, s)
		} else {
			ds = append(ds, s)
		}
	}
	b = append(b, bs[rng.IntN(len(bs))])
	d = append(d, ds[rng.IntN(len(ds))])
	for s := range bright {
		if s != b[0] && s != d[0] {
			all = append(all, s)
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, s := range all[:gamma-2] {
		if bright[s] {
			b = append(b, s)
		} else {
			d = append(d, s)
		}
	}
	return b, d
}

// partWeights is (1-noise) on the first entry plus noise times random weights (each at
// least 1/(2n)).
func partWeights(rng *rand.Rand, n int, noise float64) []float64 {
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 0.5/float64(n) + rng.Float64()/float64(n)
		sum += w[i]
	}
	for i := range w {
		w[i] *= noise / sum
	}
	w[0] += 1 - noise
	return w
}

// LowerBound is our reconstruction of a Gamma = 2 lower-bound instance in the spirit of
// the paper's Omega(sqrt(Var* M S A K)) construction: many Bernoulli arms per context,
// each context with one better arm, and the context visible, so that what costs regret
// is learning, not inference. States 0..M-1 are start states (context m starts in m),
// M..S-3 decision states (n = S-M-2 of them), S-2 a goal and S-1 a sink, both absorbing.
// From a start state, action a moves deterministically to decision state M + (a mod n);
// there, action a' reaches the goal with probability p + eps if (decision state, a') is
// the context's special arm (drawn at random) and p otherwise, else the sink. Each step
// in the goal earns 1/H, so a return is 0 or (H-2)/H. Then V* = V_oracle =
// (p+eps)(H-2)/H, Var* = (p+eps)(1-p-eps)((H-2)/H)^2, the number of arms is
// M min(n,A) A, and any learner's expected regret is of order
// sqrt(Var* M min(n,A) A K) once K is large enough for eps ~ sqrt(p arms / K).
// eps 0 means 0.1 and p 0 means 1/2.
func LowerBound(M, S, A, H int, eps, p float64, seed uint64) (*LMDP, error) {
	if err := checkSizes("lowerbound", M, S, A, H); err != nil {
		return nil, err
	}
	if S < M+3 || H < 3 {
		return nil, fmt.Errorf("lowerbound LMDP: needs S >= M+3 (start, decision, goal and sink states) and H >= 3, got M=%d S=%d H=%d", M, S, H)
	}
	if eps == 0 {
		eps = 0.1
	}
	if p == 0 {
		p = 0.5
	}
	if !(p > 0 && eps > 0 && p+eps <= 1) {
		return nil, fmt.Errorf("lowerbound LMDP: p=%v and eps=%v must be > 0 with p + eps <= 1", p, eps)
	}
	rng := env.NewRand(seed, 0x10b0)
	l := alloc(fmt.Sprintf("lowerbound(M=%d,S=%d,A=%d,H=%d,eps=%g,p=%g,seed=%d)", M, S, A, H, eps, p, seed), M, S, A, H)
	n, goal, sink := S-M-2, S-2, S-1
	for m := 0; m < M; m++ {
		l.Weights[m] = 1 / float64(M)
		l.Init[m*S+m] = 1
		specialState, specialAction := M+rng.IntN(min(n, A)), rng.IntN(A)
		for s := 0; s < S; s++ {
			for a := 0; a < A; a++ {
				next := l.Next(m, s, a)
				switch {
				case s < M:
					next[M+a%n] = 1
				case s < goal:
					pg := p
					if s == specialState && a == specialAction {
						pg += eps
					}
					next[goal], next[sink] = pg, 1-pg
				default:
					next[s] = 1
				}
			}
		}
		for a := 0; a < A; a++ {
			l.R[l.SA(m, goal, a)] = 1 / float64(H)
		}
	}
	return l, l.Validate()
}

// LowerBoundArms is the number of Bernoulli arms M min(n, A) A of a LowerBound instance
// (n = S-M-2 decision states), 0 for an instance of another family.
func LowerBoundArms(l *LMDP) int {
	if !strings.HasPrefix(l.Name, "lowerbound(") {
		return 0
	}
	return l.M * min(l.S-l.M-2, l.A) * l.A
}

// Spread reward levels: the expected step reward (times H-1) after the context's good
// action (the upper part) and after any other action (the lower part).
const (
	SpreadHigh = 0.75
	SpreadLow  = 0.25
)

// Spread is a family whose transition noise raises the variance of the return and
// nothing else. It needs S >= 5; the states are of five kinds (the first five of a random
// order, the rest cyclically): the origin O, where every episode starts (its first
// state O), and in each part X of the upper part U and the lower part L, a state Xa and
// a state Xb. Rewards depend on the state alone (the same in every context):
// R(s,a) = r(s)/(H-1) with r(O) = 0 (so the return range is [0, 1]),
//
//	r(Xa) = mu_X + noise (1 - mu_X),   r(Xb) = mu_X (1 - noise),   mu_U = SpreadHigh, mu_L = SpreadLow.
//
// Each context has a good action g_m(s) per state (distinct across contexts while
// M <= A). From any s, action a leads to the upper part if a = g_m(s), else to the lower
// part X, where it reaches Xa with probability mu_X and Xb with 1 - mu_X, at every noise
// (the targets are drawn per (s,a) and shared by the contexts). So:
//   - the transitions are the same at every noise; only the rewards of Xa and Xb move
//     apart, keeping the expected reward of a step mu_X/(H-1): the gap between the good
//     and the other actions, (SpreadHigh - SpreadLow)/(H-1), is fixed;
//   - which part a step reaches is a deterministic function of (s, a, m), so the belief
//     moves the same way at every noise (a step tests whether a = g_m(s)); V_oracle and,
//     while M <= A (every state is then alike up to a relabelling of the actions), V*
//     are the same at every noise;
//   - noise spreads each step's reward: variance noise^2 mu (1 - mu)/(H-1)^2 given the
//     part (mu (1 - mu) = 3/16 for both levels), so a context's return given its
//     sequence of parts has variance noise^2 (3/16)/(H-1), which is Var* when the optimal
//     policy's parts do not depend on which state of a part it reached. At noise 0 the
//     return is deterministic (Var* = 0), though the transitions are not.
//
// Noise 0 keeps the Xa/Xb split so that every state is reached at every noise: with
// noise-0 transitions made deterministic (Xa only), the Xb states were never reached,
// kept their optimistic value 1 and the Bernstein bonus's range term near its maximum,
// and noise 0 cost more regret than noise 0.25 (24-25 against 17.5-18 on M=3 S=5 A=3
// H=8). A sweep over noise on this family changes Var* while the transitions, means, gaps
// and V* stay fixed; on shared, noise also shrinks the gap between the good and the
// other actions.
func Spread(M, S, A, H int, noise float64, seed uint64) (*LMDP, error) {
	if err := checkHidden("spread", M, S, A, H, 0, noise); err != nil {
		return nil, err
	}
	if S < 5 || H < 2 {
		return nil, fmt.Errorf("spread LMDP: needs S >= 5 (states O, Ua, Ub, La, Lb) and H >= 2, got S=%d H=%d", S, H)
	}
	rng := env.NewRand(seed, 0x5b7ead)
	l := alloc(fmt.Sprintf("spread(M=%d,S=%d,A=%d,H=%d,noise=%g,seed=%d)", M, S, A, H, noise, seed), M, S, A, H)
	const origin, ua, ub, la, lb = 0, 1, 2, 3, 4
	level := [5]float64{0, SpreadHigh + noise*(1-SpreadHigh), SpreadHigh * (1 - noise), SpreadLow + noise*(1-SpreadLow), SpreadLow * (1 - noise)}
	var kinds [5][]int // the states of each kind
	kindOf := make([]int, S)
	for i, s := range rng.Perm(S) {
		kinds[i%5] = append(kinds[i%5], s)
		kindOf[s] = i % 5
	}
	good := goodActions(rng, M, S, A)
	for m := 0; m < M; m++ {
		l.Weights[m] = 1 / float64(M)
		l.Init[m*S+kinds[origin][0]] = 1
	}
	pick := func(k int) int { return kinds[k][rng.IntN(len(kinds[k]))] }
	for s := 0; s < S; s++ {
		for a := 0; a < A; a++ {
			up, lo := [2]int{pick(ua), pick(ub)}, [2]int{pick(la), pick(lb)}
			for m := 0; m < M; m++ {
				part, mu := lo, SpreadLow
				if good[m*S+s] == a {
					part, mu = up, SpreadHigh
				}
				next := l.Next(m, s, a)
				next[part[0]], next[part[1]] = mu, 1-mu
				l.R[l.SA(m, s, a)] = level[kindOf[s]] / float64(H-1)
			}
		}
	}
	return l, l.Validate()
}
