package nn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Params is an ordered set of named parameter tensors: what an optimiser updates, what a
// checkpoint stores, and what target networks copy.
type Params struct {
	names   []string
	tensors []*Tensor
}

// Add appends a named tensor (giving it a gradient buffer if it has none).
func (p *Params) Add(name string, t *Tensor) {
	t.RequireGrad()
	p.names = append(p.names, name)
	p.tensors = append(p.tensors, t)
}

// Len is the number of tensors.
func (p *Params) Len() int { return len(p.tensors) }

// Names returns the tensor names in order (do not modify).
func (p *Params) Names() []string { return p.names }

// Tensors returns the tensors in order (do not modify the slice).
func (p *Params) Tensors() []*Tensor { return p.tensors }

// Get returns the tensor with the given name, or nil.
func (p *Params) Get(name string) *Tensor {
	for i, n := range p.names {
		if n == name {
			return p.tensors[i]
		}
	}
	return nil
}

// NumElements is the total number of scalars.
func (p *Params) NumElements() int {
	n := 0
	for _, t := range p.tensors {
		n += t.Len()
	}
	return n
}

// ZeroGrad clears every gradient.
func (p *Params) ZeroGrad() {
	for _, t := range p.tensors {
		clear(t.Grad)
	}
}

// GradNorm returns the global L2 norm of all gradients.
func (p *Params) GradNorm() float64 {
	var s float64
	for _, t := range p.tensors {
		for _, g := range t.Grad {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// Flatten copies all values, tensor after tensor, into dst (grown to NumElements) and
// returns it: the parameter vector that evolution strategies perturb.
func (p *Params) Flatten(dst []float32) []float32 {
	n := p.NumElements()
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	off := 0
	for _, t := range p.tensors {
		off += copy(dst[off:], t.Data)
	}
	return dst
}

// SetFlat copies a vector laid out as by Flatten into the tensors.
func (p *Params) SetFlat(src []float32) error {
	if n := p.NumElements(); len(src) != n {
		return fmt.Errorf("nn.SetFlat: %d values for %d parameters", len(src), n)
	}
	off := 0
	for _, t := range p.tensors {
		off += copy(t.Data, src[off:])
	}
	return nil
}

// FlattenGrad copies all gradients into dst (grown to NumElements) and returns it.
func (p *Params) FlattenGrad(dst []float32) []float32 {
	n := p.NumElements()
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	off := 0
	for _, t := range p.tensors {
		off += copy(dst[off:], t.Grad)
	}
	return dst
}

func (p *Params) checkLike(src *Params, op string) error {
	if len(src.tensors) != len(p.tensors) {
		return fmt.Errorf("nn.%s: %d tensors, source has %d", op, len(p.tensors), len(src.tensors))
	}
	for i, t := range p.tensors {
		if !t.SameShape(src.tensors[i]) {
			return fmt.Errorf("nn.%s: tensor %d (%s) has shape %v, source (%s) %v",
				op, i, p.names[i], t.Shape, src.names[i], src.tensors[i].Shape)
		}
	}
	return nil
}

// CopyFrom copies src's values into p (same number, order and shapes of tensors).
func (p *Params) CopyFrom(src *Params) error {
	if err := p.checkLike(src, "CopyFrom"); err != nil {
		return err
	}
	for i, t := range p.tensors {
		copy(t.Data, src.tensors[i].Data)
	}
	return nil
}

// SoftUpdate moves p towards src: p ← τ·src + (1−τ)·p (Polyak averaging for target networks).
func (p *Params) SoftUpdate(src *Params, tau float32) error {
	if err := p.checkLike(src, "SoftUpdate"); err != nil {
		return err
	}
	for i, t := range p.tensors {
		polyak(t.Data, src.tensors[i].Data, tau)
	}
	return nil
}

// Checkpoint file format, version 1 (little-endian):
//
//	magic "gorl-nn\n" | u32 version | u32 count
//	count × { u32 len(name) | name | u32 rank | rank × u32 dim | dims' product × f32 }
//	u32 CRC-32 (IEEE) of all preceding bytes
const (
	ckptMagic   = "gorl-nn\n"
	ckptVersion = 1
)

// WriteTo writes the parameters in the checkpoint format.
func (p *Params) WriteTo(w io.Writer) (int64, error) {
	seen := make(map[string]bool, len(p.names))
	for _, n := range p.names {
		if seen[n] {
			return 0, fmt.Errorf("write checkpoint: parameter name %q used twice", n)
		}
		seen[n] = true
	}
	var buf bytes.Buffer
	buf.WriteString(ckptMagic)
	u32 := func(v int) { _ = binary.Write(&buf, binary.LittleEndian, uint32(v)) }
	u32(ckptVersion)
	u32(len(p.tensors))
	for i, t := range p.tensors {
		u32(len(p.names[i]))
		buf.WriteString(p.names[i])
		u32(t.Rank())
		for _, d := range t.Shape {
			u32(d)
		}
		b := make([]byte, 4*t.Len())
		for j, v := range t.Data {
			binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(v))
		}
		buf.Write(b)
	}
	u32(int(crc32.ChecksumIEEE(buf.Bytes())))
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ReadFrom reads a checkpoint into p. Every tensor in the file must exist in p under the
// same name and shape and vice versa; on any error p is left unchanged.
func (p *Params) ReadFrom(r io.Reader) (int64, error) {
	data, err := io.ReadAll(r)
	n := int64(len(data))
	if err != nil {
		return n, fmt.Errorf("read checkpoint: %w", err)
	}
	if len(data) < len(ckptMagic)+12 || string(data[:len(ckptMagic)]) != ckptMagic {
		return n, errors.New("not a gorl nn checkpoint (bad magic)")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return n, errors.New("checkpoint corrupt (checksum mismatch)")
	}
	rd := bytes.NewReader(body[len(ckptMagic):])
	var u32 func() (int, error) = func() (int, error) {
		var v uint32
		err := binary.Read(rd, binary.LittleEndian, &v)
		return int(v), err
	}
	ver, _ := u32()
	if ver != ckptVersion {
		return n, fmt.Errorf("checkpoint version %d not supported (want %d)", ver, ckptVersion)
	}
	count, err := u32()
	if err != nil {
		return n, fmt.Errorf("checkpoint truncated: %w", err)
	}
	if count != len(p.tensors) {
		return n, fmt.Errorf("checkpoint has %d tensors, model has %d", count, len(p.tensors))
	}
	vals := make([][]float32, len(p.tensors))
	for k := 0; k < count; k++ {
		ln, err := u32()
		if err != nil || ln > rd.Len() {
			return n, fmt.Errorf("checkpoint truncated in tensor %d", k)
		}
		name := make([]byte, ln)
		_, _ = io.ReadFull(rd, name)
		i := -1
		for j, nm := range p.names {
			if nm == string(name) {
				i = j
				break
			}
		}
		if i < 0 {
			return n, fmt.Errorf("checkpoint tensor %q not in model", name)
		}
		if vals[i] != nil {
			return n, fmt.Errorf("checkpoint tensor %q repeated", name)
		}
		rank, err := u32()
		if err != nil || rank > maxRank {
			return n, fmt.Errorf("checkpoint tensor %q: bad rank", name)
		}
		shape := make([]int, rank)
		for d := range shape {
			if shape[d], err = u32(); err != nil {
				return n, fmt.Errorf("checkpoint tensor %q truncated", name)
			}
		}
		if !sameShape(shape, p.tensors[i].Shape) {
			return n, fmt.Errorf("checkpoint tensor %q has shape %v, model %v", name, shape, p.tensors[i].Shape)
		}
		sz := shapeSize(shape)
		if 4*sz > rd.Len() {
			return n, fmt.Errorf("checkpoint tensor %q truncated", name)
		}
		b := make([]byte, 4*sz)
		_, _ = io.ReadFull(rd, b)
		v := make([]float32, sz)
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
		vals[i] = v
	}
	if rd.Len() != 0 {
		return n, errors.New("checkpoint has trailing bytes")
	}
	for i, v := range vals {
		copy(p.tensors[i].Data, v)
	}
	return n, nil
}

// Save writes a checkpoint atomically: a temporary file in the same directory is written,
// synced and renamed over path.
func (p *Params) Save(path string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("save parameters %q: %w", path, err)
	}
	tmp := f.Name()
	bw := bufio.NewWriter(f)
	_, err = p.WriteTo(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save parameters %q: %w", path, err)
	}
	return nil
}

// Load reads a checkpoint written by Save into p.
func (p *Params) Load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load parameters %q: %w", path, err)
	}
	defer f.Close()
	if _, err := p.ReadFrom(bufio.NewReader(f)); err != nil {
		return fmt.Errorf("load parameters %q: %w", path, err)
	}
	return nil
}
