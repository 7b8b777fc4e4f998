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

// DefaultBatch is a Worker's Batch when zero.
const DefaultBatch = 5 * time.Millisecond

// idleWait is how long a Worker waits before pulling again when no coordinator
// serves its subject (or the pull failed).
const idleWait = 200 * time.Millisecond

// maxCachedSpecs bounds the fitness functions a Worker keeps built.
const maxCachedSpecs = 8

// Worker pulls work items from Subject's coordinators and evaluates them one at a
// time (in batches when they are short, see Batch). Run several Workers (in one process or many) for parallelism; they may share
// a connection.
//
// It acknowledges the items it holds every Heartbeat, so the coordinator hands an
// item out again only when its worker has gone silent.
type Worker struct {
	Conn    *nats.Conn
	Subject string // work subject (default DefaultSubject)
	// Fitness evaluates items without a spec.
	Fitness evolution.FitnessFunc
	// Build turns a coordinator's Spec into the fitness function of its items (called
	// once per distinct spec; an error is the result of every item of that spec).
	Build     func(spec []byte) (evolution.FitnessFunc, error)
	Heartbeat time.Duration // default DefaultHeartbeat; keep it well under the coordinator's ItemTimeout
	// Batch is about how much work one pull asks for, judged by the mean duration of
	// the last batch's evaluations (default DefaultBatch): evaluations longer than it
	// come one at a time, which keeps the load balanced; shorter ones come in batches,
	// which saves round trips.
	Batch time.Duration

	// OnItem, when set, is called with each item's generation and member before it is
	// evaluated (progress reports; tests use it to stop a worker mid-generation).
	OnItem func(gen, member int)
	// OnResult, when set, is called after each evaluation with its outcome.
	OnResult func(gen, member int, fitness float64, err error)

	mu      sync.Mutex
	running bool
	held    []heldItem // the items of the batch in hand not answered yet
	cancel  context.CancelFunc
	stopped sync.WaitGroup
	built   map[string]built // by spec; used by the serving goroutine only
}

type heldItem struct {
	reply               string
	ticket, gen, member uint64
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

// serve pulls a batch of items, evaluates them and publishes the results, until ctx
// ends or the connection closes.
func (w *Worker) serve(ctx context.Context) {
	defer w.stopped.Done()
	subject := w.subject()
	batch := w.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	credit := 1 // until an evaluation has been timed
	for ctx.Err() == nil && !w.Conn.IsClosed() {
		pctx, cancel := context.WithTimeout(ctx, pullWait)
		m, err := w.Conn.RequestWithContext(pctx, subject, encodePull(credit))
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
		items, errs, err := decodeReply(m.Data)
		if err != nil || m.Reply == "" {
			// No work, or a reply that names no item: nothing to answer (a coordinator
			// hands out again what it meant to send).
			continue
		}
		w.mu.Lock()
		for _, it := range items {
			w.held = append(w.held, heldItem{reply: m.Reply, ticket: it.ticket, gen: it.gen, member: it.member})
		}
		w.mu.Unlock()
		start := time.Now()
		for i, it := range items {
			w.handle(m.Reply, it, errs[i])
			w.mu.Lock()
			w.held = w.held[1:]
			w.mu.Unlock()
		}
		per := time.Since(start) / time.Duration(len(items))
		credit = maxCredit
		if per > 0 {
			credit = int(min(max(int64(batch/per), 1), maxCredit))
		}
	}
}

func (w *Worker) handle(reply string, it work, decodeErr error) {
	if decodeErr != nil {
		_ = w.Conn.Publish(reply, encodeResult(it.ticket, it.gen, it.member, 0, 0, decodeErr.Error()))
		return
	}
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
	_ = w.Conn.Publish(reply, encodeResult(it.ticket, it.gen, it.member, f, cost, text))
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
	var acks []*nats.Msg
	for {
		select {
		case <-served:
			return
		case <-tick.C:
		}
		w.mu.Lock()
		acks = acks[:0]
		for _, h := range w.held {
			acks = append(acks, &nats.Msg{Subject: h.reply, Data: encodeAck(h.ticket, h.gen, h.member)})
		}
		w.mu.Unlock()
		for _, a := range acks {
			_ = w.Conn.PublishMsg(a)
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
