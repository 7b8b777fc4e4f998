package minatar

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
)

// A snapshot is the tag "minatar/<game>\x00", then varints: the previous action, the
// terminal flag, the game's state; then the random stream (PCG MarshalBinary form).

// encoder appends varints.
type encoder struct{ b []byte }

func (e *encoder) int(v int) { e.b = binary.AppendVarint(e.b, int64(v)) }

func (e *encoder) bool(v bool) {
	if v {
		e.int(1)
	} else {
		e.int(0)
	}
}

// decoder reads varints, checking each against its valid range; the first failure is
// kept in err and makes every later read return lo.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) int(what string, lo, hi int) int {
	if d.err != nil {
		return lo
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%s: truncated", what)
		return lo
	}
	d.b = d.b[n:]
	if v < int64(lo) || v > int64(hi) {
		d.err = fmt.Errorf("%s = %d out of range [%d, %d]", what, v, lo, hi)
		return lo
	}
	return int(v)
}

// fail records err unless an earlier failure is already kept.
func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
}

func (d *decoder) bool(what string) bool { return d.int(what, 0, 1) == 1 }

// row reads a grid row (ten bits).
func (d *decoder) row(what string) uint16 { return uint16(d.int(what, 0, int(fullRow))) }

func (e *Env) tag() string { return "minatar/" + e.info.name + "\x00" }

// Snapshot saves the game state, the previous action (for sticky actions) and the random
// stream, so that a restored environment continues exactly as this one.
func (e *Env) Snapshot() ([]byte, error) {
	enc := encoder{b: []byte(e.tag())}
	enc.int(e.last)
	enc.bool(e.terminal)
	e.g.encode(&enc)
	out, err := e.src.AppendBinary(enc.b)
	if err != nil {
		return nil, fmt.Errorf("minatar %s: snapshot: %w", e.info.name, err)
	}
	return out, nil
}

// Restore restores a state saved by Snapshot of the same game. A snapshot that does not
// decode leaves the environment as it was.
func (e *Env) Restore(state []byte) error {
	if err := e.restore(state); err != nil {
		return fmt.Errorf("minatar %s: restore: %w", e.info.name, err)
	}
	return nil
}

func (e *Env) restore(state []byte) error {
	tag := e.tag()
	if len(state) < len(tag) || string(state[:len(tag)]) != tag {
		return errors.New("not a snapshot of this game")
	}
	d := decoder{b: state[len(tag):]}
	last := d.int("previous action", 0, numFullActions-1)
	terminal := d.bool("terminal")
	g := e.info.newGame(e.ramping)
	g.decode(&d)
	if d.err != nil {
		return d.err
	}
	var src rand.PCG
	if err := src.UnmarshalBinary(d.b); err != nil {
		return fmt.Errorf("random stream: %w", err)
	}
	e.g, e.last, e.terminal = g, last, terminal
	*e.src = src
	e.observe()
	return nil
}
