package distributed

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/evolution"
)

// pullHold is how long a coordinator keeps an idle worker's pull waiting for an item
// before it answers "no work"; workers wait pullWait (well over pullHold) for the
// answer, so an item is never handed to a worker that has stopped listening.
const (
	pullHold = 500 * time.Millisecond
	pullWait = 5 * time.Second
)

// Coordinator evaluates populations on the Workers that pull work from Subject. Its
// zero settings mean defaults; Conn is required. Close it when done.
type Coordinator struct {
	Conn    *nats.Conn
	Subject string // work subject (default DefaultSubject)
	Seed    uint64 // root of the members' streams, as Pool.Seed
	// Spec, when not empty, travels in every item: workers build their fitness
	// function from it (Worker.Build), so it must describe f completely.
	Spec []byte
	// ItemTimeout hands an item out again when neither a result nor a heartbeat has
	// come for it this long (default 10s); keep it several of the workers' Heartbeat.
	ItemTimeout time.Duration
	// Timeout fails Evaluate when nothing (a pull, a result or a heartbeat) arrives
	// for it (default 60s).
	Timeout time.Duration
	// OnRequeue, when set, is called when an item is handed out again after
	// ItemTimeout (its worker went silent).
	OnRequeue func(gen, member int)

	mu      sync.Mutex
	counts  Counts
	pullSub *nats.Subscription
	resSub  *nats.Subscription // results and heartbeats of every round: inboxBase.<round>
	inbox   string             // inboxBase
	rounds  int
	subject string
	round   *round // the generation being evaluated; nil between Evaluate calls
	waiters []waiter
	nextID  uint64
}

var (
	_ evolution.Evaluator = (*Coordinator)(nil)
	_ evolution.Counter   = (*Coordinator)(nil)
)

// ErrNoAnswer is wrapped by the error of an Evaluate call that heard from no worker
// for its Timeout.
var ErrNoAnswer = errors.New("no worker answered")

// Counts are the messages a Coordinator dropped since it was made: Malformed ones
// did not decode as a result or heartbeat; Rejected ones named an item, generation or
// ticket it had not issued to the inbox they came to (forged, or stale beyond what a
// hand-out again explains). Neither ever changes a fitness or fails a generation.
type Counts struct {
	Malformed, Rejected int64
}

// Counts returns the messages dropped so far.
func (c *Coordinator) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// Counters are Counts as metrics columns (evolution.Counter): messages_malformed
// and messages_rejected.
func (c *Coordinator) Counters() map[string]float64 {
	n := c.Counts()
	return map[string]float64{"messages_malformed": float64(n.Malformed), "messages_rejected": float64(n.Rejected)}
}

// waiter is an idle worker's pull, answered with an item or, after pullHold, with
// "no work".
type waiter struct {
	id     uint64
	reply  string
	credit int // items asked for
}

// round is the state of one Evaluate call.
type round struct {
	gen      int
	inbox    string
	items    [][]byte
	tickets  [][]uint64  // every ticket issued for each member in this round
	queue    []int       // members to hand out, in order
	out      []time.Time // when a member was handed out or last heartbeated; zero: not out
	done     []bool
	pulls    int       // pulls received and items handed out
	lastSeen time.Time // the last pull, result or heartbeat
}

func (c *Coordinator) subjectOrDefault() string {
	if c.Subject == "" {
		return DefaultSubject
	}
	return c.Subject
}

// start subscribes to the workers' pulls (once per coordinator).
func (c *Coordinator) start(subject string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pullSub != nil {
		if c.subject != subject {
			return fmt.Errorf("coordinator serves subject %q, not %q", c.subject, subject)
		}
		return nil
	}
	inbox := c.Conn.NewRespInbox()
	res, err := c.Conn.SubscribeSync(inbox + ".*")
	if err != nil {
		return fmt.Errorf("subscribe to results: %w", err)
	}
	// A slow consumer would drop results (handing items out again would recover
	// them): let the backlog of results and heartbeats grow instead.
	if err := res.SetPendingLimits(-1, -1); err != nil {
		res.Unsubscribe()
		return fmt.Errorf("subscribe to results: %w", err)
	}
	sub, err := c.Conn.QueueSubscribe(subject, coordinatorGroup(subject), c.onPull)
	if err != nil {
		res.Unsubscribe()
		return fmt.Errorf("subscribe to pulls on %q: %w", subject, err)
	}
	if err := c.Conn.Flush(); err != nil {
		sub.Unsubscribe()
		res.Unsubscribe()
		return fmt.Errorf("subscribe to pulls on %q: %w", subject, err)
	}
	c.pullSub, c.resSub, c.inbox, c.subject = sub, res, inbox, subject
	return nil
}

// Listen starts serving the workers' pulls on the subject now (Evaluate does it
// otherwise), so that workers started before the first generation wait for it
// instead of polling.
func (c *Coordinator) Listen() error {
	if c.Conn == nil {
		return errors.New("listen: coordinator has no NATS connection")
	}
	return c.start(c.subjectOrDefault())
}

// Close stops serving pulls; idle workers get "no work". Evaluate may be called
// again afterwards (it subscribes anew).
func (c *Coordinator) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pullSub == nil {
		return nil
	}
	err := errors.Join(c.pullSub.Unsubscribe(), c.resSub.Unsubscribe())
	c.pullSub, c.resSub = nil, nil
	for _, w := range c.waiters {
		_ = c.Conn.Publish(w.reply, noWorkMsg)
	}
	c.waiters = nil
	return err
}

// onPull queues an idle worker's pull and serves it if an item is waiting.
func (c *Coordinator) onPull(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	id := c.nextID
	c.waiters = append(c.waiters, waiter{id: id, reply: m.Reply, credit: decodePull(m.Data)})
	if r := c.round; r != nil {
		r.pulls++
		r.lastSeen = time.Now()
	}
	c.serveLocked()
	for _, w := range c.waiters {
		if w.id == id { // still waiting: answer "no work" after pullHold
			time.AfterFunc(pullHold, func() { c.expire(id) })
			break
		}
	}
}

func (c *Coordinator) expire(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.waiters {
		if w.id == id {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			_ = c.Conn.Publish(w.reply, noWorkMsg)
			return
		}
	}
}

// serveLocked hands queued items to waiting workers, oldest first, each a batch of up
// to its credit within the server's max payload.
func (c *Coordinator) serveLocked() {
	r := c.round
	if r == nil {
		return
	}
	now := time.Now()
	maxPayload := int(c.Conn.MaxPayload())
	var batch [][]byte
	var members []int
	for len(c.waiters) > 0 {
		w := c.waiters[0]
		batch, members = batch[:0], members[:0]
		size := batchSize()
		for len(r.queue) > 0 && len(batch) < w.credit {
			i := r.queue[0]
			if r.done[i] {
				r.queue = r.queue[1:]
				continue
			}
			if len(batch) > 0 && size+4+len(r.items[i]) > maxPayload {
				break
			}
			r.queue = r.queue[1:]
			ticket := newTicket()
			r.tickets[i] = append(r.tickets[i], ticket)
			setTicket(r.items[i], ticket) // encodeBatch copies the item as stamped now
			batch, members = append(batch, r.items[i]), append(members, i)
			size += 4 + len(r.items[i])
		}
		if len(batch) == 0 {
			return
		}
		c.waiters = c.waiters[1:]
		// A failed publish means the connection is gone: Evaluate's receive fails next.
		_ = c.Conn.PublishMsg(&nats.Msg{Subject: w.reply, Reply: r.inbox, Data: encodeBatch(nil, batch)})
		for _, i := range members {
			r.out[i] = now
		}
		r.pulls++
	}
}

// Evaluate makes one work item per member of generation gen, hands them to the
// workers that pull, and writes their results into fitness and cost (which may be
// nil). f is not called here: every worker runs its own fitness function (its
// Fitness, or its Build of Spec), which must be the same as f for the result to
// match a Pool's. The first error (by member index) reported by a worker is
// returned. Evaluate calls of one Coordinator must not overlap.
func (c *Coordinator) Evaluate(gen int, pop [][]float64, fitness []float64, cost []int64, _ evolution.FitnessFunc) error {
	if c.Conn == nil {
		return fmt.Errorf("evaluate generation %d: coordinator has no NATS connection", gen)
	}
	if len(fitness) != len(pop) || (cost != nil && len(cost) != len(pop)) {
		return fmt.Errorf("evaluate: %d fitness and %d cost slots for %d members", len(fitness), len(cost), len(pop))
	}
	if gen < 0 {
		return fmt.Errorf("evaluate: negative generation %d", gen)
	}
	if len(pop) == 0 {
		return nil
	}
	subject := c.subjectOrDefault()
	itemTimeout, timeout := c.ItemTimeout, c.Timeout
	if itemTimeout <= 0 {
		itemTimeout = 10 * time.Second
	}
	if timeout <= 0 {
		timeout = time.Minute
	}
	if err := c.start(subject); err != nil {
		return fmt.Errorf("evaluate generation %d: %w", gen, err)
	}

	c.mu.Lock()
	c.rounds++
	inbox, sub := fmt.Sprintf("%s.%d", c.inbox, c.rounds), c.resSub
	c.mu.Unlock()
	r := &round{gen: gen, inbox: inbox, items: make([][]byte, len(pop)), tickets: make([][]uint64, len(pop)), queue: make([]int, len(pop)),
		out: make([]time.Time, len(pop)), done: make([]bool, len(pop)), lastSeen: time.Now()}
	for i, x := range pop {
		// Encode every item once: handing it out again sends the same bytes.
		r.items[i] = encodeWork(nil, c.Seed, gen, i, c.Spec, x)
		if size, max := batchSize(len(r.items[i])), c.Conn.MaxPayload(); int64(size) > max {
			return fmt.Errorf("evaluate generation %d: member %d's item is %d bytes, over the server's max payload %d", gen, i, size, max)
		}
		r.queue[i] = i
	}
	c.mu.Lock()
	c.round = r
	c.serveLocked()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.round = nil
		c.mu.Unlock()
	}()

	errs := make([]string, len(pop))
	remaining := len(pop)
	// take records one message from the inbox: a result or a heartbeat of an item
	// handed out with the ticket it echoes; anything else is dropped and counted.
	take := func(m *nats.Msg) {
		if m.Subject != r.inbox {
			return // an answer to an earlier call
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		res, err := decodeResult(m.Data)
		if err != nil {
			c.counts.Malformed++
			return
		}
		if res.gen != uint64(gen) || res.member >= uint64(len(pop)) || !slices.Contains(r.tickets[res.member], res.ticket) {
			c.counts.Rejected++
			return
		}
		i := int(res.member)
		now := time.Now()
		r.lastSeen = now
		switch {
		case r.done[i]: // a duplicate of an item handed out again
		case res.ack:
			if !r.out[i].IsZero() {
				r.out[i] = now // alive: not lost
			}
		default:
			r.done[i], r.out[i] = true, time.Time{}
			fitness[i] = res.fitness
			if cost != nil {
				cost[i] = res.cost
			}
			errs[i] = res.errText
			remaining--
		}
	}
	check := max(min(itemTimeout, timeout)/4, time.Millisecond)
	lastCheck := time.Now()
	for remaining > 0 {
		m, err := sub.NextMsg(check)
		switch {
		case err == nats.ErrTimeout:
		case err != nil:
			return fmt.Errorf("evaluate generation %d: receive results: %w", gen, err)
		default:
			take(m)
		}
		now := time.Now()
		if remaining == 0 || now.Sub(lastCheck) < check {
			continue
		}
		lastCheck = now
		c.mu.Lock()
		var requeued []int
		for i, t := range r.out {
			if !t.IsZero() && now.Sub(t) >= itemTimeout {
				r.out[i] = time.Time{}
				r.queue = append(r.queue, i)
				requeued = append(requeued, i)
			}
		}
		c.serveLocked()
		silent, pulls := now.Sub(r.lastSeen), r.pulls
		c.mu.Unlock()
		if c.OnRequeue != nil {
			for _, i := range requeued {
				c.OnRequeue(gen, i)
			}
		}
		if silent >= timeout {
			var missing []int
			for i, d := range r.done {
				if !d {
					missing = append(missing, i)
				}
			}
			hint := "the workers that took them went silent"
			if pulls == 0 {
				hint = "no worker asked for work: are workers running and connected to this server?"
			}
			return fmt.Errorf("evaluate generation %d: %w on subject %q for %v; %d of %d members unanswered (first %v): %s",
				gen, ErrNoAnswer, subject, timeout, len(missing), len(pop), missing[:min(len(missing), 8)], hint)
		}
	}
	for i, e := range errs {
		if e != "" {
			return fmt.Errorf("member %d: %s", i, e)
		}
	}
	return nil
}
