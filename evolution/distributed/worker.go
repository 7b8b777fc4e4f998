package distributed

import (
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/env"
	"gorl/evolution"
)

// DefaultHeartbeat is how often a Worker acknowledges the items it holds when its
// Heartbeat is zero.
const DefaultHeartbeat = time.Second

// Worker evaluates work items from Subject's queue group, one at a time, with
// Fitness. Run several Workers (in one process or many) for parallelism.
//
// Every item it holds, queued or being evaluated, is acknowledged every Heartbeat, so the coordinator re-publishes an item only when its
// worker has gone silent.
type Worker struct {
	Conn      *nats.Conn
	Subject   string // work subject (default DefaultSubject)
	Fitness   evolution.FitnessFunc
	Heartbeat time.Duration // default DefaultHeartbeat; keep it well under the coordinator's ItemTimeout

	// OnItem, when set, is called with each item's generation and member before it is
	// evaluated (progress reports; tests use it to stop a worker mid-generation).
	OnItem func(gen, member int)

	mu      sync.Mutex
	sub     *nats.Subscription
	held    []heldItem // queued items, then the one being evaluated
	wake    chan struct{}
	stop    chan struct{}
	stopped sync.WaitGroup
}

type heldItem struct {
	msg  *nats.Msg
	work work
	err  error // a malformed item
}

// Start subscribes the worker and serves items on its own goroutines until Stop.
func (w *Worker) Start() error {
	if w.Conn == nil || w.Fitness == nil {
		return fmt.Errorf("start worker: needs a NATS connection and a fitness function")
	}
	subject := w.Subject
	if subject == "" {
		subject = DefaultSubject
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sub != nil {
		return fmt.Errorf("start worker on %q: already started", subject)
	}
	w.wake, w.stop, w.held = make(chan struct{}, 1), make(chan struct{}), nil
	sub, err := w.Conn.QueueSubscribe(subject, queueGroup(subject), w.receive)
	if err != nil {
		return fmt.Errorf("start worker on %q: %w", subject, err)
	}
	if err := w.Conn.Flush(); err != nil {
		sub.Unsubscribe()
		return fmt.Errorf("start worker on %q: %w", subject, err)
	}
	w.sub = sub
	w.stopped.Add(2)
	go w.serve()
	go w.heartbeat()
	return nil
}

// receive queues an item; the next heartbeat acknowledges it (none is sent for
// items answered before then, which keeps fast evaluations at one reply each).
func (w *Worker) receive(m *nats.Msg) {
	it, err := decodeWork(m.Data)
	w.mu.Lock()
	w.held = append(w.held, heldItem{msg: m, work: it, err: err})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) serve() {
	defer w.stopped.Done()
	for {
		w.mu.Lock()
		var h heldItem
		ok := len(w.held) > 0
		if ok {
			h = w.held[0] // stays held (and heartbeated) until answered
		}
		w.mu.Unlock()
		if !ok {
			select {
			case <-w.wake:
				continue
			case <-w.stop:
				return
			}
		}
		select {
		case <-w.stop:
			return // queued items are re-published by the coordinator
		default:
		}
		w.handle(h)
		w.mu.Lock()
		w.held = w.held[1:]
		w.mu.Unlock()
		if w.Conn.IsClosed() {
			return
		}
	}
}

func (w *Worker) handle(h heldItem) {
	m, it := h.msg, h.work
	if h.err != nil {
		if m.Reply != "" {
			_ = w.Conn.Publish(m.Reply, encodeResult(it.gen, it.member, 0, h.err.Error()))
		}
		return
	}
	if w.OnItem != nil {
		w.OnItem(int(it.gen), int(it.member))
	}
	rng := env.NewRand(it.seed, it.gen, it.member)
	f, ferr := w.Fitness(int(it.member), it.x, rng)
	text := ""
	if ferr != nil {
		text = ferr.Error()
	}
	if m.Reply != "" {
		// A failed publish means the connection is gone; the coordinator re-publishes.
		_ = w.Conn.Publish(m.Reply, encodeResult(it.gen, it.member, f, text))
	}
}

func (w *Worker) heartbeat() {
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
		case <-w.stop:
			return
		case <-tick.C:
		}
		acks = acks[:0]
		w.mu.Lock()
		for _, h := range w.held {
			if h.err == nil && h.msg.Reply != "" {
				acks = append(acks, &nats.Msg{Subject: h.msg.Reply, Data: encodeAck(h.work.gen, h.work.member)})
			}
		}
		w.mu.Unlock()
		for _, a := range acks {
			_ = w.Conn.PublishMsg(a)
		}
	}
}

// Stop unsubscribes the worker, drops its queued items (the coordinator re-publishes
// them once their heartbeats stop) and waits for the item in hand, if any, to finish.
func (w *Worker) Stop() {
	w.mu.Lock()
	sub := w.sub
	w.sub = nil
	w.mu.Unlock()
	if sub == nil {
		return
	}
	_ = sub.Unsubscribe()
	close(w.stop)
	w.stopped.Wait()
}
