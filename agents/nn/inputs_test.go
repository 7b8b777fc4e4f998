package nn

import "testing"

// Fill converts rows to float32, reuses the tensor of a batch size, and allocates
// nothing for a size it has seen.
func TestInputsFill(t *testing.T) {
	in := Inputs{Dim: 2}
	x := in.Fill([][]float64{{1, 2.5}, {-3, 4}})
	if x.Shape[0] != 2 || x.Shape[1] != 2 || x.Data[0] != 1 || x.Data[1] != 2.5 || x.Data[2] != -3 || x.Data[3] != 4 {
		t.Fatalf("filled %v %v", x.Shape, x.Data)
	}
	rows := [][]float64{{5, 6}, {7, 8}}
	if y := in.Fill(rows); y != x || y.Data[3] != 8 {
		t.Fatal("a second batch of the same size did not reuse the tensor")
	}
	if z := in.Fill([][]float64{{9, 10}}); z == x || z.Shape[0] != 1 {
		t.Fatal("a batch of another size shares the tensor")
	}
	if n := testing.AllocsPerRun(100, func() { in.Fill(rows) }); n != 0 {
		t.Fatalf("Fill of a known size allocates %g times", n)
	}
}
