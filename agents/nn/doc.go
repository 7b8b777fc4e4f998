// Package nn is gorl's neural-network library: float32 tensors, a define-by-run tape for
// reverse-mode automatic differentiation, layers, initialisers, optimisers, action
// distributions and parameter checkpoints.
//
// # Tensors and the tape
//
// A Tensor is a row-major float32 array with a Shape. It takes part in differentiation
// when its Grad is non-nil: parameters (NewParam, or anything added to a Params) have a
// gradient buffer, inputs (New, FromData) do not. Operations are methods of a Tape, which
// computes the result at once and, when any input has a gradient, records the step:
//
//	y := t.Tanh(t.Linear(x, w, b)) // x·w + b, w is [in, out]
//
// Tape.Backward(loss) then adds dloss/dθ into every reachable Grad. Tape.Reset forgets the
// recording but keeps all storage: the k-th operation after a Reset reuses the buffers of
// the k-th operation before it, so a training step with fixed shapes allocates nothing
// after its first run. Tensors returned by the tape are only valid until the next Reset.
// Shape errors never panic: the tape keeps the first error (Tape.Err) and Backward
// returns it.
//
// Operations: MatMul/MatMulT (with transposes), BatchMatMul, Linear; broadcasting Add,
// Sub, Mul, Div, Minimum, Maximum; Where; Tanh, ReLU, GELU, Sigmoid, Exp, Log, Sqrt,
// Square, Pow, Clamp, Abs, Softplus, Scale, Neg, AddScalar; Sum, Mean, SumAxis, MeanAxis,
// MaxAxis, MinAxis, Norm; Softmax, LogSoftmax, LayerNorm (over the last axis); Gather, IndexRows, Concat,
// Slice, Reshape, Detach, Transpose, Permute.
//
// # Layers, optimisers, distributions, checkpoints
//
// Linear, MLP, LayerNorm, Embedding and MultiHeadAttention (with an additive bias and a
// mask) hold parameter tensors and add them to a Params
// with Register. Initialisers: Orthogonal (with gain, as CleanRL's layer_init),
// XavierUniform/Normal, KaimingUniform/Normal, Zeros. Adam (AdamW with Decoupled) and SGD
// update a Params; ClipGradNorm clips the global gradient norm; LinearSchedule anneals a
// learning rate. Categorical, DiagGaussian and TanhGaussian give log-probabilities and
// entropies on the tape and sample with a caller's random stream. Params saves to and
// loads from a versioned, checksummed file, supports CopyFrom and SoftUpdate for target
// networks, and Flatten/SetFlat for evolution strategies.
//
// # A training step
//
//	rng := env.NewRand(seed, 0)
//	net, _ := nn.NewMLP(rng, []int{4, 64, 64, 2}, nn.Tanh, nil)
//	ps := &nn.Params{}
//	net.Register(ps, "net")
//	opt := &nn.Adam{LR: 3e-4, Eps: 1e-5}
//	tape := nn.NewTape()
//	for step := 0; step < steps; step++ {
//		tape.Reset()
//		pred := net.Forward(tape, x)                       // x: *nn.Tensor [B, 4]
//		loss := tape.Mean(tape.Square(tape.Sub(pred, y))) // MSE against y [B, 2]
//		ps.ZeroGrad()
//		if err := tape.Backward(loss); err != nil {
//			return err
//		}
//		nn.ClipGradNorm(ps, 0.5)
//		opt.LR = float32(sched.At(step))
//		opt.Step(ps)
//	}
//
// # Matrix products
//
// Matrix products run on a blocked SGEMM with an AVX2/FMA micro-kernel written in Go
// assembly (portable Go where the CPU lacks AVX2/FMA), with no cgo: see gemm.go. Built
// with the tag openblas (go build -tags openblas; needs libopenblas-dev) they go to
// OpenBLAS instead, and with the tag gonumblas to gonum's pure-Go blas32 (a slower
// reference); all agree within float32 rounding. Backend reports which one is compiled
// in. Elementwise hot paths (tanh, exp, Adam) are vectorised the same way.
//
// # Concurrency and inference
//
// A Tape belongs to one goroutine at a time; several tapes may read the same parameters
// concurrently (for example parallel rollout workers) while none updates them. For
// acting, set Tape.NoGrad: nothing is recorded and no gradient buffers are touched.
package nn
