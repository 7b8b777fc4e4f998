package distributed

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/agents"
	_ "gorl/env/classic"
	"gorl/evolution"
)

// sphere is a noisy 10-D sphere: the noise comes from the member's stream, so a
// result matches the Pool's only if every member got its own stream.
func sphere(_, _ int, x []float64, rng *rand.Rand) (float64, int64, error) {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return -s + 0.3*rng.NormFloat64(), int64(len(x)), nil
}

const testSeed = 11

// runOpenES runs a few OpenES generations with ev and returns the final mean.
func runOpenES(t *testing.T, ev evolution.Evaluator, gens int) []float64 {
	t.Helper()
	es := &evolution.OpenES{Population: 16, Sigma: 0.1, LR: 0.05}
	mean := make([]float64, 10)
	for i := range mean {
		mean[i] = 1
	}
	if err := es.Init(mean, 3); err != nil {
		t.Fatal(err)
	}
	var pop [][]float64
	fit := make([]float64, 16)
	for g := range gens {
		var err error
		if pop, err = es.Ask(pop); err != nil {
			t.Fatal(err)
		}
		if err := ev.Evaluate(g, pop, fit, nil, sphere); err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
		if err := es.Tell(fit); err != nil {
			t.Fatal(err)
		}
	}
	return append([]float64(nil), es.Mean()...)
}

func startServer(t testing.TB) string {
	t.Helper()
	srv, url, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return url
}

func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// startWorkers starts n workers, each on its own connection.
func startWorkers(t testing.TB, url string, n int, f evolution.FitnessFunc) []*Worker {
	t.Helper()
	ws := make([]*Worker, n)
	for i := range ws {
		ws[i] = &Worker{Conn: connect(t, url), Fitness: f}
		if err := ws[i].Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ws[i].Stop)
	}
	return ws
}

// waitForPulls waits until n workers' pulls wait at the coordinator.
func waitForPulls(t testing.TB, c *Coordinator, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		waiting := len(c.waiters)
		c.mu.Unlock()
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d workers' pulls arrived in 10s", waiting, n)
		}
	}
}

func newCoordinator(t testing.TB, c *Coordinator) *Coordinator {
	t.Helper()
	t.Cleanup(func() { c.Close() })
	return c
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func TestMatchesPool(t *testing.T) {
	const gens = 4
	local := runOpenES(t, evolution.Pool{Workers: 2, Seed: testSeed}, gens)
	moved := false
	for _, v := range local {
		moved = moved || v != 1
	}
	if !moved {
		t.Fatal("the local run did not move the mean: the comparison would prove nothing")
	}
	for _, n := range []int{1, 3} {
		url := startServer(t)
		startWorkers(t, url, n, sphere)
		c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: testSeed, Timeout: 10 * time.Second})
		got := runOpenES(t, c, gens)
		if !sameBits(got, local) {
			t.Errorf("%d NATS workers: mean %v, local pool %v", n, got, local)
		}
	}
	// A different seed must change the result, or the check above proves nothing
	// about the streams.
	other := runOpenES(t, evolution.Pool{Workers: 2, Seed: testSeed + 1}, gens)
	if sameBits(other, local) {
		t.Error("the member streams' seed does not affect the result")
	}
}

func TestDeadWorkerItemsRepublished(t *testing.T) {
	const gens = 3
	local := runOpenES(t, evolution.Pool{Workers: 2, Seed: testSeed}, gens)
	url := startServer(t)

	var mu sync.Mutex
	var taken []string // the item the dying worker took without answering
	survivorSaw := map[string]bool{}
	requeued := map[string]bool{}
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: testSeed, ItemTimeout: 200 * time.Millisecond, Timeout: 10 * time.Second,
		OnRequeue: func(g, m int) {
			mu.Lock()
			requeued[fmt.Sprint(g, "/", m)] = true
			mu.Unlock()
		}})
	// Both workers' first pulls wait for the first generation, and with Batch 1ns
	// every pull asks for one item, so both workers get items.
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	survivor := &Worker{Conn: connect(t, url), Fitness: sphere, Heartbeat: 20 * time.Millisecond, Batch: time.Nanosecond, OnItem: func(g, m int) {
		mu.Lock()
		survivorSaw[fmt.Sprint(g, "/", m)] = true
		mu.Unlock()
	}}
	dying := &Worker{Conn: connect(t, url), Fitness: sphere, Heartbeat: 20 * time.Millisecond, Batch: time.Nanosecond}
	dying.OnItem = func(g, m int) {
		mu.Lock()
		defer mu.Unlock()
		if len(taken) == 0 {
			taken = append(taken, fmt.Sprint(g, "/", m))
			dying.Conn.Close() // dies holding the item: its reply is never sent
		}
	}
	for _, w := range []*Worker{survivor, dying} {
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	waitForPulls(t, c, 2)
	got := runOpenES(t, c, gens)
	mu.Lock()
	defer mu.Unlock()
	if len(taken) != 1 {
		t.Fatalf("the dying worker took %d items, want 1", len(taken))
	}
	if len(requeued) != 1 || !requeued[taken[0]] {
		t.Errorf("items handed out again: %v, want only %s", requeued, taken[0])
	}
	if !survivorSaw[taken[0]] {
		t.Errorf("item %s, taken by the dead worker, was never re-published to the survivor", taken[0])
	}
	if !sameBits(got, local) {
		t.Errorf("with a dead worker: mean %v, local pool %v", got, local)
	}
}

// Evaluations longer than both timeouts succeed without duplicates: the worker's
// heartbeats show that it holds the items.
func TestHeartbeatsKeepSlowItems(t *testing.T) {
	url := startServer(t)
	var mu sync.Mutex
	calls := 0
	w := &Worker{Conn: connect(t, url), Heartbeat: 10 * time.Millisecond, Fitness: func(g, m int, x []float64, rng *rand.Rand) (float64, int64, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		time.Sleep(1500 * time.Millisecond)
		return sphere(g, m, x, rng)
	}}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: 5, ItemTimeout: time.Second, Timeout: 1200 * time.Millisecond})
	pop := [][]float64{{1, 2}, {3, 4}}
	got := make([]float64, 2)
	if err := c.Evaluate(0, pop, got, nil, nil); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 2)
	if err := (evolution.Pool{Seed: 5}).Evaluate(0, pop, want, nil, sphere); err != nil {
		t.Fatal(err)
	}
	if !sameBits(got, want) {
		t.Errorf("fitness %v, pool %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("%d evaluations of 2 members: items were re-published although their worker was alive", calls)
	}
}

func TestNoWorkersTimesOut(t *testing.T) {
	url := startServer(t)
	// A worker on another subject does not count.
	startWorkers(t, url, 1, sphere)
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Subject: "gorl.test.none", ItemTimeout: 50 * time.Millisecond, Timeout: 300 * time.Millisecond})
	pop := [][]float64{{1, 2}, {3, 4}}
	fit := make([]float64, 2)
	start := time.Now()
	err := c.Evaluate(0, pop, fit, nil, sphere)
	if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "gorl.test.none") ||
		!strings.Contains(err.Error(), "no worker asked for work") {
		t.Fatalf("error %v, want a timeout naming the subject", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("timed out after %v for a 300ms timeout", el)
	}
}

func TestWorkerErrorReported(t *testing.T) {
	url := startServer(t)
	startWorkers(t, url, 2, func(g, m int, x []float64, rng *rand.Rand) (float64, int64, error) {
		if m == 3 || m == 5 {
			return 0, 0, errors.New("diverged")
		}
		return sphere(g, m, x, rng)
	})
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: 1, Timeout: 10 * time.Second})
	pop := make([][]float64, 8)
	for i := range pop {
		pop[i] = []float64{float64(i)}
	}
	err := c.Evaluate(0, pop, make([]float64, 8), nil, nil)
	if err == nil || err.Error() != "member 3: diverged" {
		t.Fatalf("error %v, want member 3's", err)
	}
}

func TestCodecExact(t *testing.T) {
	x := []float64{math.Inf(-1), -0.0, math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3}
	spec := []byte(`{"job":1}`)
	item := encodeWork(nil, 1<<63, 7, 9, spec, x)
	setTicket(item, 0xfeedbeef12345678)
	w, err := decodeWork(item)
	if err != nil {
		t.Fatal(err)
	}
	if w.ticket != 0xfeedbeef12345678 || w.seed != 1<<63 || w.gen != 7 || w.member != 9 || string(w.spec) != string(spec) || !sameBits(w.x, x) {
		t.Errorf("work item round trip: %+v", w)
	}
	// The PPO-clip member of meta-training has no parameters and no spec here.
	w, err = decodeWork(encodeWork(nil, 1, 2, 3, nil, nil))
	if err != nil || len(w.x) != 0 || len(w.spec) != 0 {
		t.Errorf("empty work item round trip: %+v, %v", w, err)
	}
	nan := math.Float64frombits(0x7ff8000000000123)
	a, err := decodeResult(encodeAck(99, 4, 5))
	if err != nil || !a.ack || a.ticket != 99 || a.gen != 4 || a.member != 5 {
		t.Errorf("heartbeat round trip: %+v, %v", a, err)
	}
	r, err := decodeResult(encodeResult(98, 2, 3, nan, -7, "boom"))
	if err != nil || r.ticket != 98 || r.gen != 2 || r.member != 3 || math.Float64bits(r.fitness) != 0x7ff8000000000123 || r.cost != -7 || r.errText != "boom" || r.ack {
		t.Errorf("result round trip: %+v, %v", r, err)
	}
	if _, _, err := decodeReply(noWorkMsg); err != errNoWork {
		t.Errorf("no-work reply decoded as %v", err)
	}
	one, two := encodeWork(nil, 1, 2, 3, spec, x), encodeWork(nil, 1, 2, 4, nil, nil)
	batch := encodeBatch(nil, [][]byte{one, []byte("junk"), two})
	if len(batch) != batchSize(len(one), 4, len(two)) {
		t.Errorf("batch of %d bytes, batchSize says %d", len(batch), batchSize(len(one), 4, len(two)))
	}
	items, errs, err := decodeReply(batch)
	if err != nil || len(items) != 3 || errs[0] != nil || errs[1] == nil || errs[2] != nil ||
		items[0].member != 3 || !sameBits(items[0].x, x) || items[2].member != 4 {
		t.Errorf("batch round trip: %+v, %v, %v", items, errs, err)
	}
	for _, n := range []int{5, 9, len(batch) - 1} {
		if _, _, err := decodeReply(batch[:n]); err == nil {
			t.Errorf("a batch truncated to %d of %d bytes decoded", n, len(batch))
		}
	}
	if decodePull(encodePull(7)) != 7 || decodePull(encodePull(0)) != 1 || decodePull(encodePull(1<<20)) != maxCredit || decodePull(nil) != 1 {
		t.Error("pull credit round trip")
	}
	full := encodeWork(nil, 1, 2, 3, spec, x)
	for _, n := range []int{40, 2 + 8 + 8 + 8 + 8 + 4 + 3, len(full) - 1} {
		if _, err := decodeWork(full[:n]); err == nil {
			t.Errorf("a work item truncated to %d of %d bytes decoded", n, len(full))
		}
	}
	if _, err := decodeResult([]byte("W\x03")); err == nil {
		t.Error("a short result decoded")
	}
}

// Items go to idle workers only: a worker stuck on its first item holds no others,
// so the other worker evaluates the rest of the generation meanwhile.
func TestIdleWorkersPull(t *testing.T) {
	url := startServer(t)
	const n = 10
	var mu sync.Mutex
	fastDone := 0
	rest := make(chan struct{})
	slowCalls := 0
	slow := func(g, m int, x []float64, rng *rand.Rand) (float64, int64, error) {
		mu.Lock()
		slowCalls++
		mu.Unlock()
		select {
		case <-rest:
		case <-time.After(10 * time.Second):
			return 0, 0, errors.New("the other worker did not get the remaining items")
		}
		return sphere(g, m, x, rng)
	}
	fast := func(g, m int, x []float64, rng *rand.Rand) (float64, int64, error) {
		mu.Lock()
		fastDone++
		if fastDone == n-1 {
			close(rest)
		}
		mu.Unlock()
		return sphere(g, m, x, rng)
	}
	startWorkers(t, url, 1, slow)
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: 2, Timeout: 20 * time.Second})
	// The slow worker alone pulls the first item; then the fast one joins.
	pop := make([][]float64, n)
	for i := range pop {
		pop[i] = []float64{float64(i)}
	}
	got := make([]float64, n)
	errc := make(chan error, 1)
	go func() { errc <- c.Evaluate(0, pop, got, nil, nil) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		started := slowCalls
		mu.Unlock()
		if started > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	startWorkers(t, url, 1, fast)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	want := make([]float64, n)
	if err := (evolution.Pool{Seed: 2}).Evaluate(0, pop, want, nil, sphere); err != nil {
		t.Fatal(err)
	}
	if !sameBits(got, want) {
		t.Errorf("fitness %v, pool %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if slowCalls != 1 || fastDone != n-1 {
		t.Errorf("slow worker took %d items, fast %d; want 1 and %d", slowCalls, fastDone, n-1)
	}
}

// A coordinator's spec reaches the workers, which build their fitness from it once
// per spec; a spec a worker refuses fails the generation with the worker's reason.
func TestSpecBuildsFitness(t *testing.T) {
	url := startServer(t)
	var mu sync.Mutex
	builds := map[string]int{}
	build := func(spec []byte) (evolution.FitnessFunc, error) {
		mu.Lock()
		builds[string(spec)]++
		mu.Unlock()
		var scale float64
		if _, err := fmt.Sscanf(string(spec), "scale=%g", &scale); err != nil {
			return nil, fmt.Errorf("spec %q: %v", spec, err)
		}
		return func(g, m int, x []float64, rng *rand.Rand) (float64, int64, error) {
			f, c, err := sphere(g, m, x, rng)
			return scale * f, c, err
		}, nil
	}
	for range 2 {
		w := &Worker{Conn: connect(t, url), Build: build}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	pop := [][]float64{{1}, {2}, {3}, {4}, {5}, {6}}
	eval := func(spec string, gen int) ([]float64, []int64, error) {
		// Closed at once: an idle coordinator on the subject would hold pulls.
		c := &Coordinator{Conn: connect(t, url), Seed: 4, Spec: []byte(spec), Timeout: 10 * time.Second}
		defer c.Close()
		fit, cost := make([]float64, len(pop)), make([]int64, len(pop))
		return fit, cost, c.Evaluate(gen, pop, fit, cost, nil)
	}
	a, cost, err := eval("scale=1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := eval("scale=1", 1); err != nil {
		t.Fatal(err)
	}
	b, _, err := eval("scale=2", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(pop))
	wantCost := make([]int64, len(pop))
	if err := (evolution.Pool{Seed: 4}).Evaluate(0, pop, want, wantCost, sphere); err != nil {
		t.Fatal(err)
	}
	if !sameBits(a, want) || fmt.Sprint(cost) != fmt.Sprint(wantCost) {
		t.Errorf("spec scale=1: fitness %v cost %v, pool %v %v", a, cost, want, wantCost)
	}
	for i := range b {
		if b[i] != 2*a[i] {
			t.Fatalf("spec scale=2: fitness %v, want twice %v", b, a)
		}
	}
	_, _, err = eval("bogus", 0)
	if err == nil || !strings.Contains(err.Error(), "worker refuses the job") || !strings.Contains(err.Error(), `spec "bogus"`) {
		t.Errorf("bad spec: error %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for spec, n := range builds {
		if n > 2 {
			t.Errorf("spec %q built %d times by 2 workers", spec, n)
		}
	}
}

// BenchmarkEvaluate compares one generation (64 members, 100-D sphere) on the local
// Pool and on 2 NATS workers over an embedded loopback server, with batched pulls
// (the default for such short evaluations) and with one item per pull.
func BenchmarkEvaluate(b *testing.B) {
	pop := make([][]float64, 64)
	for i := range pop {
		pop[i] = make([]float64, 100)
		for j := range pop[i] {
			pop[i][j] = float64(i+j) / 100
		}
	}
	fit := make([]float64, len(pop))
	run := func(b *testing.B, ev evolution.Evaluator) {
		for i := 0; b.Loop(); i++ {
			if err := ev.Evaluate(i, pop, fit, nil, sphere); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pop)), "ns/eval")
	}
	b.Run("pool", func(b *testing.B) { run(b, evolution.Pool{Workers: 2, Seed: 1}) })
	b.Run("nats", func(b *testing.B) {
		url := startServer(b)
		startWorkers(b, url, 2, sphere)
		run(b, newCoordinator(b, &Coordinator{Conn: connect(b, url), Seed: 1}))
	})
	// One item per pull, as for evaluations longer than Worker.Batch (meta-training's
	// inner runs): the round trip of every pull counts.
	b.Run("nats-unbatched", func(b *testing.B) {
		url := startServer(b)
		for _, w := range startWorkers(b, url, 2, sphere) {
			w.Stop()
			w.Batch = time.Nanosecond
			if err := w.Start(); err != nil {
				b.Fatal(err)
			}
		}
		run(b, newCoordinator(b, &Coordinator{Conn: connect(b, url), Seed: 1}))
	})
}

// Workers on an embedded loopback server evaluate an OpenES population exactly as
// the local Pool does.
func Example() {
	srv, url, err := StartServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	for range 2 { // workers; in practice other processes, each with its own connection
		nc, err := nats.Connect(url)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer nc.Close()
		w := &Worker{Conn: nc, Fitness: sphere}
		if err := w.Start(); err != nil {
			fmt.Println(err)
			return
		}
		defer w.Stop()
	}
	nc, err := nats.Connect(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()

	es := &evolution.OpenES{Population: 8}
	if err := es.Init(make([]float64, 4), 1); err != nil {
		fmt.Println(err)
		return
	}
	pop, err := es.Ask(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	remote, local := make([]float64, 8), make([]float64, 8)
	c := &Coordinator{Conn: nc, Seed: 9}
	defer c.Close()
	if err := c.Evaluate(0, pop, remote, nil, sphere); err != nil {
		fmt.Println(err)
		return
	}
	if err := (evolution.Pool{Seed: 9}).Evaluate(0, pop, local, nil, sphere); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("identical to the local pool:", sameBits(remote, local))
	// Output: identical to the local pool: true
}

// Meta-training through NATS workers that build MemberFitness from the job spec ends
// exactly as on the local pool: same generations (fitness, env steps), same mean.
func TestMetaTrainMatchesLocal(t *testing.T) {
	cfg := evolution.MetaConfig{
		Objective: "ta-lpo", Hidden: 8, Generations: 2, Population: 4, Seed: 5, Sigma: 0.5, FitnessEpisodes: 2,
		Inner: agents.TrainConfig{Steps: 1024, Envs: 2, RolloutSteps: 128},
	}.WithDefaults()
	local, err := evolution.MetaTrain(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	url := startServer(t)
	for range 3 {
		w := &Worker{Conn: connect(t, url), Build: func(spec []byte) (evolution.FitnessFunc, error) {
			return evolution.MetaFitnessFromSpec(spec, "test")
		}}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	spec, err := cfg.JobSpec("test")
	if err != nil {
		t.Fatal(err)
	}
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: cfg.EvaluatorSeed(), Spec: spec, Timeout: 30 * time.Second})
	remote, err := evolution.MetaTrainOn(c, cfg, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range local.Generations {
		a, b := local.Generations[i], remote.Generations[i]
		a.WallSeconds, b.WallSeconds = 0, 0
		if a != b {
			t.Errorf("generation %d: local %+v, NATS %+v", i, a, b)
		}
	}
	if !reflect.DeepEqual(local.Mean.W1.Data, remote.Mean.W1.Data) || !reflect.DeepEqual(local.Mean.W2.Data, remote.Mean.W2.Data) ||
		local.BestFitness != remote.BestFitness {
		t.Errorf("final mean or best differ: best %v local, %v NATS", local.BestFitness, remote.BestFitness)
	}
	if local.Generations[0].EnvSteps == 0 {
		t.Error("no env steps counted: the cost column proves nothing")
	}
}

// Results that arrive in reverse member order give the Pool's fitness vector.
func TestArrivalOrderIrrelevant(t *testing.T) {
	url := startServer(t)
	const n = 8
	var mu sync.Mutex
	var arrival []int
	slowFirst := func(g, m int, x []float64, rng *rand.Rand) (float64, int64, error) {
		time.Sleep(time.Duration(n-m) * 15 * time.Millisecond) // member 0 takes longest
		mu.Lock()
		arrival = append(arrival, m)
		mu.Unlock()
		return sphere(g, m, x, rng)
	}
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: 8, Timeout: 10 * time.Second})
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	startWorkers(t, url, n, slowFirst) // each takes one member of the generation
	waitForPulls(t, c, n)
	pop := make([][]float64, n)
	for i := range pop {
		pop[i] = []float64{float64(i), 1}
	}
	got, want := make([]float64, n), make([]float64, n)
	gotCost, wantCost := make([]int64, n), make([]int64, n)
	if err := c.Evaluate(3, pop, got, gotCost, nil); err != nil {
		t.Fatal(err)
	}
	if err := (evolution.Pool{Seed: 8}).Evaluate(3, pop, want, wantCost, sphere); err != nil {
		t.Fatal(err)
	}
	if !sameBits(got, want) || !reflect.DeepEqual(gotCost, wantCost) {
		t.Errorf("fitness %v cost %v, pool %v %v", got, gotCost, want, wantCost)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrival) != n || arrival[0] < arrival[n-1] {
		t.Errorf("finishing order %v: not reversed, the test proves nothing", arrival)
	}
}

// TA-LPG meta-training with sampled lifetimes and pair ranks (members' budgets depend
// on their index) ends on NATS workers exactly as on the local pool.
func TestMetaTrainLPGMatchesLocal(t *testing.T) {
	cfg := evolution.MetaConfig{
		Objective: "ta-lpg", Hidden: 4, Generations: 2, Population: 4, Seed: 6, Sigma: 0.1, FitnessEpisodes: 1,
		LifetimeMin: 2, LifetimeMax: 8, PairRank: true,
		Inner: agents.TrainConfig{Steps: 4 * 20 * 5, Envs: 4, RolloutSteps: 20},
	}.WithDefaults()
	local, err := evolution.MetaTrain(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	url := startServer(t)
	for range 2 {
		w := &Worker{Conn: connect(t, url), Build: func(spec []byte) (evolution.FitnessFunc, error) {
			return evolution.MetaFitnessFromSpec(spec, "test")
		}}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	spec, err := cfg.JobSpec("test")
	if err != nil {
		t.Fatal(err)
	}
	c := newCoordinator(t, &Coordinator{Conn: connect(t, url), Seed: cfg.EvaluatorSeed(), Spec: spec, Timeout: 30 * time.Second})
	remote, err := evolution.MetaTrainOn(c, cfg, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range local.Generations {
		a, b := local.Generations[i], remote.Generations[i]
		a.WallSeconds, b.WallSeconds = 0, 0
		if a != b {
			t.Errorf("generation %d: local %+v, NATS %+v", i, a, b)
		}
	}
	if !reflect.DeepEqual(local.MeanRule.Vector(nil), remote.MeanRule.Vector(nil)) || local.BestFitness != remote.BestFitness {
		t.Errorf("final mean or best differ: best %v local, %v NATS", local.BestFitness, remote.BestFitness)
	}
}
