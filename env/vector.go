package env

import (
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"time"
)

// Vector steps several environments of one id in lock step.
//
// Autoreset mode: same-step. When sub-environment i ends an episode in Step (terminated or
// truncated), Obs[i] is already the first observation of its next episode, and FinalObs[i]
// holds the last observation of the episode that ended (use it to bootstrap a truncated
// episode). Terminated[i] and Truncated[i] describe the episode that ended.
//
// With Workers > 1 the caller's goroutine and Workers-1 helper goroutines step the
// environments together. Each has a contiguous share of the indices, which it steps in
// chunks; once its share is used up it takes chunks from the others' until none is left,
// so a slow step (a reset, a contact-rich state) does not hold the others up. Chunks hold
// a few microseconds of work, as measured on earlier Steps: one environment of a costly
// task, many of a cheap one. Between Steps the helpers poll for the next one for up to 50 µs
// before they park, so back-to-back Steps of a cheap environment do not pay a goroutine
// wake-up each. Each sub-environment has its own random stream (seed, index) and its own
// result slots, so results are identical for any number of workers.
//
// Sub-environments that are Batchers (gym: environments, stepped in Python worker
// processes) are stepped in batches instead: Workers batches, each one call for a
// contiguous run of the environments (one message to one worker process), all started
// before any is finished so that the processes step side by side. Results are those of
// stepping each environment in turn, for any number of batches.
type Vector struct {
	Envs []Env

	// Results of the last Reset or Step; rows are owned by the Vector.
	Obs        [][]float64
	FinalObs   [][]float64
	Rewards    []float64
	Terminated []bool
	Truncated  []bool

	workers int
	actions [][]float64
	failers []failer      // sub-environments that can fail beyond recovery (see Failure)
	batches []EnvBatch    // when the sub-environments are Batchers (see Batcher)
	bounds  []int         // batch k steps sub-environments bounds[k] to bounds[k+1]-1
	chunk   atomic.Uint64 // indices claimed at a time (see adaptChunk)
	perEnv  float64       // smoothed seconds per environment step, as the caller measured it
	gen     uint64        // Steps started; only the caller's goroutine touches it
	spin    bool          // whether idle goroutines poll before parking (see spinWait)
	closed  atomic.Bool
	caller  *parker
	helpers []*parker

	// The fields below are written by several cores during a Step; each sits on a cache
	// line of its own so that writing one does not invalidate the others or the
	// read-mostly fields above (false sharing costs more than a CartPole step).
	_ [cacheLine]byte
	// started is the generation of the current Step; helpers poll it.
	started atomic.Uint64
	_       [cacheLine - 8]byte
	// remaining counts the environments of the current Step not yet stepped; the
	// goroutine that brings it to zero wakes the caller.
	remaining atomic.Int64
	_         [cacheLine - 8]byte
	// spans[w] holds worker w's share of the indices (the caller is worker 0).
	spans []span
}

// span is one worker's share of the environments, [first index, end). Its owner claims
// chunks from the front and, once its own span is used up, from the other spans. Working
// mostly on its own span keeps a worker's environments in its core's cache and keeps
// neighbouring environments, whose memory may share cache lines, on one core.
type span struct {
	// next is the generation of the current Step (high 32 bits) and the next unclaimed
	// index (low 32 bits). Tagging the index with the generation lets a helper that wakes
	// late, after the Step it was woken for has finished, see that its claim is stale.
	next atomic.Uint64
	end  uint64
	_    [cacheLine - 16]byte
}

// NewVector makes n instances with mk and steps them with the given number of worker
// goroutines (1: synchronous, in the caller's goroutine), or, for Batchers, in that many
// batches. Call Close to stop workers.
func NewVector(n, workers int, mk func(i int) (Env, error)) (*Vector, error) {
	if n < 1 {
		return nil, fmt.Errorf("vector env: need at least 1 environment, got %d", n)
	}
	if workers < 1 {
		workers = 1
	}
	if workers > n {
		workers = n
	}
	v := &Vector{workers: workers}
	for i := 0; i < n; i++ {
		e, err := mk(i)
		if err != nil {
			v.closeEnvs()
			return nil, err
		}
		v.Envs = append(v.Envs, e)
		if f, ok := As[failer](e); ok {
			v.failers = append(v.failers, f)
		}
	}
	if err := v.batch(workers); err != nil {
		v.closeEnvs()
		return nil, err
	}
	if v.batches != nil {
		// The environments step in their own processes: goroutines would only wait.
		workers, v.workers = 1, 1
	}
	d := v.Envs[0].ObservationSpace().Dim()
	v.Obs = make([][]float64, n)
	v.FinalObs = make([][]float64, n)
	for i := range v.Obs {
		v.Obs[i] = make([]float64, d)
		v.FinalObs[i] = make([]float64, d)
	}
	v.Rewards = make([]float64, n)
	v.Terminated = make([]bool, n)
	v.Truncated = make([]bool, n)
	if workers > 1 {
		// About eight chunks per worker until the first Step has measured the cost.
		v.chunk.Store(uint64(max(1, n/(8*workers))))
		// Polling only pays when every worker can have a core of its own; with more
		// workers than Ps a polling goroutine would hold up the one it waits for.
		v.spin = workers <= runtime.GOMAXPROCS(0)
		v.spans = make([]span, workers)
		for w := range v.spans {
			v.spans[w].end = uint64((w + 1) * n / workers)
		}
		v.caller = &parker{wake: make(chan struct{}, 1), spin: spinWait}
		for w := 1; w < workers; w++ {
			h := &parker{wake: make(chan struct{}, 1), spin: spinWait}
			v.helpers = append(v.helpers, h)
			go v.help(w, h)
		}
	}
	return v, nil
}

// MakeVector builds n instances of a registered id.
func MakeVector(id string, opts Options, n, workers int) (*Vector, error) {
	return NewVector(n, workers, func(int) (Env, error) { return Make(id, opts) })
}

// failer is implemented by environments that can fail beyond recovery, such as a gym:
// environment whose Python worker died: Step then ends the episode and Failure says why.
type failer interface{ Failure() error }

// FailureOf returns the error of e (or an environment it wraps) that failed beyond
// recovery, nil if it works or cannot fail so.
func FailureOf(e Env) error {
	if f, ok := As[failer](e); ok {
		return f.Failure()
	}
	return nil
}

// Failure returns the error of the first sub-environment that failed beyond recovery,
// nil while all work. Training loops check it after every Step and stop the run.
func (v *Vector) Failure() error {
	for _, f := range v.failers {
		if err := f.Failure(); err != nil {
			return err
		}
	}
	return nil
}

// Num is the number of sub-environments.
func (v *Vector) Num() int { return len(v.Envs) }

// Workers is the number of goroutines stepping the environments.
func (v *Vector) Workers() int { return v.workers }

// ObservationSpace and ActionSpace are those of one sub-environment.
func (v *Vector) ObservationSpace() Space { return v.Envs[0].ObservationSpace() }
func (v *Vector) ActionSpace() Space      { return v.Envs[0].ActionSpace() }

// Seed gives sub-environment i the stream DeriveSeed(seed, i).
func (v *Vector) Seed(seed uint64) {
	for i, e := range v.Envs {
		e.Seed(DeriveSeed(seed, uint64(i)))
	}
}

// Reset starts an episode in every sub-environment and fills Obs.
func (v *Vector) Reset() [][]float64 {
	for i, e := range v.Envs {
		copy(v.Obs[i], e.Reset())
		v.Rewards[i], v.Terminated[i], v.Truncated[i] = 0, false, false
	}
	return v.Obs
}

// Step applies actions[i] to sub-environment i, resetting those whose episode ends.
func (v *Vector) Step(actions [][]float64) {
	if v.closed.Load() {
		panic("env: Step on a closed Vector")
	}
	v.actions = actions
	if v.batches != nil {
		v.stepBatches()
		return
	}
	if v.workers == 1 {
		v.stepRange(0, len(v.Envs))
		return
	}
	v.gen++
	v.remaining.Store(int64(len(v.Envs)))
	for w := range v.spans {
		v.spans[w].next.Store(v.gen<<32 | uint64(w*len(v.Envs)/v.workers))
	}
	v.started.Store(v.gen) // publishes actions and spans to the helpers
	for _, h := range v.helpers {
		h.signal()
	}
	start := time.Now()
	if k := v.stepClaimed(0, v.gen); k > 0 {
		v.adaptChunk(time.Since(start), k)
	}
	v.caller.wait(func() bool { return v.remaining.Load() == 0 }, v.spin)
}

// chunkWork is the work one claim should hold. A claim is an atomic update, which costs a
// fraction of a microsecond when its cache line moves between cores, so a chunk should be
// long against that; short chunks let the workers finish close together when step costs
// vary. A MuJoCo step is longer than chunkWork (chunks of one), a CartPole step some 60 ns
// (chunks of up to a whole share).
const chunkWork = 5 * time.Microsecond

// adaptChunk sets the chunk size from the time the caller took to step k environments.
func (v *Vector) adaptChunk(took time.Duration, k int) {
	t := took.Seconds() / float64(k)
	if v.perEnv == 0 {
		v.perEnv = t
	}
	// A running average smooths out the odd slow step (a reset, a preemption).
	v.perEnv += (t - v.perEnv) / 8
	c := (len(v.Envs) + v.workers - 1) / v.workers // the most: one claim per span
	if w := chunkWork.Seconds(); v.perEnv*float64(c) > w {
		c = max(1, int(w/v.perEnv))
	}
	if uint64(c) != v.chunk.Load() {
		v.chunk.Store(uint64(c))
	}
}

// Close stops the worker goroutines. The Vector cannot step afterwards.
func (v *Vector) Close() {
	if v.closed.Swap(true) {
		return
	}
	v.gen++ // a generation with nothing to claim: spans still hold the last one's
	v.started.Store(v.gen)
	for _, h := range v.helpers {
		h.signal()
	}
}

// help is helper goroutine w: it waits for each new generation and steps what it claims.
func (v *Vector) help(w int, h *parker) {
	var seen uint64
	for {
		h.wait(func() bool { return v.started.Load() != seen }, v.spin)
		if v.closed.Load() {
			return
		}
		seen = v.started.Load()
		v.stepClaimed(w, seen)
	}
}

// stepClaimed steps chunks of environments of generation gen, claimed first from worker
// w's span and then from the others', until none is left, and returns how many it stepped.
func (v *Vector) stepClaimed(w int, gen uint64) int {
	chunk := v.chunk.Load() // any size is safe: a claim is one compare-and-swap of next
	done := int64(0)
	for k := range v.spans {
		s := &v.spans[(w+k)%len(v.spans)]
		for {
			x := s.next.Load()
			lo := x & (1<<32 - 1)
			if x>>32 != gen || lo >= s.end {
				break
			}
			if !s.next.CompareAndSwap(x, x+chunk) {
				continue
			}
			hi := min(lo+chunk, s.end)
			v.stepRange(int(lo), int(hi))
			done += int64(hi - lo)
		}
	}
	// One update per goroutine and Step rather than per chunk: remaining's cache line
	// moves between cores once.
	if done > 0 && v.remaining.Add(-done) == 0 {
		v.caller.signal()
	}
	return int(done)
}

func (v *Vector) stepRange(lo, hi int) {
	for i := lo; i < hi; i++ {
		e := v.Envs[i]
		tr := e.Step(v.actions[i])
		v.Rewards[i], v.Terminated[i], v.Truncated[i] = tr.Reward, tr.Terminated, tr.Truncated
		if tr.Done() {
			copy(v.FinalObs[i], tr.Obs)
			copy(v.Obs[i], e.Reset())
		} else {
			copy(v.Obs[i], tr.Obs)
		}
	}
}

// batch groups the sub-environments into batches when all are Batchers, unwrapped.
func (v *Vector) batch(groups int) error {
	for _, e := range v.Envs {
		if _, ok := e.(Batcher); !ok {
			return nil
		}
	}
	bs, err := v.Envs[0].(Batcher).Batch(v.Envs, min(groups, len(v.Envs)))
	if err != nil || len(bs) == 0 {
		return err
	}
	bounds := []int{0}
	for _, b := range bs {
		bounds = append(bounds, bounds[len(bounds)-1]+b.Len())
	}
	if bounds[len(bs)] != len(v.Envs) {
		return fmt.Errorf("vector env: batches of %d environments for %d", bounds[len(bs)], len(v.Envs))
	}
	v.batches, v.bounds = bs, bounds
	return nil
}

// stepBatches is Step for batches, with the same results as stepRange: every batch is
// started, then every batch finished.
func (v *Vector) stepBatches() {
	for k, b := range v.batches {
		b.StartStep(v.actions[v.bounds[k]:v.bounds[k+1]])
	}
	for k, b := range v.batches {
		lo, hi := v.bounds[k], v.bounds[k+1]
		b.FinishStep(v.Obs[lo:hi], v.FinalObs[lo:hi], v.Rewards[lo:hi], v.Terminated[lo:hi], v.Truncated[lo:hi])
	}
}

// Batches is the number of batches the sub-environments are stepped in (0: they are
// stepped one by one; see Batcher).
func (v *Vector) Batches() int { return len(v.batches) }

// closeEnvs closes the sub-environments made so far that hold resources (processes).
func (v *Vector) closeEnvs() {
	for _, e := range v.Envs {
		if c, ok := e.(io.Closer); ok {
			c.Close()
		}
	}
}

// cacheLine is the size of a cache line on common CPUs (x86-64, most arm64).
const cacheLine = 64

// spinWait is the longest an idle goroutine of a Vector polls for its next event before it
// parks. Waking a parked goroutine takes tens of microseconds on a virtual machine (a
// futex wake, often of an idle virtual CPU), more than a whole Step of a cheap
// environment; polling briefly spares back-to-back Steps that cost, and the bound keeps
// an idle Vector from holding a core.
const spinWait = 50 * time.Microsecond

// parker lets one goroutine wait for a condition that other goroutines make true: it
// polls for a while, then parks on a channel until signalled. How long it polls adapts
// to how long its waits turn out to be: up to spinWait while they are short (Steps back
// to back), less and less while they are long (a policy update between Steps), where
// polling would only burn a core.
type parker struct {
	asleep atomic.Bool
	wake   chan struct{}        // capacity 1: signal never blocks
	spin   time.Duration        // polling budget of the next wait; only the waiter touches it
	_      [cacheLine - 24]byte // a line of its own: the waiter writes spin, others read asleep
}

// wait returns once ready holds; it polls only if poll is set. ready must read the state
// it tests atomically.
func (p *parker) wait(ready func() bool, poll bool) {
	if ready() {
		return
	}
	start := time.Now()
	if poll && p.spin > 0 && pollFor(ready, start, p.spin) {
		p.spin = spinWait
		return
	}
	for !ready() {
		p.asleep.Store(true)
		// asleep is set before ready is tested again and signal tests asleep after the
		// condition is made true, so either this test or signal sees the other's write.
		if ready() && p.asleep.CompareAndSwap(true, false) {
			break
		}
		<-p.wake // signal cleared asleep and sent a token
	}
	// A wait no longer than polling plus a wake-up would have been caught by polling.
	if time.Since(start) < 2*spinWait {
		p.spin = spinWait
	} else if p.spin /= 2; p.spin < time.Microsecond {
		p.spin = 0
	}
}

// signal wakes the waiter if it is parked; call it after making the condition true.
func (p *parker) signal() {
	if p.asleep.Load() && p.asleep.CompareAndSwap(true, false) {
		p.wake <- struct{}{}
	}
}

// pollFor tests ready until it holds or d has passed since start. It does not yield: the
// bound keeps the P it holds short, and a Gosched in the loop would delay the very
// wake-up it waits for.
func pollFor(ready func() bool, start time.Time, d time.Duration) bool {
	for i := 1; ; i++ {
		if ready() {
			return true
		}
		if i%64 == 0 && time.Since(start) > d {
			return false
		}
	}
}
