// Package distributed evaluates evolution populations on worker processes over NATS,
// so that a strategy scales from goroutines on a laptop to many machines while its
// results stay identical to evolution.Pool's for the same seed.
//
// A Coordinator (an evolution.Evaluator) publishes one work item per member of a
// generation on Subject; Workers subscribe to Subject in the queue group
// Subject+".workers", so each item goes to one of them. A worker evaluates the item
// with its own copy of the fitness function, drawing from the member's stream
// env.NewRand(seed, generation, member), and publishes the result to the item's
// reply subject (an inbox of the coordinator's). The coordinator stores results by
// (generation, member), so neither the number of workers nor the order of the
// replies changes the fitness vector.
//
// Message format (all integers and floats little-endian; float64 as IEEE-754 bits,
// so parameters and fitness travel exactly):
//
//	work item:  'W' 1 | seed uint64 | generation uint64 | member uint64 | dim uint32 | dim × float64
//	result:     'R' 1 | generation uint64 | member uint64 | fitness float64 | error text (UTF-8, rest of the message; empty = no error)
//	heartbeat:  'A' 1 | generation uint64 | member uint64
//
// A worker answers a malformed item with a result whose error text says why (when the
// item has a reply subject), and the coordinator fails the generation with it.
//
// Results and heartbeats go to the item's reply subject. A worker sends a heartbeat for
// every item it holds, queued or being evaluated, every Heartbeat, so a long evaluation is not mistaken for a lost one.
//
// Delivery is at-least-once on top of core NATS (which itself is at-most-once): an item
// with neither a result nor a heartbeat for ItemTimeout is published again — its worker
// died, lost its connection or never got it — and the first result for a (generation,
// member) wins; later duplicates are dropped (evaluation is deterministic, so they carry
// the same value). Results of other generations or of other coordinators never reach an
// Evaluate call, whose inbox is its own. When no message at all (result or heartbeat)
// arrives for Timeout, Evaluate fails with an error naming the subject and the
// unanswered members: no worker is listening, or all of them died. A worker that
// keeps sending heartbeats but never finishes (a fitness function that hangs) hangs
// Evaluate, as it would hang Pool.Evaluate.
//
// Items are pushed to the queue group's members at random as they are published, not
// pulled by idle workers, so with few members per worker the load may be uneven.
//
// StartServer runs an embedded NATS server on a random 127.0.0.1 port, the default for
// a single machine: only processes on that machine can reach it. For many machines,
// run a NATS server they can all reach and connect the coordinator and every worker to
// it with nats.Connect.
package distributed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultSubject is the work subject when none is given.
const DefaultSubject = "gorl.evolution.work"

const (
	kindWork   = 'W'
	kindResult = 'R'
	kindAck    = 'A'
	version    = 1
	workHeader = 2 + 8 + 8 + 8 + 4
	resHeader  = 2 + 8 + 8 + 8
)

// StartServer starts an in-process NATS server listening on 127.0.0.1 at a random
// free port and returns it with its client URL. Shut it down with srv.Shutdown().
func StartServer() (*server.Server, string, error) {
	opts := &server.Options{
		Host:   "127.0.0.1",
		Port:   server.RANDOM_PORT,
		NoLog:  true,
		NoSigs: true,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("start nats server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, "", errors.New("start nats server: not ready for connections after 10s")
	}
	return srv, srv.ClientURL(), nil
}

func queueGroup(subject string) string { return subject + ".workers" }

// work is one decoded work item.
type work struct {
	seed, gen, member uint64
	x                 []float64
}

func encodeWork(dst []byte, seed uint64, gen, member int, x []float64) []byte {
	dst = append(dst[:0], kindWork, version)
	dst = binary.LittleEndian.AppendUint64(dst, seed)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(gen))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(member))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(x)))
	for _, v := range x {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	}
	return dst
}

func decodeWork(b []byte) (work, error) {
	if len(b) < workHeader {
		return work{}, fmt.Errorf("work item of %d bytes, shorter than its %d-byte header", len(b), workHeader)
	}
	if b[0] != kindWork || b[1] != version {
		return work{}, fmt.Errorf("work item kind %q version %d, want %q version %d", b[0], b[1], kindWork, version)
	}
	w := work{
		seed:   binary.LittleEndian.Uint64(b[2:]),
		gen:    binary.LittleEndian.Uint64(b[10:]),
		member: binary.LittleEndian.Uint64(b[18:]),
	}
	dim := int(binary.LittleEndian.Uint32(b[26:]))
	if len(b) != workHeader+8*dim {
		return w, fmt.Errorf("work item for %d parameters has %d bytes, want %d", dim, len(b), workHeader+8*dim)
	}
	w.x = make([]float64, dim)
	for i := range w.x {
		w.x[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[workHeader+8*i:]))
	}
	return w, nil
}

func encodeAck(gen, member uint64) []byte {
	b := make([]byte, 0, 18)
	b = append(b, kindAck, version)
	b = binary.LittleEndian.AppendUint64(b, gen)
	return binary.LittleEndian.AppendUint64(b, member)
}

// result is one decoded result, or a heartbeat when ack is set.
type result struct {
	gen, member uint64
	fitness     float64
	errText     string
	ack         bool
}

func encodeResult(gen, member uint64, fitness float64, errText string) []byte {
	b := make([]byte, 0, resHeader+len(errText))
	b = append(b, kindResult, version)
	b = binary.LittleEndian.AppendUint64(b, gen)
	b = binary.LittleEndian.AppendUint64(b, member)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(fitness))
	return append(b, errText...)
}

func decodeResult(b []byte) (result, error) {
	if len(b) == 18 && b[0] == kindAck && b[1] == version {
		return result{
			gen:    binary.LittleEndian.Uint64(b[2:]),
			member: binary.LittleEndian.Uint64(b[10:]),
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
		gen:     binary.LittleEndian.Uint64(b[2:]),
		member:  binary.LittleEndian.Uint64(b[10:]),
		fitness: math.Float64frombits(binary.LittleEndian.Uint64(b[18:])),
		errText: string(b[resHeader:]),
	}, nil
}
