//go:build !openblas

package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Backend names the BLAS implementation behind matrix products: "gonum" (pure Go, the
// default) or "openblas" (cgo, selected with the build tag openblas).
const Backend = "gonum"

var backend blas.Float32 = gonum.Implementation{}
