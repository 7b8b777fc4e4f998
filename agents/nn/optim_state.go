package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Optimiser state encoding, version 1 (little-endian):
//
//	magic (8 bytes) | u32 version | u64 steps | u32 count |
//	count × { u32 n | n × f32 } | u32 CRC-32 (IEEE) of all preceding bytes
//
// Adam stores its first- then second-moment buffers (2·tensors slices), SGD its momentum
// buffers (0 slices before the first step).
const optStateVersion = 1

func encodeOptState(magic string, steps int, bufs [][]float32) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	var tmp [8]byte
	binary.LittleEndian.PutUint32(tmp[:4], optStateVersion)
	b.Write(tmp[:4])
	binary.LittleEndian.PutUint64(tmp[:], uint64(steps))
	b.Write(tmp[:])
	binary.LittleEndian.PutUint32(tmp[:4], uint32(len(bufs)))
	b.Write(tmp[:4])
	for _, s := range bufs {
		binary.LittleEndian.PutUint32(tmp[:4], uint32(len(s)))
		b.Write(tmp[:4])
		for _, v := range s {
			binary.LittleEndian.PutUint32(tmp[:4], math.Float32bits(v))
			b.Write(tmp[:4])
		}
	}
	binary.LittleEndian.PutUint32(tmp[:4], crc32.ChecksumIEEE(b.Bytes()))
	b.Write(tmp[:4])
	return b.Bytes()
}

func decodeOptState(magic string, data []byte) (steps int, bufs [][]float32, err error) {
	if len(data) < len(magic)+20 || string(data[:len(magic)]) != magic {
		return 0, nil, errors.New("not an optimiser state of this kind (bad magic)")
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return 0, nil, errors.New("optimiser state corrupt (checksum mismatch)")
	}
	p := body[len(magic):]
	if v := binary.LittleEndian.Uint32(p); v != optStateVersion {
		return 0, nil, fmt.Errorf("optimiser state version %d not supported (want %d)", v, optStateVersion)
	}
	steps = int(binary.LittleEndian.Uint64(p[4:]))
	count := int(binary.LittleEndian.Uint32(p[12:]))
	p = p[16:]
	if count > len(p)/4 {
		return 0, nil, errors.New("optimiser state truncated")
	}
	bufs = make([][]float32, count)
	for i := range bufs {
		if len(p) < 4 {
			return 0, nil, errors.New("optimiser state truncated")
		}
		n := int(binary.LittleEndian.Uint32(p))
		p = p[4:]
		if n > len(p)/4 {
			return 0, nil, errors.New("optimiser state truncated")
		}
		s := make([]float32, n)
		for j := range s {
			s[j] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*j:]))
		}
		p = p[4*n:]
		bufs[i] = s
	}
	if len(p) != 0 {
		return 0, nil, errors.New("optimiser state has trailing bytes")
	}
	return steps, bufs, nil
}

const adamMagic = "gorl-adm"

// MarshalBinary encodes the optimiser's step count and moment buffers (not its settings,
// which live in the exported fields and the run's configuration).
func (o *Adam) MarshalBinary() ([]byte, error) {
	bufs := append(append([][]float32(nil), o.m...), o.v...)
	return encodeOptState(adamMagic, o.t, bufs), nil
}

// UnmarshalBinary restores state written by MarshalBinary. The next Step checks that the
// buffers match the parameters.
func (o *Adam) UnmarshalBinary(data []byte) error {
	steps, bufs, err := decodeOptState(adamMagic, data)
	if err != nil {
		return fmt.Errorf("nn.Adam: %w", err)
	}
	if len(bufs)%2 != 0 {
		return fmt.Errorf("nn.Adam: state has %d buffers, want an even number", len(bufs))
	}
	n := len(bufs) / 2
	o.t = steps
	o.m, o.v = bufs[:n:n], bufs[n:]
	if n == 0 {
		o.m, o.v = nil, nil
	}
	return nil
}

const sgdMagic = "gorl-sgd"

// MarshalBinary encodes the momentum buffers.
func (o *SGD) MarshalBinary() ([]byte, error) {
	return encodeOptState(sgdMagic, 0, o.buf), nil
}

// UnmarshalBinary restores state written by MarshalBinary.
func (o *SGD) UnmarshalBinary(data []byte) error {
	_, bufs, err := decodeOptState(sgdMagic, data)
	if err != nil {
		return fmt.Errorf("nn.SGD: %w", err)
	}
	o.buf = bufs
	if len(bufs) == 0 {
		o.buf = nil
	}
	return nil
}
