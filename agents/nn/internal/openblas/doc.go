// Package openblas links OpenBLAS (libopenblas-dev) for the nn package's openblas build
// tag and exposes its single-precision GEMM. Without the tag it is empty.
package openblas
