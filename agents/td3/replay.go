package td3

import (
	"fmt"
	"math/rand/v2"
)

// Replay is a preallocated ring buffer of transitions (s, a, r, s', terminated) in
// float32. Once full, each Add overwrites the oldest transition.
type Replay struct {
	ObsDim, ActDim int
	obs, act, next []float32
	rew, done      []float32
	pos, size      int
}

// NewReplay allocates room for capacity transitions.
func NewReplay(capacity, obsDim, actDim int) (*Replay, error) {
	if capacity < 1 || obsDim < 1 || actDim < 1 {
		return nil, fmt.Errorf("replay buffer: capacity %d, obs dim %d, action dim %d must be positive", capacity, obsDim, actDim)
	}
	return &Replay{ObsDim: obsDim, ActDim: actDim,
		obs: make([]float32, capacity*obsDim), next: make([]float32, capacity*obsDim),
		act: make([]float32, capacity*actDim), rew: make([]float32, capacity), done: make([]float32, capacity)}, nil
}

// Len is the number of stored transitions; Cap the capacity.
func (b *Replay) Len() int { return b.size }
func (b *Replay) Cap() int { return len(b.rew) }

// Add stores one transition. act is the normalised action in [-1, 1]; next is the
// observation after the step (the final observation of an episode that ended).
// terminated (a true end, not a time limit) is the only thing that cuts the bootstrap.
func (b *Replay) Add(obs, act []float64, reward float64, next []float64, terminated bool) {
	i := b.pos
	put(b.obs[i*b.ObsDim:(i+1)*b.ObsDim], obs)
	put(b.next[i*b.ObsDim:(i+1)*b.ObsDim], next)
	put(b.act[i*b.ActDim:(i+1)*b.ActDim], act)
	b.rew[i] = float32(reward)
	b.done[i] = 0
	if terminated {
		b.done[i] = 1
	}
	b.pos = (b.pos + 1) % b.Cap()
	if b.size < b.Cap() {
		b.size++
	}
}

func put(dst []float32, src []float64) {
	for j := range dst {
		dst[j] = float32(src[j])
	}
}

// Batch is a sampled minibatch, row-major: Obs and Next [B·obsDim], Act [B·actDim],
// Reward and Done [B].
type Batch struct {
	Obs, Act, Next, Reward, Done []float32
	Index                        []int
}

// NewBatch allocates a batch of n transitions for b.
func (b *Replay) NewBatch(n int) *Batch {
	return &Batch{Obs: make([]float32, n*b.ObsDim), Next: make([]float32, n*b.ObsDim),
		Act: make([]float32, n*b.ActDim), Reward: make([]float32, n), Done: make([]float32, n), Index: make([]int, n)}
}

// Sample fills dst with len(dst.Index) transitions drawn uniformly with replacement.
func (b *Replay) Sample(rng *rand.Rand, dst *Batch) error {
	if b.size == 0 {
		return fmt.Errorf("replay buffer: sample from an empty buffer")
	}
	for k := range dst.Index {
		dst.Index[k] = rng.IntN(b.size)
	}
	b.Gather(dst)
	return nil
}

// Gather copies the transitions at dst.Index (0 ≤ i < Len, in storage order) into dst.
func (b *Replay) Gather(dst *Batch) {
	o, a := b.ObsDim, b.ActDim
	for k, i := range dst.Index {
		copy(dst.Obs[k*o:(k+1)*o], b.obs[i*o:(i+1)*o])
		copy(dst.Next[k*o:(k+1)*o], b.next[i*o:(i+1)*o])
		copy(dst.Act[k*a:(k+1)*a], b.act[i*a:(i+1)*a])
		dst.Reward[k], dst.Done[k] = b.rew[i], b.done[i]
	}
}
