package distributed

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/evolution"
)

// Coordinator evaluates populations on the Workers subscribed to Subject. Its zero
// settings mean defaults; Conn is required.
type Coordinator struct {
	Conn    *nats.Conn
	Subject string // work subject (default DefaultSubject)
	Seed    uint64 // root of the members' streams, as Pool.Seed
	// ItemTimeout re-publishes an item with neither a result nor a heartbeat for it
	// (default 10s); keep it several of the workers' Heartbeat.
	ItemTimeout time.Duration
	// Timeout fails Evaluate when no result or heartbeat arrives for it (default 60s).
	Timeout time.Duration
}

var _ evolution.Evaluator = (*Coordinator)(nil)

// Evaluate publishes one work item per member of generation gen and writes the
// workers' results into fitness. f is not called here: every worker runs its own
// copy of the fitness function, which must be the same as f for the result to match
// a Pool's. The first error (by member index) reported by a worker is returned.
func (c *Coordinator) Evaluate(gen int, pop [][]float64, fitness []float64, _ evolution.FitnessFunc) error {
	if c.Conn == nil {
		return fmt.Errorf("evaluate generation %d: coordinator has no NATS connection", gen)
	}
	if len(fitness) != len(pop) {
		return fmt.Errorf("evaluate: %d fitness slots for %d members", len(fitness), len(pop))
	}
	if gen < 0 {
		return fmt.Errorf("evaluate: negative generation %d", gen)
	}
	if len(pop) == 0 {
		return nil
	}
	subject := c.Subject
	if subject == "" {
		subject = DefaultSubject
	}
	itemTimeout, timeout := c.ItemTimeout, c.Timeout
	if itemTimeout <= 0 {
		itemTimeout = 10 * time.Second
	}
	if timeout <= 0 {
		timeout = time.Minute
	}

	// Encode every item once: re-publishing sends the same bytes.
	items := make([][]byte, len(pop))
	for i, x := range pop {
		items[i] = encodeWork(nil, c.Seed, gen, i, x)
		if max := c.Conn.MaxPayload(); int64(len(items[i])) > max {
			return fmt.Errorf("evaluate generation %d: member %d's item is %d bytes, over the server's max payload %d", gen, i, len(items[i]), max)
		}
	}

	inbox := c.Conn.NewRespInbox()
	sub, err := c.Conn.SubscribeSync(inbox)
	if err != nil {
		return fmt.Errorf("evaluate generation %d: subscribe to results: %w", gen, err)
	}
	defer sub.Unsubscribe()
	// A slow consumer would drop results (re-publishing would recover them): let the
	// backlog of results and heartbeats grow instead.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return fmt.Errorf("evaluate generation %d: %w", gen, err)
	}

	sentAt := make([]time.Time, len(pop))
	done := make([]bool, len(pop))
	errs := make([]string, len(pop))
	publish := func(i int) error {
		sentAt[i] = time.Now()
		if err := c.Conn.PublishMsg(&nats.Msg{Subject: subject, Reply: inbox, Data: items[i]}); err != nil {
			return fmt.Errorf("evaluate generation %d: publish member %d: %w", gen, i, err)
		}
		return nil
	}
	for i := range pop {
		if err := publish(i); err != nil {
			return err
		}
	}
	if err := c.Conn.Flush(); err != nil {
		return fmt.Errorf("evaluate generation %d: flush work items: %w", gen, err)
	}

	check := max(itemTimeout/4, time.Millisecond)
	lastCheck := time.Now()
	remaining := len(pop)
	lastResult := time.Now()
	noResponders := false
	// take records one message from the inbox: a result or a heartbeat.
	take := func(m *nats.Msg) error {
		r, err := decodeResult(m.Data)
		if err != nil {
			return fmt.Errorf("evaluate generation %d: %w", gen, err)
		}
		if r.gen != uint64(gen) || r.member >= uint64(len(pop)) {
			return nil // not an item of this call
		}
		lastResult = time.Now()
		switch {
		case done[r.member]: // a duplicate of a re-published item
		case r.ack:
			sentAt[r.member] = lastResult // alive: not lost
		default:
			done[r.member] = true
			fitness[r.member] = r.fitness
			errs[r.member] = r.errText
			remaining--
		}
		return nil
	}
	for remaining > 0 {
		m, err := sub.NextMsg(check)
		switch {
		case err == nats.ErrTimeout:
		case err == nats.ErrNoResponders:
			noResponders = true // no worker subscribed at publish time; Timeout decides
		case err != nil:
			return fmt.Errorf("evaluate generation %d: receive results: %w", gen, err)
		default:
			if err := take(m); err != nil {
				return err
			}
		}
		if now := time.Now(); remaining > 0 && now.Sub(lastCheck) >= check {
			lastCheck = now
			if now.Sub(lastResult) >= timeout {
				var missing []int
				for i, d := range done {
					if !d {
						missing = append(missing, i)
					}
				}
				hint := "are workers running?"
				if noResponders {
					hint = "the server reported no worker subscribed"
				}
				return fmt.Errorf("evaluate generation %d: no worker answered on subject %q for %v; %d of %d members unanswered (first %v): %s",
					gen, subject, timeout, len(missing), len(pop), missing[:min(len(missing), 8)], hint)
			}
			for i, d := range done {
				if !d && now.Sub(sentAt[i]) >= itemTimeout {
					if err := publish(i); err != nil {
						return err
					}
				}
			}
		}
	}
	for i, e := range errs {
		if e != "" {
			return fmt.Errorf("member %d: %s", i, e)
		}
	}
	return nil
}
