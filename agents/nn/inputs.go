package nn

// Inputs copies batches of float64 rows (observations) into float32 tensors that it
// keeps, one per batch size, so that filling a batch of a size seen before allocates
// nothing.
type Inputs struct {
	Dim    int // values per row
	byRows map[int]*Tensor
}

// Fill copies rows into the [len(rows), Dim] tensor for that batch size and returns it;
// the tensor is overwritten by the next Fill of the same size.
func (in *Inputs) Fill(rows [][]float64) *Tensor {
	x, ok := in.byRows[len(rows)]
	if !ok {
		if in.byRows == nil {
			in.byRows = map[int]*Tensor{}
		}
		x = New(len(rows), in.Dim)
		in.byRows[len(rows)] = x
	}
	for i, r := range rows {
		dst := x.Data[i*in.Dim : (i+1)*in.Dim]
		for j, v := range r {
			dst[j] = float32(v)
		}
	}
	return x
}
