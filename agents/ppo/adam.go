package ppo

import "gorl/agents/nn"

// marshalAdam and unmarshalAdam save and restore the optimiser's state.
// TODO(nn request): agents/nn's Adam does not expose its moments yet; until it does,
// checkpoints do not hold them and a resumed run restarts Adam's moments.
// adamStateSaved reports whether checkpoints hold the optimiser state.
const adamStateSaved = false

func marshalAdam(o *nn.Adam) ([]byte, error) { return nil, nil }

func unmarshalAdam(o *nn.Adam, b []byte) error { return nil }
