// Package distributed evaluates evolution populations on worker processes over NATS,
// so that a strategy scales from goroutines on a laptop to many machines while its
// results stay identical to evolution.Pool's for the same seed.
//
// A Coordinator (an evolution.Evaluator) holds the work items of the generation it is
// evaluating, one per member. Workers pull them: an idle Worker sends a request on
// Subject, which the coordinators answer in the queue group Subject+".coordinators"
// with a batch of work items (or, after a short hold, with "no work"), so items go to
// idle workers only and the load balances itself. A pull asks for one item unless the
// worker's recent evaluations were short: then it asks for about Worker.Batch of work
// (up to 256 items, within the server's max payload), so that short evaluations are
// not dominated by the round trip of a pull. A worker evaluates each item with its
// fitness function f(generation, member, x, rng), rng being the member's stream
// env.NewRand(seed, generation, member), and publishes the result (fitness and cost)
// to the item's reply subject (an inbox of the coordinator's, one per Evaluate call). The coordinator stores results by (generation, member), so neither
// the number of workers nor the order of the replies changes the fitness vector.
//
// Coordinators may share a subject (and so its workers), but an idle coordinator
// holds a pull for up to half a second before it answers "no work"; give concurrent
// runs subjects of their own.
//
// The fitness function comes with the item or with the worker. A Coordinator's Spec
// (opaque bytes, e.g. a meta-training config) travels in every item; a Worker turns
// it into a fitness function with its Build (cached per spec), so one worker serves
// any job. Items without a spec use the Worker's Fitness.
//
// Message format (all integers and floats little-endian; float64 as IEEE-754 bits,
// so parameters and fitness travel exactly):
//
//	pull:       'P' 2 | credit uint32                    (request on Subject: up to credit items)
//	no work:    'N' 2                                    (reply to a pull)
//	batch:      'B' 2 | count uint32 | count × (length uint32 | work item)   (reply to a pull)
//	work item:  'W' 3 | ticket uint64 | seed uint64 | generation uint64 | member uint64 |
//	            spec length uint32 | spec | dim uint32 | dim × float64
//	result:     'R' 3 | ticket uint64 | generation uint64 | member uint64 | fitness float64 |
//	            cost int64 | error text (UTF-8, rest of the message; empty = no error)
//	heartbeat:  'A' 3 | ticket uint64 | generation uint64 | member uint64
//
// (pull, no work and batch carry version 3 too.) Every hand-out of an item carries a
// fresh ticket, a secret 64-bit number; the coordinator accepts a result or heartbeat
// only when it echoes a ticket issued for that item in that Evaluate call. A message
// that does not decode, or names an item or ticket the coordinator did not issue, is
// dropped and counted (Coordinator.Counts), so a stray or hostile client can neither
// fail a generation nor place a fitness into it. A worker answers an item it holds a
// ticket for but cannot evaluate (a spec its Build refuses) with a result whose error
// text says why, and the coordinator fails the generation with it: that worker was
// given the item and says it cannot do the job.
//
// Authentication (Security): an embedded server started with a worker token admits
// the coordinator by a password that never leaves its process and workers by the
// token; workers may pull on the run's subject, read only their own inbox and answer
// only the batches they were given. A server without a token listens on loopback
// addresses only.
//
// Delivery is at-least-once on top of core NATS (which itself is at-most-once): for
// every item it holds, a worker sends a heartbeat every Heartbeat; an item
// handed out with neither a result nor a heartbeat for ItemTimeout goes back to the
// queue and to the next idle worker — its worker died, lost its connection or never
// got it. The first result for a (generation, member) wins; later duplicates are
// dropped (evaluation is deterministic, so they carry the same value). Results of
// other generations or of other coordinators never reach an Evaluate call, whose
// inbox is its own. When nothing at all (a pull, a result or a heartbeat) arrives
// for Timeout, Evaluate fails with an error naming the subject and the unanswered
// members: no worker is listening, or all of them died. A worker that keeps sending
// heartbeats but never finishes (a fitness function that hangs) hangs Evaluate, as it
// would hang Pool.Evaluate.
//
// StartServer runs an embedded NATS server without authentication on a random
// 127.0.0.1 port: only processes on that machine can reach it. For many machines,
// listen on an address they can reach with a worker token (StartServerOn, Security),
// or run a NATS server they can all reach and connect the coordinator and every
// worker to it with nats.Connect and that server's credentials.
//
// Results are bit-identical across workers that run the same program on the same
// architecture; a fitness function compiled for another architecture may round
// floating point differently, so a Spec should name the build it expects (gorl's
// meta-training jobs name the version, GOARCH and nn backend).
package distributed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// DefaultSubject is the work subject when none is given.
const DefaultSubject = "gorl.evolution.work"

const (
	kindPull   = 'P'
	kindNoWork = 'N'
	kindBatch  = 'B'
	kindWork   = 'W'
	kindResult = 'R'
	kindAck    = 'A'
	version    = 3
	workHeader = 2 + 8 + 8 + 8 + 8 + 4 // then the spec, then dim uint32 and the parameters
	resHeader  = 2 + 8 + 8 + 8 + 8 + 8
	ackLen     = 2 + 8 + 8 + 8
)

var noWorkMsg = []byte{kindNoWork, version}

// maxCredit bounds the items one pull asks for.
const maxCredit = 256

func encodePull(credit int) []byte {
	return binary.LittleEndian.AppendUint32([]byte{kindPull, version}, uint32(credit))
}

// decodePull returns the number of items a pull asks for (at least 1; a malformed
// pull asks for 1).
func decodePull(b []byte) int {
	if len(b) != 6 || b[0] != kindPull || b[1] != version {
		return 1
	}
	return max(1, min(int(binary.LittleEndian.Uint32(b[2:])), maxCredit))
}

func coordinatorGroup(subject string) string { return subject + ".coordinators" }

// work is one decoded work item.
type work struct {
	ticket            uint64
	seed, gen, member uint64
	spec              []byte
	x                 []float64
}

// encodeWork encodes a work item with no ticket; setTicket stamps one on each
// hand-out.
func encodeWork(dst []byte, seed uint64, gen, member int, spec []byte, x []float64) []byte {
	if n := workHeader + len(spec) + 4 + 8*len(x); cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	dst = append(dst[:0], kindWork, version)
	dst = binary.LittleEndian.AppendUint64(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, seed)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(gen))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(member))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(spec)))
	dst = append(dst, spec...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(x)))
	for _, v := range x {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	}
	return dst
}

func decodeWork(b []byte) (work, error) {
	if len(b) < workHeader+4 {
		return work{}, fmt.Errorf("work item of %d bytes, shorter than its %d-byte header", len(b), workHeader+4)
	}
	if b[0] != kindWork || b[1] != version {
		return work{}, fmt.Errorf("work item kind %q version %d, want %q version %d", b[0], b[1], kindWork, version)
	}
	w := work{
		ticket: binary.LittleEndian.Uint64(b[2:]),
		seed:   binary.LittleEndian.Uint64(b[10:]),
		gen:    binary.LittleEndian.Uint64(b[18:]),
		member: binary.LittleEndian.Uint64(b[26:]),
	}
	specLen := uint64(binary.LittleEndian.Uint32(b[34:]))
	if uint64(len(b)) < workHeader+specLen+4 {
		return w, fmt.Errorf("work item with a %d-byte spec has only %d bytes", specLen, len(b))
	}
	w.spec = b[workHeader : workHeader+specLen]
	rest := b[workHeader+specLen:]
	dim := uint64(binary.LittleEndian.Uint32(rest))
	if uint64(len(rest)) != 4+8*dim {
		return w, fmt.Errorf("work item for %d parameters has %d bytes after its spec, want %d", dim, len(rest), 4+8*dim)
	}
	w.x = make([]float64, dim)
	for i := range w.x {
		w.x[i] = math.Float64frombits(binary.LittleEndian.Uint64(rest[4+8*i:]))
	}
	return w, nil
}

// setTicket stamps ticket on an encoded work item.
func setTicket(item []byte, ticket uint64) { binary.LittleEndian.PutUint64(item[2:], ticket) }

func encodeAck(ticket, gen, member uint64) []byte {
	b := make([]byte, 0, ackLen)
	b = append(b, kindAck, version)
	b = binary.LittleEndian.AppendUint64(b, ticket)
	b = binary.LittleEndian.AppendUint64(b, gen)
	return binary.LittleEndian.AppendUint64(b, member)
}

// result is one decoded result, or a heartbeat when ack is set.
type result struct {
	ticket      uint64
	gen, member uint64
	fitness     float64
	cost        int64
	errText     string
	ack         bool
}

func encodeResult(ticket, gen, member uint64, fitness float64, cost int64, errText string) []byte {
	b := make([]byte, 0, resHeader+len(errText))
	b = append(b, kindResult, version)
	b = binary.LittleEndian.AppendUint64(b, ticket)
	b = binary.LittleEndian.AppendUint64(b, gen)
	b = binary.LittleEndian.AppendUint64(b, member)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(fitness))
	b = binary.LittleEndian.AppendUint64(b, uint64(cost))
	return append(b, errText...)
}

func decodeResult(b []byte) (result, error) {
	if len(b) == ackLen && b[0] == kindAck && b[1] == version {
		return result{
			ticket: binary.LittleEndian.Uint64(b[2:]),
			gen:    binary.LittleEndian.Uint64(b[10:]),
			member: binary.LittleEndian.Uint64(b[18:]),
			ack:    true,
		}, nil
	}
	if len(b) < resHeader {
		return result{}, fmt.Errorf("result of %d bytes, shorter than its %d-byte header", len(b), resHeader)
	}
	if b[0] != kindResult || b[1] != version {
		return result{}, fmt.Errorf("result kind %q version %d, want %q version %d", b[0], b[1], kindResult, version)
	}
	return result{
		ticket:  binary.LittleEndian.Uint64(b[2:]),
		gen:     binary.LittleEndian.Uint64(b[10:]),
		member:  binary.LittleEndian.Uint64(b[18:]),
		fitness: math.Float64frombits(binary.LittleEndian.Uint64(b[26:])),
		cost:    int64(binary.LittleEndian.Uint64(b[34:])),
		errText: string(b[resHeader:]),
	}, nil
}

var errNoWork = errors.New("no work")

// batchSize is the size of a batch frame with items of these sizes.
func batchSize(itemSizes ...int) int {
	n := 2 + 4
	for _, s := range itemSizes {
		n += 4 + s
	}
	return n
}

func encodeBatch(dst []byte, items [][]byte) []byte {
	n := 2 + 4
	for _, it := range items {
		n += 4 + len(it)
	}
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	dst = append(dst[:0], kindBatch, version)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(items)))
	for _, it := range items {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(it)))
		dst = append(dst, it...)
	}
	return dst
}

// decodeReply decodes a coordinator's reply to a pull: a batch of work items (each
// decoded, or with its decoding error), or errNoWork.
func decodeReply(b []byte) ([]work, []error, error) {
	if len(b) == 2 && b[0] == kindNoWork && b[1] == version {
		return nil, nil, errNoWork
	}
	if len(b) < 6 || b[0] != kindBatch || b[1] != version {
		return nil, nil, fmt.Errorf("reply to a pull of %d bytes is neither a batch nor no-work (version %d)", len(b), version)
	}
	n := int(binary.LittleEndian.Uint32(b[2:]))
	if n < 1 || n > maxCredit {
		return nil, nil, fmt.Errorf("batch of %d items, want 1..%d", n, maxCredit)
	}
	items, errs := make([]work, n), make([]error, n)
	rest := b[6:]
	for i := range n {
		if len(rest) < 4 {
			return nil, nil, fmt.Errorf("batch truncated at item %d of %d", i, n)
		}
		size := uint64(binary.LittleEndian.Uint32(rest))
		if uint64(len(rest)) < 4+size {
			return nil, nil, fmt.Errorf("batch truncated in item %d of %d", i, n)
		}
		items[i], errs[i] = decodeWork(rest[4 : 4+size])
		rest = rest[4+size:]
	}
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("batch has %d bytes after its %d items", len(rest), n)
	}
	return items, errs, nil
}
