package nn

import (
	"errors"
	"fmt"
)

// Tape records operations as they run (define-by-run) so that Backward can apply the
// chain rule in reverse. A training step is: Reset, forward ops, Backward, optimiser step.
// Reset keeps all node and tensor storage, so once the shapes of a step are known the
// same step allocates nothing.
//
// Shape errors do not panic: the first one is kept (see Err), later operations return a
// placeholder, and Backward returns the error.
type Tape struct {
	// NoGrad turns recording off (inference, e.g. acting in an environment): outputs take
	// no gradient and nothing is kept for Backward, which saves time and memory.
	NoGrad bool

	// Workers > 1 lets large matrix products (and batches of small ones) use that many
	// goroutines; results are bit for bit those of one goroutine. 0 or 1: one.
	Workers int

	nodes []node
	done  bool // Backward has run since the last Reset

	pool  []*Tensor // output tensors, reused in order after Reset
	npool int
	fbuf  [][]float32 // scratch float buffers saved for the backward pass
	nf    int
	ibuf  [][]int // scratch index buffers
	ni    int
	tbuf  [][]*Tensor // input lists of n-ary ops
	nt    int

	err  error
	dead *Tensor
	ws   gemmWS
}

// NewTape returns an empty tape.
func NewTape() *Tape { return &Tape{} }

// Reset forgets the recorded operations and makes all tape-owned tensors reusable. It
// keeps the first error only until the next Reset.
func (t *Tape) Reset() {
	t.ws.setWorkers(t.Workers)
	t.nodes = t.nodes[:0]
	t.npool, t.nf, t.ni, t.nt = 0, 0, 0, 0
	t.err = nil
	t.done = false
}

// Err returns the first shape or usage error since the last Reset.
func (t *Tape) Err() error { return t.err }

// Len is the number of recorded (differentiable) operations.
func (t *Tape) Len() int { return len(t.nodes) }

func (t *Tape) fail(op string, format string, args ...any) *Tensor {
	if t.err == nil {
		t.err = fmt.Errorf("nn.%s: %s", op, fmt.Sprintf(format, args...))
	}
	return t.placeholder()
}

func (t *Tape) placeholder() *Tensor {
	if t.dead == nil {
		t.dead = &Tensor{Shape: []int{1}, Data: make([]float32, 1)}
	}
	return t.dead
}

// alloc returns a tape-owned tensor of the given shape. Its Data is not cleared; its Grad
// is a zeroed buffer when grad is true and nil otherwise.
func (t *Tape) alloc(grad bool, shape ...int) *Tensor {
	if t.npool == len(t.pool) {
		t.pool = append(t.pool, &Tensor{})
	}
	x := t.pool[t.npool]
	t.npool++
	x.Shape = append(x.Shape[:0], shape...)
	n := shapeSize(shape)
	if cap(x.buf) < n {
		x.buf = make([]float32, n)
	}
	x.Data = x.buf[:n]
	if grad {
		if cap(x.gbuf) < n {
			x.gbuf = make([]float32, n)
		}
		x.Grad = x.gbuf[:n]
		clear(x.Grad)
	} else {
		x.Grad = nil
	}
	return x
}

// allocLike is alloc with the shape of a.
func (t *Tape) allocLike(grad bool, a *Tensor) *Tensor {
	return t.alloc(grad, a.Shape...)
}

// floats returns a scratch buffer of length n owned by the tape (contents undefined).
func (t *Tape) floats(n int) []float32 {
	if t.nf == len(t.fbuf) {
		t.fbuf = append(t.fbuf, nil)
	}
	b := t.fbuf[t.nf]
	if cap(b) < n {
		b = make([]float32, n)
		t.fbuf[t.nf] = b
	}
	t.nf++
	return b[:n]
}

// ints returns a copy of idx in tape-owned storage.
func (t *Tape) ints(idx []int) []int {
	if t.ni == len(t.ibuf) {
		t.ibuf = append(t.ibuf, nil)
	}
	b := t.ibuf[t.ni]
	if cap(b) < len(idx) {
		b = make([]int, len(idx))
		t.ibuf[t.ni] = b
	}
	t.ni++
	b = b[:len(idx)]
	copy(b, idx)
	return b
}

// intsN returns a tape-owned index buffer of length n (contents undefined).
func (t *Tape) intsN(n int) []int {
	if t.ni == len(t.ibuf) {
		t.ibuf = append(t.ibuf, nil)
	}
	b := t.ibuf[t.ni]
	if cap(b) < n {
		b = make([]int, n)
		t.ibuf[t.ni] = b
	}
	t.ni++
	return b[:n]
}

// tensors returns a copy of xs in tape-owned storage.
func (t *Tape) tensors(xs []*Tensor) []*Tensor {
	if t.nt == len(t.tbuf) {
		t.tbuf = append(t.tbuf, nil)
	}
	b := t.tbuf[t.nt]
	if cap(b) < len(xs) {
		b = make([]*Tensor, len(xs))
		t.tbuf[t.nt] = b
	}
	t.nt++
	b = b[:len(xs)]
	copy(b, xs)
	return b
}

// node is one recorded operation. Fields are used per op kind; see backward.
type node struct {
	op      opKind
	out     *Tensor
	a, b, c *Tensor
	xs      []*Tensor
	i0, i1  int
	i2, i3  int
	f0, f1  float32
	buf     []float32
	idx     []int
	shape   [maxRank]int // broadcasting / permutation metadata
	sa, sb  [maxRank]int
	rank    int
}

// push records a node and returns a pointer to it for filling in.
func (t *Tape) push(op opKind, out *Tensor) *node {
	if len(t.nodes) < cap(t.nodes) {
		t.nodes = t.nodes[:len(t.nodes)+1]
	} else {
		t.nodes = append(t.nodes, node{})
	}
	n := &t.nodes[len(t.nodes)-1]
	*n = node{op: op, out: out}
	return n
}

var errNoGrad = errors.New("loss takes no gradient (no parameter or RequireGrad tensor reaches it)")

// Backward computes the gradient of the scalar loss with respect to every tensor with a
// Grad buffer that was used to compute it, adding into those buffers (parameters
// accumulate across calls until Params.ZeroGrad).
func (t *Tape) Backward(loss *Tensor) error {
	if t.err != nil {
		return t.err
	}
	if loss.Len() != 1 {
		return fmt.Errorf("nn.Backward: loss must have one element, has shape %v", loss.Shape)
	}
	if loss.Grad == nil {
		return fmt.Errorf("nn.Backward: %w", errNoGrad)
	}
	if t.done {
		return errBackwardTwice
	}
	loss.Grad[0] += 1
	t.backward()
	return nil
}

// BackwardFrom back-propagates an arbitrary output gradient dy (same length as y) from y:
// it adds dy to y.Grad and runs the recorded operations in reverse.
func (t *Tape) BackwardFrom(y *Tensor, dy []float32) error {
	if t.err != nil {
		return t.err
	}
	if len(dy) != y.Len() {
		return fmt.Errorf("nn.BackwardFrom: gradient has %d values, output has %d", len(dy), y.Len())
	}
	if y.Grad == nil {
		return fmt.Errorf("nn.BackwardFrom: %w", errNoGrad)
	}
	if t.done {
		return errBackwardTwice
	}
	for i, g := range dy {
		y.Grad[i] += g
	}
	t.backward()
	return nil
}

var errBackwardTwice = errors.New("nn.Backward: the tape was already back-propagated; Reset and run the forward pass again")

func (t *Tape) backward() {
	t.done = true
	for i := len(t.nodes) - 1; i >= 0; i-- {
		t.backwardNode(&t.nodes[i])
	}
}
