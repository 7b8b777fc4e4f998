package nn

import (
	"fmt"
	"math/rand/v2"
)

// maxRank is the largest tensor rank the broadcasting and permutation code handles.
const maxRank = 6

// Tensor is a dense row-major float32 array. Data holds the values; Grad, when non-nil,
// has the same length and receives gradients during Tape.Backward. A tensor takes part in
// differentiation exactly when its Grad is non-nil: parameters have one, inputs do not.
//
// Tensors returned by Tape operations belong to the tape: their storage is reused after
// Tape.Reset, so copy out anything that must outlive the step.
type Tensor struct {
	Shape []int
	Data  []float32
	Grad  []float32

	// Storage owned by a tape; Data/Grad may point elsewhere for views.
	buf, gbuf []float32
}

// New returns a zero tensor of the given shape that takes no gradient.
func New(shape ...int) *Tensor {
	n := shapeSize(shape)
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// NewParam returns a zero tensor of the given shape with a gradient buffer.
func NewParam(shape ...int) *Tensor {
	t := New(shape...)
	t.Grad = make([]float32, len(t.Data))
	return t
}

// FromData wraps data (not copied) as a tensor of the given shape that takes no gradient.
func FromData(data []float32, shape ...int) (*Tensor, error) {
	if n := shapeSize(shape); n != len(data) {
		return nil, fmt.Errorf("nn.FromData: shape %v needs %d values, got %d", shape, n, len(data))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}, nil
}

// RequireGrad gives t a zeroed gradient buffer if it has none, and returns t.
func (t *Tensor) RequireGrad() *Tensor {
	if t.Grad == nil {
		t.Grad = make([]float32, len(t.Data))
	}
	return t
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Rank is the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// Rows and Cols view the tensor as a matrix whose columns are the last dimension.
func (t *Tensor) Rows() int {
	if len(t.Shape) == 0 {
		return 1
	}
	c := t.Shape[len(t.Shape)-1]
	if c == 0 {
		return 0
	}
	return len(t.Data) / c
}

// Cols is the size of the last dimension (1 for a scalar).
func (t *Tensor) Cols() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[len(t.Shape)-1]
}

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 { return t.Data[0] }

// ZeroGrad clears the gradient buffer, if any.
func (t *Tensor) ZeroGrad() { clear(t.Grad) }

// Clone returns a deep copy (with a gradient buffer if t has one) not owned by any tape.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
	if t.Grad != nil {
		c.Grad = append([]float32(nil), t.Grad...)
	}
	return c
}

// Fill sets every element to v.
func (t *Tensor) Fill(v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

// FillNormal sets every element to a draw from N(0, std²).
func (t *Tensor) FillNormal(rng *rand.Rand, std float64) {
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64() * std)
	}
}

// FillUniform sets every element to a draw from U(lo, hi).
func (t *Tensor) FillUniform(rng *rand.Rand, lo, hi float64) {
	for i := range t.Data {
		t.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
}

// SameShape reports whether t and u have identical shapes.
func (t *Tensor) SameShape(u *Tensor) bool { return sameShape(t.Shape, u.Shape) }

func (t *Tensor) String() string {
	if len(t.Data) <= 16 {
		return fmt.Sprintf("Tensor%v%v", t.Shape, t.Data)
	}
	return fmt.Sprintf("Tensor%v[%v ...]", t.Shape, t.Data[:16])
}

func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
