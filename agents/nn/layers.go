package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Activation names an elementwise nonlinearity used between layers.
type Activation uint8

// Activations.
const (
	Identity Activation = iota
	Tanh
	ReLU
	GELU
	Sigmoid
)

// Apply returns the activation of x.
func (a Activation) Apply(t *Tape, x *Tensor) *Tensor {
	switch a {
	case Tanh:
		return t.Tanh(x)
	case ReLU:
		return t.ReLU(x)
	case GELU:
		return t.GELU(x)
	case Sigmoid:
		return t.Sigmoid(x)
	}
	return x
}

func (a Activation) String() string {
	switch a {
	case Identity:
		return "identity"
	case Tanh:
		return "tanh"
	case ReLU:
		return "relu"
	case GELU:
		return "gelu"
	case Sigmoid:
		return "sigmoid"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Linear is an affine layer y = x·W + B with W [in, out] and B [out].
type Linear struct {
	W, B *Tensor
}

// NewLinear returns a Linear layer with weights from init (nil means Orthogonal(√2), the
// CleanRL default for hidden layers) and zero bias.
func NewLinear(rng *rand.Rand, in, out int, init Init) *Linear {
	if init == nil {
		init = Orthogonal(math.Sqrt2)
	}
	l := &Linear{W: NewParam(in, out), B: NewParam(out)}
	init(rng, l.W)
	return l
}

// Forward returns x·W + B for x [..., in].
func (l *Linear) Forward(t *Tape, x *Tensor) *Tensor { return t.Linear(x, l.W, l.B) }

// Register adds the layer's parameters to ps as prefix.w and prefix.b.
func (l *Linear) Register(ps *Params, prefix string) {
	ps.Add(prefix+".w", l.W)
	ps.Add(prefix+".b", l.B)
}

// MLP is a stack of Linear layers with Act between them and OutAct after the last.
type MLP struct {
	Layers []*Linear
	Act    Activation
	OutAct Activation
}

// NewMLP builds an MLP with layer sizes sizes[0] → … → sizes[n]. Each layer's weight is
// orthogonal with gains[i] (as CleanRL's layer_init: typically √2 for hidden layers, 0.01
// for a policy head, 1 for a value head) and its bias is zero. gains == nil means √2 for
// hidden layers and 1 for the last.
func NewMLP(rng *rand.Rand, sizes []int, act Activation, gains []float64) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("nn.NewMLP: need at least two sizes, got %v", sizes)
	}
	for _, s := range sizes {
		if s <= 0 {
			return nil, fmt.Errorf("nn.NewMLP: sizes must be positive, got %v", sizes)
		}
	}
	nl := len(sizes) - 1
	if gains != nil && len(gains) != nl {
		return nil, fmt.Errorf("nn.NewMLP: %d gains for %d layers", len(gains), nl)
	}
	m := &MLP{Act: act}
	for i := 0; i < nl; i++ {
		g := math.Sqrt2
		if gains != nil {
			g = gains[i]
		} else if i == nl-1 {
			g = 1
		}
		m.Layers = append(m.Layers, NewLinear(rng, sizes[i], sizes[i+1], Orthogonal(g)))
	}
	return m, nil
}

// Forward applies the network to x [..., sizes[0]].
func (m *MLP) Forward(t *Tape, x *Tensor) *Tensor {
	for i, l := range m.Layers {
		x = l.Forward(t, x)
		if i < len(m.Layers)-1 {
			x = m.Act.Apply(t, x)
		} else {
			x = m.OutAct.Apply(t, x)
		}
	}
	return x
}

// Register adds all layers' parameters as prefix.0.w, prefix.0.b, prefix.1.w, ...
func (m *MLP) Register(ps *Params, prefix string) {
	for i, l := range m.Layers {
		l.Register(ps, fmt.Sprintf("%s.%d", prefix, i))
	}
}

// LayerNorm normalises over the last axis with a learned gain (init 1) and bias (init 0).
type LayerNorm struct {
	Gain, Bias *Tensor
	Eps        float32 // 0 means 1e-5 (PyTorch's default)
}

// NewLayerNorm returns a LayerNorm over rows of width n.
func NewLayerNorm(n int) *LayerNorm {
	ln := &LayerNorm{Gain: NewParam(n), Bias: NewParam(n)}
	ln.Gain.Fill(1)
	return ln
}

// Forward normalises x [..., n].
func (l *LayerNorm) Forward(t *Tape, x *Tensor) *Tensor {
	eps := l.Eps
	if eps == 0 {
		eps = 1e-5
	}
	return t.LayerNorm(x, l.Gain, l.Bias, eps)
}

// Register adds prefix.gain and prefix.bias.
func (l *LayerNorm) Register(ps *Params, prefix string) {
	ps.Add(prefix+".gain", l.Gain)
	ps.Add(prefix+".bias", l.Bias)
}

// Embedding maps integer ids to rows of a table [N, D].
type Embedding struct {
	Table *Tensor
}

// NewEmbedding returns an N×D table drawn from N(0, 1) (PyTorch's default).
func NewEmbedding(rng *rand.Rand, n, d int) *Embedding {
	e := &Embedding{Table: NewParam(n, d)}
	e.Table.FillNormal(rng, 1)
	return e
}

// Forward returns the rows for ids, shape [len(ids), D].
func (e *Embedding) Forward(t *Tape, ids []int) *Tensor { return t.IndexRows(e.Table, ids) }

// Register adds prefix.table.
func (e *Embedding) Register(ps *Params, prefix string) { ps.Add(prefix+".table", e.Table) }
