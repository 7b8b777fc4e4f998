package nn

// bcast describes a NumPy-style broadcast of two operands: the output shape and, for each
// output dimension, the element stride of each operand (0 where it is stretched).
type bcast struct {
	outShape [maxRank]int
	outRank  int
	// Iteration form after merging contiguous dimensions.
	shape, sa, sb [maxRank]int
	rank          int
}

func (bc *bcast) init(a, b []int) bool {
	r := max(len(a), len(b))
	if r > maxRank {
		return false
	}
	bc.outRank = r
	sta, stb := 1, 1
	for i := 1; i <= r; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		d := da
		switch {
		case da == db:
		case da == 1:
			d = db
		case db == 1:
		default:
			return false
		}
		k := r - i
		bc.outShape[k] = d
		bc.shape[k] = d
		bc.sa[k], bc.sb[k] = 0, 0
		if da != 1 || d == 1 {
			bc.sa[k] = sta
		}
		if db != 1 || d == 1 {
			bc.sb[k] = stb
		}
		sta *= da
		stb *= db
	}
	bc.rank = r
	return true
}

// simplify drops size-1 dimensions and merges neighbours that are contiguous in both
// operands, so that the inner loop runs as long as possible.
func (bc *bcast) simplify() {
	var shape, sa, sb [maxRank]int
	n := 0
	for k := 0; k < bc.rank; k++ {
		if bc.shape[k] == 1 {
			continue
		}
		if n > 0 && sa[n-1] == bc.sa[k]*bc.shape[k] && sb[n-1] == bc.sb[k]*bc.shape[k] {
			shape[n-1] *= bc.shape[k]
			sa[n-1], sb[n-1] = bc.sa[k], bc.sb[k]
			continue
		}
		shape[n], sa[n], sb[n] = bc.shape[k], bc.sa[k], bc.sb[k]
		n++
	}
	if n == 0 {
		shape[0], sa[0], sb[0] = 1, 1, 1
		n = 1
	}
	bc.shape, bc.sa, bc.sb, bc.rank = shape, sa, sb, n
}

// run calls f for each run of the innermost dimension with the output offset, the
// operands' offsets, the run length and the operands' inner strides.
func (bc *bcast) run(f func(o, ia, ib, n, sa, sb int)) {
	r := bc.rank
	inner := bc.shape[r-1]
	total := 1
	for k := 0; k < r; k++ {
		total *= bc.shape[k]
	}
	if total == 0 {
		return
	}
	var idx [maxRank]int
	ia, ib := 0, 0
	for o := 0; o < total; o += inner {
		f(o, ia, ib, inner, bc.sa[r-1], bc.sb[r-1])
		for k := r - 2; k >= 0; k-- {
			idx[k]++
			ia += bc.sa[k]
			ib += bc.sb[k]
			if idx[k] < bc.shape[k] {
				break
			}
			ia -= bc.sa[k] * bc.shape[k]
			ib -= bc.sb[k] * bc.shape[k]
			idx[k] = 0
		}
	}
}
