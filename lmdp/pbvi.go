package lmdp

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// PBVI is point-based value iteration over beliefs for an LMDP viewed as a
// mixed-observability MDP with a static hidden context: one set of alpha vectors (each
// over the M contexts) per (h, s).
//
// Belief points are (1) every belief reachable from the start under the planning model,
// found by a forward pass and merged when equal (see beliefScale), up to MaxNodes in all
// (beyond, every step gets a share of the budget, filled with its most probable
// reachable beliefs: the histories' probability with actions drawn uniformly), and (2) a
// simplex grid, backed up lazily, for the beliefs off that set. The backup at a
// point b in state s at step h is
//
//	alpha_a(m) = Backup_m(s, a, x_m),  x_m(s') = alpha_o(m) for the observation o = (R_m(s,a), s'),
//	alpha_o    = argmax over the step-(h+1) alphas of sum_m b_m P_m(s'|s,a) 1[R_m(s,a) = r_o] alpha(m),
//	a*         = argmax_a b·alpha_a.
//
// At a reachable point the successor belief of o is itself a point, and the backup uses
// that point's own alpha vector. With the Exact backup this is the argmax above (a
// point's backup dominates, at that point, every other vector of its set), so the pass
// is an exact dynamic programme over the reachable beliefs: with no node budget hit, Root
// is V*. When the budget is hit, the missing successors fall back to the grid sets, and
// with the Exact backup the result is a lower bound (Complete is false). The optimistic
// backups clip at 1 and are not linear in x; for them the successor's own vector is the
// natural choice rather than a proven maximiser.
type PBVI struct {
	MaxNodes   int // reachable belief points over all steps; 0 means 1<<16
	GridPoints int // most simplex-grid points per (h, s); 0 means 16
	// Resolution merges beliefs whose log-beliefs agree after rounding to multiples of
	// 1/Resolution, and makes the policy remember the rounded belief (see quantize); 0
	// means exact beliefs (rounded at 2^-40 only). Learned models rarely repeat
	// likelihood ratios, so their reachable beliefs grow with H unless rounded.
	Resolution int
}

// Policy is a planned history-dependent policy. Its memory is the belief under its
// planning model; Tracker follows it along an episode. A Policy is not safe for
// concurrent use (grid sets are backed up lazily).
type Policy struct {
	Model    *Model
	Backup   Backup
	Root     float64 // planned value at the start: sum_m w_m Initial_m (see rootValue)
	Complete bool    // every reachable belief is a point: Root is exact for the backup
	Nodes    int     // reachable belief points

	scale   float64 // belief rounding (see quantize)
	levels  []level
	grid    []float64   // grid points, flat (GridPoints*M)
	gamma   [][]float64 // alpha vectors of the grid, per h*S+s, flat; nil until needed
	done    []bool
	scratch []scratch // per step, so that lazy grid backups at h+1 keep step h's buffers
}

type level struct {
	s      []int32
	belief []float64 // n*M
	alpha  []float64 // n*M
	act    []int32
	child  []int32   // n*A*M*S: successor point for (a, m, s'), -1 when none
	mass   []float64 // probability of reaching the point (actions drawn uniformly)
	index  keyIndex
}

type scratch struct {
	groups []int
	xs     []float64 // M*S next values per context
	q      []float64 // A*M alpha per action
	u      []float64 // M selection weights
	nb     []float64 // M successor belief
	key    []int64
}

func (l *level) n() int { return len(l.s) }

// Plan computes a policy for md with the given backup.
func (pl PBVI) Plan(md *Model, bk Backup) (*Policy, error) {
	if md == nil || bk == nil {
		return nil, fmt.Errorf("pbvi: nil model or backup")
	}
	M, S, A, H := md.M, md.S, md.A, md.H
	if M < 1 || S < 1 || A < 1 || H < 1 || len(md.W) != M || len(md.Nu) != M*S || len(md.P) != M*S*A*S || len(md.R) != M*S*A {
		return nil, fmt.Errorf("pbvi: inconsistent model sizes (M=%d S=%d A=%d H=%d)", M, S, A, H)
	}
	maxNodes := pl.MaxNodes
	if maxNodes <= 0 {
		maxNodes = 1 << 16
	}
	gridMax := pl.GridPoints
	if gridMax <= 0 {
		gridMax = 16
	}
	scale := float64(beliefScale)
	if pl.Resolution > 0 {
		scale = min(scale, float64(pl.Resolution))
	}
	p := &Policy{Model: md, Backup: bk, Complete: true, scale: scale, levels: make([]level, H),
		gamma: make([][]float64, H*S), done: make([]bool, H*S), scratch: make([]scratch, H+1)}
	p.grid = simplexGrid(M, gridMax)
	for h := range p.scratch {
		p.scratch[h] = scratch{groups: make([]int, M), xs: make([]float64, M*S), q: make([]float64, A*M),
			u: make([]float64, M), nb: make([]float64, M), key: make([]int64, 1+M)}
	}

	// Forward pass: the reachable beliefs, level by level. If they do not fit in the
	// budget, start again with a share of it for every step, filled with the most
	// probable beliefs (see expand).
	if !p.forward(maxNodes, false) {
		p.forward(maxNodes, true)
	}

	// Backward pass: the exact-point backups.
	for h := H - 1; h >= 0; h-- {
		L := &p.levels[h]
		L.alpha = make([]float64, L.n()*M)
		L.act = make([]int32, L.n())
		p.Nodes += L.n()
		for i := 0; i < L.n(); i++ {
			var child []int32
			if L.child != nil {
				child = L.child[i*A*M*S : (i+1)*A*M*S]
			}
			a := p.backupAt(h, int(L.s[i]), L.belief[i*M:(i+1)*M], child, L.alpha[i*M:(i+1)*M])
			L.act[i] = int32(a)
		}
	}
	p.Root = p.rootValue()
	return p, nil
}

// forward builds the belief points of every step within maxNodes in all and reports
// whether every reachable belief is a point. Without perStep the steps take the budget
// in order (exact when the reachable beliefs fit); with it, each step gets an equal share
// of what the earlier steps left, so that points reach every depth.
func (p *Policy) forward(maxNodes int, perStep bool) bool {
	md := p.Model
	M, S, H := md.M, md.S, md.H
	p.Complete = true
	for h := range p.levels {
		p.levels[h] = level{}
	}
	b := make([]float64, M)
	L0 := &p.levels[0]
	L0.index = newKeyIndex(1+M, S)
	for s := 0; s < S; s++ {
		w := md.StartBelief(b, s)
		if w == 0 {
			continue
		}
		quantize(p.scratch[0].key, b, p.scale, int64(s))
		if _, added := L0.index.findOrAdd(p.scratch[0].key, true); added {
			L0.s = append(L0.s, int32(s))
			L0.belief = append(L0.belief, b...)
			L0.mass = append(L0.mass, w)
		}
	}
	budget := maxNodes - L0.n()
	for h := 0; h+1 < H; h++ {
		share := max(0, budget)
		if perStep {
			share = max(0, budget/(H-1-h))
		}
		budget -= p.expand(h, share)
	}
	return p.Complete
}

// expand makes the points of step h+1: every successor belief of the points of step h,
// or, when there are more than share, the share most probable ones (probability of the
// history under the planning model with actions drawn uniformly at random). The points
// left out fall back to the grid, and the planned value is then a lower bound.
func (p *Policy) expand(h, share int) int {
	md := p.Model
	M, S, A := md.M, md.S, md.A
	L, N := &p.levels[h], &p.levels[h+1]
	N.index = newKeyIndex(1+M, 2*L.n())
	L.child = make([]int32, L.n()*A*M*S)
	sc := &p.scratch[h]
	for i := 0; i < L.n(); i++ {
		s := int(L.s[i])
		bi := L.belief[i*M : (i+1)*M]
		for a := 0; a < A; a++ {
			md.rewardGroups(sc.groups, s, a)
			for s2 := 0; s2 < S; s2++ {
				for g := 0; g < M; g++ {
					if sc.groups[g] != g {
						continue
					}
					id := int32(-1)
					if mass := groupPosterior(md, sc.nb, bi, sc.groups, g, s, a, s2); mass > 0 && share > 0 {
						quantize(sc.key, sc.nb, p.scale, int64(s2))
						var added bool
						if id, added = N.index.findOrAdd(sc.key, true); added {
							N.s = append(N.s, int32(s2))
							N.belief = append(N.belief, sc.nb...)
							N.mass = append(N.mass, 0)
						}
						N.mass[id] += L.mass[i] * mass / float64(A)
					} else if mass > 0 {
						p.Complete = false
					}
					for m := g; m < M; m++ {
						if sc.groups[m] == g {
							L.child[((i*A+a)*M+m)*S+s2] = id
						}
					}
				}
			}
		}
	}
	if N.n() > share {
		p.Complete = false
		p.prune(h, share)
	}
	return N.n()
}

// prune keeps the share most probable points of step h+1 (in their order) and points
// the children of step h at them, -1 for the others.
func (p *Policy) prune(h, share int) {
	M := p.Model.M
	L, N := &p.levels[h], &p.levels[h+1]
	order := make([]int, N.n())
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(N.mass[y], N.mass[x]) })
	keep := order[:share]
	slices.Sort(keep)
	remap := make([]int32, N.n())
	for i := range remap {
		remap[i] = -1
	}
	kept := level{index: newKeyIndex(1+M, share)}
	for _, old := range keep {
		id, _ := kept.index.findOrAdd(N.index.keys[old*(1+M):(old+1)*(1+M)], true)
		remap[old] = id
		kept.s = append(kept.s, N.s[old])
		kept.belief = append(kept.belief, N.belief[old*M:(old+1)*M]...)
		kept.mass = append(kept.mass, N.mass[old])
	}
	*N = kept
	for i, c := range L.child {
		if c >= 0 {
			L.child[i] = remap[c]
		}
	}
}

// rootValue backs up the start: Root = sum_m w_m Initial_m(x_m), x_m(s) = alpha_m of the
// first-step point of s (for the Exact backup, sum_s sum_m w_m nu_m(s) alpha_m). A state
// no context starts in under the model uses the grid set at the prior w.
func (p *Policy) rootValue() float64 {
	md := p.Model
	M, S := md.M, md.S
	L0 := &p.levels[0]
	x := make([]float64, M*S)
	b := make([]float64, M)
	groups := make([]int, M) // one group: the first state carries no reward
	for s := 0; s < S; s++ {
		var row []float64
		if md.StartBelief(b, s) > 0 {
			if id := p.lookup(0, s, b, p.scratch[0].key); id >= 0 {
				row = L0.alpha[int(id)*M : (int(id)+1)*M]
			}
		}
		if row == nil {
			row = p.bestGridAlpha(0, s, md.W, groups, 0)
		}
		for m := 0; m < M; m++ {
			x[m*S+s] = row[m]
		}
	}
	root := 0.0
	for m := 0; m < M; m++ {
		root += md.W[m] * p.Backup.Initial(m, x[m*S:(m+1)*S])
	}
	return root
}

// groupPosterior writes the posterior over the contexts of reward group g after
// (s, a, s2) into dst, computed exactly as Model.Update does for an observation whose
// reward is the group's, and returns the observation's probability under b (0 when no
// context of the group has s2 in its support).
func groupPosterior(md *Model, dst, b []float64, groups []int, g, s, a, s2 int) float64 {
	sum, seen := 0.0, false
	for m := range dst {
		u := 0.0
		if groups[m] == g {
			i := md.sa(m, s, a)
			u = b[m] * md.likelihood(i, s2)
			seen = seen || (u > 0 && md.P[i*md.S+s2] > 0)
		}
		dst[m] = u
		sum += u
	}
	if !seen || !(sum > 0) {
		return 0
	}
	md.normalize(dst, sum)
	return sum
}

// backupAt backs up belief b in state s at step h, writes the alpha vector of the best
// action into dst and returns that action. child (A*M*S successor points, or nil) gives
// the successor alphas; missing successors use the grid sets of step h+1.
func (p *Policy) backupAt(h, s int, b []float64, child []int32, dst []float64) int {
	md := p.Model
	M, S, A := md.M, md.S, md.A
	sc := &p.scratch[h]
	last := h+1 == md.H
	if last {
		clear(sc.xs)
	}
	best, bestQ, bestN := 0, math.Inf(-1), 0.0
	visits, counted := p.Backup.(visitCounter)
	for a := 0; a < A; a++ {
		if !last {
			md.rewardGroups(sc.groups, s, a)
			for s2 := 0; s2 < S; s2++ {
				for g := 0; g < M; g++ {
					if sc.groups[g] != g {
						continue
					}
					var row []float64
					if child != nil {
						if c := child[(a*M+g)*S+s2]; c >= 0 {
							row = p.levels[h+1].alpha[int(c)*M : (int(c)+1)*M]
						}
					}
					if row == nil {
						for m := range sc.u {
							sc.u[m] = 0
							if sc.groups[m] == g {
								sc.u[m] = b[m] * md.likelihood(md.sa(m, s, a), s2)
							}
						}
						row = p.bestGridAlpha(h+1, s2, sc.u, sc.groups, g)
					}
					for m := g; m < M; m++ {
						if sc.groups[m] == g {
							sc.xs[m*S+s2] = row[m]
						}
					}
				}
			}
		}
		q := 0.0
		for m := 0; m < M; m++ {
			v := p.Backup.Value(m, s, a, sc.xs[m*S:(m+1)*S])
			sc.q[a*M+m] = v
			q += b[m] * v
		}
		n := 0.0
		if counted {
			for m := 0; m < M; m++ {
				n += b[m] * visits.Visits(m, s, a)
			}
		}
		// Ties (typically optimistic values clipped at 1) go to the least-visited action.
		if q > bestQ+1e-12 || (q > bestQ-1e-12 && n < bestN) {
			best, bestQ, bestN = a, q, n
		}
	}
	copy(dst, sc.q[best*M:(best+1)*M])
	return best
}

// visitCounter is implemented by optimistic backups: Visits is N_m(s,a).
type visitCounter interface {
	Visits(m, s, a int) float64
}

// bestGridAlpha returns the vector of the grid set Γ_{h,s} maximising u·alpha; when u is
// zero (a successor of zero probability) it maximises the group's plain sum instead.
func (p *Policy) bestGridAlpha(h, s int, u []float64, groups []int, g int) []float64 {
	set := p.gridSet(h, s)
	M := p.Model.M
	zero := true
	for _, v := range u {
		if v != 0 {
			zero = false
			break
		}
	}
	best, bestV := 0, math.Inf(-1)
	for j := 0; j < len(set)/M; j++ {
		al := set[j*M : (j+1)*M]
		v := 0.0
		for m, w := range u {
			if zero {
				if groups[m] == g {
					v += al[m]
				}
			} else {
				v += w * al[m]
			}
		}
		if v > bestV+1e-12 {
			best, bestV = j, v
		}
	}
	return set[best*M : (best+1)*M]
}

// gridSet returns Γ_{h,s}: the distinct alpha vectors backed up at the grid points.
func (p *Policy) gridSet(h, s int) []float64 {
	k := h*p.Model.S + s
	if p.done[k] {
		return p.gamma[k]
	}
	M := p.Model.M
	alpha := make([]float64, M)
	var set []float64
	for j := 0; j < len(p.grid)/M; j++ {
		p.backupAt(h, s, p.grid[j*M:(j+1)*M], nil, alpha)
		dup := false
		for i := 0; i < len(set)/M && !dup; i++ {
			dup = sameVector(set[i*M:(i+1)*M], alpha)
		}
		if !dup {
			set = append(set, alpha...)
		}
	}
	p.gamma[k], p.done[k] = set, true
	return set
}

func sameVector(x, y []float64) bool {
	for i := range x {
		if math.Abs(x[i]-y[i]) > 1e-12 {
			return false
		}
	}
	return true
}

func dot(x, y []float64) float64 {
	v := 0.0
	for i := range x {
		v += x[i] * y[i]
	}
	return v
}

// simplexGrid returns the points k/r of the M-simplex (k integer, sum k = r) for the
// largest resolution r >= 1 with at most maxPoints points (r = 1: the corners).
func simplexGrid(M, maxPoints int) []float64 {
	count := func(r int) float64 { // C(r+M-1, M-1)
		c := 1.0
		for i := 1; i < M; i++ {
			c = c * float64(r+i) / float64(i)
		}
		return c
	}
	r := 1
	for count(r+1) <= float64(maxPoints) && r < 1<<20 {
		r++
	}
	var out []float64
	k := make([]int, M)
	var rec func(i, left int)
	rec = func(i, left int) {
		if i == M-1 {
			k[i] = left
			for _, v := range k {
				out = append(out, float64(v)/float64(r))
			}
			return
		}
		for v := left; v >= 0; v-- {
			k[i] = v
			rec(i+1, left-v)
		}
	}
	rec(0, r)
	return out
}

// Tracker follows a Policy along an episode: it holds the belief under the policy's
// model and the matching belief point, if any.
type Tracker struct {
	p     *Policy
	h, s  int
	node  int32
	b, nb []float64
	key   []int64
	alpha []float64
}

// NewTracker returns a tracker for p.
func (p *Policy) NewTracker() *Tracker {
	M := p.Model.M
	return &Tracker{p: p, b: make([]float64, M), nb: make([]float64, M), key: make([]int64, 1+M), alpha: make([]float64, M)}
}

// Start begins an episode in state s.
func (t *Tracker) Start(s int) {
	t.h, t.s = 0, s
	t.p.Model.StartBelief(t.b, s)
	t.node = t.p.lookup(0, s, t.b, t.key)
}

// Belief is the current belief over contexts (owned by the tracker).
func (t *Tracker) Belief() []float64 { return t.b }

// Action returns the policy's action: the stored action at a belief point, else a
// one-step lookahead at the exact belief.
func (t *Tracker) Action() int {
	if t.node >= 0 {
		return int(t.p.levels[t.h].act[t.node])
	}
	return t.p.backupAt(t.h, t.s, t.b, nil, t.alpha)
}

// Observe updates the belief with the outcome (a, r, s2) of a step.
func (t *Tracker) Observe(a int, r float64, s2 int) {
	t.p.Model.Update(t.nb, t.b, t.s, a, r, s2)
	t.b, t.nb = t.nb, t.b
	t.h++
	t.s = s2
	t.node = -1
	if t.h < t.p.Model.H {
		t.node = t.p.lookup(t.h, s2, t.b, t.key)
	}
}

// lookup finds the belief point (s, b) at step h, -1 if absent; it rounds b in place
// as the planner did (quantize) and leaves the key of (s, b) in key.
func (p *Policy) lookup(h, s int, b []float64, key []int64) int32 {
	quantize(key, b, p.scale, int64(s))
	return p.levels[h].index.find(key)
}
