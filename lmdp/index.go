package lmdp

import "math"

// beliefScale quantises beliefs for merging: two beliefs are the same point when every
// component agrees after rounding to a multiple of 2^-40 (about 1e-12). Different
// histories that lead to the same posterior (up to floating-point rounding) then share a
// node, which keeps reachable-belief sets finite when the model's likelihood ratios
// repeat (the true models of the families). PBVI.Resolution sets a coarser scale.
const beliefScale = 1 << 40

// keyIndex maps fixed-width integer keys to dense ids (open addressing over a Go map,
// collisions resolved by comparing the stored keys).
type keyIndex struct {
	width int
	slots map[uint64]int32
	keys  []int64 // id*width .. (id+1)*width
}

func newKeyIndex(width, capHint int) keyIndex {
	return keyIndex{width: width, slots: make(map[uint64]int32, capHint), keys: make([]int64, 0, capHint*width)}
}

func (x *keyIndex) len() int { return len(x.keys) / x.width }

func hashKey(k []int64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, v := range k {
		h ^= uint64(v)
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 29
	}
	return h
}

func (x *keyIndex) equal(id int32, k []int64) bool {
	o := int(id) * x.width
	for i, v := range k {
		if x.keys[o+i] != v {
			return false
		}
	}
	return true
}

// find returns the id of k, or -1.
func (x *keyIndex) find(k []int64) int32 {
	for h := hashKey(k); ; h++ {
		id, ok := x.slots[h]
		if !ok {
			return -1
		}
		if x.equal(id, k) {
			return id
		}
	}
}

// findOrAdd returns the id of k, adding it with the next id when absent and allowed.
// added reports a new key; id is -1 when k is absent and add is false.
func (x *keyIndex) findOrAdd(k []int64, add bool) (id int32, added bool) {
	h := hashKey(k)
	for ; ; h++ {
		id, ok := x.slots[h]
		if !ok {
			break
		}
		if x.equal(id, k) {
			return id, false
		}
	}
	if !add {
		return -1, false
	}
	id = int32(x.len())
	x.slots[h] = id
	x.keys = append(x.keys, k...)
	return id, true
}

// beliefKey writes the key of (tag values..., belief rounded at beliefScale) into dst.
func beliefKey(dst []int64, b []float64, tags ...int64) {
	quantize(dst, b, beliefScale, tags...)
}

// quantize writes the key of (tag values..., belief) into dst. At beliefScale the key is
// the belief rounded to multiples of 2^-40. A coarser scale rounds log-beliefs instead:
// key_m = round(scale ln(b_m / max b)), floored at -logFloor scale (0 stays a separate
// key), and snaps b to the rounded belief, renormalised. Rounding logs keeps a small
// belief small instead of turning it into 0, which would rule a context out for good;
// and because the policy then remembers the rounded belief itself, two histories with
// one key act alike from there on and exact evaluation may merge them (a finite-memory
// policy).
func quantize(dst []int64, b []float64, scale float64, tags ...int64) {
	n := copy(dst, tags)
	if scale >= beliefScale {
		for m, v := range b {
			dst[n+m] = int64(math.Round(v * beliefScale))
		}
		return
	}
	top := 0.0
	for _, v := range b {
		top = max(top, v)
	}
	if !(top > 0) {
		return
	}
	sum := 0.0
	for m, v := range b {
		if v <= 0 {
			dst[n+m], b[m] = math.MinInt64, 0
			continue
		}
		k := math.Round(scale * max(math.Log(v/top), -logFloor))
		dst[n+m] = int64(k)
		b[m] = math.Exp(k / scale)
		sum += b[m]
	}
	for m := range b {
		b[m] /= sum
	}
}

// logFloor bounds how unlikely, relative to the likeliest context, a rounded belief
// keeps a context: e^-40.
const logFloor = 40
