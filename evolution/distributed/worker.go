package distributed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/env"
	"gorl/evolution"
)

// DefaultHeartbeat is how often a Worker acknowledges the item it evaluates when its
// Heartbeat is zero.
const DefaultHeartbeat = time.Second

// idleWait is how long a Worker waits before pulling again when no coordinator
// serves its subject (or the pull failed).
const idleWait = 200 * time.Millisecond

// maxCachedSpecs bounds the fitness functions a Worker keeps built.
const maxCachedSpecs = 8

// Worker pulls work items from Subject's coordinators and evaluates them one at a
// time. Run several Workers (in one process or many) for parallelism; they may share
// a connection.
//
// While it evaluates an item it acknowledges it every Heartbeat, so the coordinator
// hands an item out again only when its worker has gone silent.
type Worker struct {
	Conn    *nats.Conn
	Subject string // work subject (default DefaultSubject)
	// Fitness evaluates items without a spec.
	Fitness evolution.FitnessFunc
	// Build turns a coordinator's Spec into the fitness function of its items (called
	// once per distinct spec; an error is the result of every item of that spec).
	Build     func(spec []byte) (evolution.FitnessFunc, error)
	Heartbeat time.Duration // default DefaultHeartbeat; keep it well under the coordinator's ItemTimeout

	// OnItem, when set, is called with each item's generation and member before it is
	// evaluated (progress reports; tests use it to stop a worker mid-generation).
	OnItem func(gen, member int)
	// OnResult, when set, is called after each evaluation with its outcome.
	OnResult func(gen, member int, fitness float64, err error)

	mu      sync.Mutex
	running bool
	held    *heldItem // the item being evaluated
	cancel  context.CancelFunc
	stopped sync.WaitGroup
	built   map[string]built // by spec; used by the serving goroutine only
}

type heldItem struct {
	reply       string
	gen, member uint64
}

type built struct {
	f   evolution.FitnessFunc
	err error
}

// Start serves items on the worker's own goroutines until Stop.
func (w *Worker) Start() error {
	if w.Conn == nil || (w.Fitness == nil && w.Build == nil) {
		return errors.New("start worker: needs a NATS connection and a fitness function (Fitness or Build)")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return fmt.Errorf("start worker on %q: already started", w.subject())
	}
	if w.Conn.IsClosed() {
		return fmt.Errorf("start worker on %q: connection closed", w.subject())
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.running, w.cancel, w.held = true, cancel, nil
	served := make(chan struct{})
	w.stopped.Add(2)
	go func() {
		defer close(served)
		w.serve(ctx)
	}()
	go w.heartbeat(served) // until the item in hand is answered
	return nil
}

func (w *Worker) subject() string {
	if w.Subject == "" {
		return DefaultSubject
	}
	return w.Subject
}

// serve pulls an item, evaluates it and publishes the result, until ctx ends or the
// connection closes.
func (w *Worker) serve(ctx context.Context) {
	defer w.stopped.Done()
	subject := w.subject()
	for ctx.Err() == nil && !w.Conn.IsClosed() {
		pctx, cancel := context.WithTimeout(ctx, pullWait)
		m, err := w.Conn.RequestWithContext(pctx, subject, pullMsg)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil || w.Conn.IsClosed():
			return
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
			continue // no answer in time: ask again
		default: // no coordinator serves the subject yet (nats.ErrNoResponders), or a hiccup
			select {
			case <-ctx.Done():
				return
			case <-time.After(idleWait):
			}
			continue
		}
		it, err := decodeReply(m.Data)
		if err == errNoWork {
			continue
		}
		w.handle(m.Reply, it, err)
	}
}

func (w *Worker) handle(reply string, it work, decodeErr error) {
	if reply == "" {
		return // nowhere to answer
	}
	if decodeErr != nil {
		_ = w.Conn.Publish(reply, encodeResult(it.gen, it.member, 0, 0, decodeErr.Error()))
		return
	}
	w.mu.Lock()
	w.held = &heldItem{reply: reply, gen: it.gen, member: it.member}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.held = nil
		w.mu.Unlock()
	}()
	if w.OnItem != nil {
		w.OnItem(int(it.gen), int(it.member))
	}
	var f float64
	var cost int64
	fit, err := w.fitnessFor(it.spec)
	if err == nil {
		rng := env.NewRand(it.seed, it.gen, it.member)
		f, cost, err = fit(int(it.gen), int(it.member), it.x, rng)
	}
	if w.OnResult != nil {
		w.OnResult(int(it.gen), int(it.member), f, err)
	}
	text := ""
	if err != nil {
		text = err.Error()
	}
	// A failed publish means the connection is gone; the coordinator hands the item
	// out again.
	_ = w.Conn.Publish(reply, encodeResult(it.gen, it.member, f, cost, text))
}

// fitnessFor returns the fitness function of items with this spec.
func (w *Worker) fitnessFor(spec []byte) (evolution.FitnessFunc, error) {
	if len(spec) == 0 {
		if w.Fitness == nil {
			return nil, errors.New("worker has no fitness function for items without a spec")
		}
		return w.Fitness, nil
	}
	if w.Build == nil {
		return nil, errors.New("worker cannot build a fitness function from a job spec (no Build)")
	}
	if b, ok := w.built[string(spec)]; ok {
		return b.f, b.err
	}
	if w.built == nil || len(w.built) >= maxCachedSpecs {
		w.built = map[string]built{}
	}
	f, err := w.Build(spec)
	if err == nil && f == nil {
		err = errors.New("job spec built no fitness function")
	}
	if err != nil {
		err = fmt.Errorf("worker refuses the job: %w", err)
	}
	w.built[string(spec)] = built{f, err}
	return f, err
}

func (w *Worker) heartbeat(served <-chan struct{}) {
	defer w.stopped.Done()
	every := w.Heartbeat
	if every <= 0 {
		every = DefaultHeartbeat
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-served:
			return
		case <-tick.C:
		}
		w.mu.Lock()
		h := w.held
		w.mu.Unlock()
		if h != nil {
			_ = w.Conn.Publish(h.reply, encodeAck(h.gen, h.member))
		}
	}
}

// Stop stops pulling and waits for the item in hand, if any, to finish.
func (w *Worker) Stop() {
	w.mu.Lock()
	running, cancel := w.running, w.cancel
	w.running = false
	w.mu.Unlock()
	if !running {
		return
	}
	cancel()
	w.stopped.Wait()
}
