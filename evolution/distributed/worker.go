package distributed

import (
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/env"
	"gorl/evolution"
)

// Worker evaluates work items from Subject's queue group, one at a time, with
// Fitness. Run several Workers (in one process or many) for parallelism.
type Worker struct {
	Conn    *nats.Conn
	Subject string // work subject (default DefaultSubject)
	Fitness evolution.FitnessFunc

	// OnItem, when set, is called with each item's generation and member before it is
	// evaluated (progress reports; tests use it to stop a worker mid-generation).
	OnItem func(gen, member int)

	mu   sync.Mutex
	sub  *nats.Subscription
	done chan struct{}
}

// Start subscribes the worker and serves items on its own goroutine until Stop.
func (w *Worker) Start() error {
	if w.Conn == nil || w.Fitness == nil {
		return fmt.Errorf("start worker: needs a NATS connection and a fitness function")
	}
	subject := w.Subject
	if subject == "" {
		subject = DefaultSubject
	}
	sub, err := w.Conn.QueueSubscribeSync(subject, queueGroup(subject))
	if err != nil {
		return fmt.Errorf("start worker on %q: %w", subject, err)
	}
	if err := w.Conn.Flush(); err != nil {
		sub.Unsubscribe()
		return fmt.Errorf("start worker on %q: %w", subject, err)
	}
	w.mu.Lock()
	w.sub, w.done = sub, make(chan struct{})
	w.mu.Unlock()
	go w.serve(sub)
	return nil
}

func (w *Worker) serve(sub *nats.Subscription) {
	defer close(w.done)
	for {
		m, err := sub.NextMsg(time.Hour)
		if err == nats.ErrTimeout {
			continue
		}
		if err != nil {
			return // unsubscribed or connection closed
		}
		w.handle(m)
	}
}

func (w *Worker) handle(m *nats.Msg) {
	it, err := decodeWork(m.Data)
	if err != nil {
		if m.Reply != "" {
			_ = w.Conn.Publish(m.Reply, encodeResult(it.gen, it.member, 0, err.Error()))
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

// Stop unsubscribes the worker and waits for the item in hand, if any, to finish.
// Items delivered to it but not answered are re-published by the coordinator.
func (w *Worker) Stop() {
	w.mu.Lock()
	sub, done := w.sub, w.done
	w.sub = nil
	w.mu.Unlock()
	if sub == nil {
		return
	}
	_ = sub.Unsubscribe()
	<-done
}
