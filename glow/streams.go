package glow

// The random streams of one experiment seed, one id each (env.DeriveSeed, env.NewRand),
// so that no two parts of a run draw from the same stream.
const (
	streamOnline          = 1 // the online environment's episodes
	streamOffline         = 2 // generated offline tuples
	streamEval            = 3 // the evaluation environment
	streamQLearning       = 4 // Q-learning's exploration
	streamModelClass      = 5 // the order of a sampled model class
	streamIncompleteClass = 6 // the order of lock/incomplete's class
	streamTies            = 7 // MABO.CR's draws among tied minimisers
	streamNeural          = 8 // the neural class's initialisation and minibatches
)
