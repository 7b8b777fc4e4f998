package env

// Batcher is implemented by environments that a Vector can step several at a time, with
// one call for a group of them: gym: environments, whose Python worker processes host
// several environments each and step them all with one message.
//
// A Vector whose sub-environments are all Batchers, unwrapped (a wrapper's own Step must
// run), calls Batch once on the first of them when it is made, with all of them and the
// Vector's workers setting as groups; it then steps the returned batches instead of the
// environments, each batch a contiguous run of the sub-environments in order (batch 0 the
// first Len of them, and so on). Batch returns no batches (and no error) when the
// environments cannot be grouped; the Vector then steps them one by one.
type Batcher interface {
	Batch(envs []Env, groups int) ([]EnvBatch, error)
}

// EnvBatch steps a contiguous run of a Vector's sub-environments together, with the
// Vector's same-step autoreset: where an episode ends, obs holds the first observation of
// the next episode and finalObs the last of the one that ended. Results equal those of
// stepping each environment in turn, resetting it where its episode ended.
//
// StartStep sends the step and returns at once, so that the Vector starts every batch
// before it waits for any (batches in other processes step side by side); FinishStep
// waits for the outcome and writes it into the destinations, one row or value per
// environment of the batch. A batch whose environments failed beyond recovery reports
// each as terminated with zero observations; their Failure says why.
type EnvBatch interface {
	Len() int
	StartStep(actions [][]float64)
	FinishStep(obs, finalObs [][]float64, rewards []float64, terminated, truncated []bool)
}
