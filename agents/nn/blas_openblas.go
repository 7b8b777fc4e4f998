//go:build openblas

package nn

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// Backend names the BLAS implementation behind matrix products: "gonum" (pure Go, the
// default) or "openblas" (cgo, selected with the build tag openblas).
const Backend = "openblas"

var backend blas.Float32 = netlib.Implementation{}
