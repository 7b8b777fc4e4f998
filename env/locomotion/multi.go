package locomotion

import (
	"encoding/binary"
	"fmt"
	"math"

	"gorl/env"
	"gorl/physics3d/morph"
)

// Multi runs a multi-task set as one environment: each episode uses a member drawn
// uniformly from the environment's random stream. Observations and actions are padded
// with zeros to the largest member; NumNodes and Graph describe the current member.
type Multi struct {
	members  []*Env
	names    []string
	cur      int
	maxNodes int
	obs      []float64
	stream

	lastTerms [NumRewardTerms]float64 // the last finished episode's reward terms, any member
	hasLast   bool
}

// NewMulti builds one environment per named built-in morphology with the settings of cfg
// (its Morphology and ModelFile are ignored).
func NewMulti(names []string, cfg Config) (*Multi, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("multi-task environment: no members")
	}
	m := &Multi{names: append([]string(nil), names...), stream: newStream(0)}
	for _, n := range names {
		mo, err := morph.Builtin(n)
		if err != nil {
			m.Close()
			return nil, err
		}
		c := cfg
		c.Morphology, c.ModelFile = mo, ""
		e, err := New(c)
		if err != nil {
			m.Close()
			return nil, err
		}
		m.members = append(m.members, e)
		m.maxNodes = max(m.maxNodes, e.NumNodes())
	}
	m.obs = make([]float64, m.maxNodes*NodeFeatures)
	m.Seed(0)
	return m, nil
}

// Close frees every member.
func (m *Multi) Close() error {
	var first error
	for _, e := range m.members {
		if err := e.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Members are the member names; Current the member of the running episode and
// MemberIndex its index in Members.
func (m *Multi) Members() []string { return m.names }
func (m *Multi) Current() *Env     { return m.members[m.cur] }
func (m *Multi) MemberIndex() int  { return m.cur }

// Graphs are the members' morphology graphs, in the order of Members (shared; do not
// modify): what a graph-based agent trained on the whole set needs.
func (m *Multi) Graphs() []*morph.Graph {
	gs := make([]*morph.Graph, len(m.members))
	for i, e := range m.members {
		gs[i] = e.Graph()
	}
	return gs
}

// NumNodes and Graph describe the current member; MaxNodes is the padded size.
func (m *Multi) NumNodes() int       { return m.members[m.cur].NumNodes() }
func (m *Multi) Graph() *morph.Graph { return m.members[m.cur].Graph() }
func (m *Multi) MaxNodes() int       { return m.maxNodes }

func (m *Multi) ObservationSpace() env.Space {
	return env.UniformBox(m.maxNodes*NodeFeatures, math.Inf(-1), math.Inf(1))
}
func (m *Multi) ActionSpace() env.Space { return env.UniformBox(m.maxNodes*NodeActions, -1, 1) }

// Seed seeds the member draw with env.NewRand(seed)'s stream and member i with
// DeriveSeed(seed, i+1).
func (m *Multi) Seed(seed uint64) {
	m.stream = newStream(seed)
	for i, e := range m.members {
		e.Seed(env.DeriveSeed(seed, uint64(i+1)))
	}
}

// Reset draws a member and starts its episode.
func (m *Multi) Reset() []float64 {
	if e := m.members[m.cur]; e.termSteps > 0 {
		m.lastTerms, m.hasLast = e.terms, true
	}
	m.cur = m.rng.IntN(len(m.members))
	return m.pad(m.members[m.cur].Reset())
}

// Step passes the current member's share of the padded action.
func (m *Multi) Step(action []float64) env.Transition {
	e := m.members[m.cur]
	if n := e.NumNodes() * NodeActions; len(action) > n {
		action = action[:n]
	}
	tr := e.Step(action)
	tr.Obs = m.pad(tr.Obs)
	return tr
}

func (m *Multi) pad(o []float64) []float64 {
	copy(m.obs, o)
	clear(m.obs[len(o):])
	return m.obs
}

// NumBodies is the largest member's body count; BodyPoses pads the current member's
// poses with zero positions and identity quaternions.
func (m *Multi) NumBodies() int { return m.maxNodes }
func (m *Multi) BodyPoses(pos, quat []float64) {
	e := m.members[m.cur]
	e.BodyPoses(pos, quat)
	for n := e.NumNodes(); n < m.maxNodes; n++ {
		pos[3*n], pos[3*n+1], pos[3*n+2] = 0, 0, 0
		quat[4*n], quat[4*n+1], quat[4*n+2], quat[4*n+3] = 1, 0, 0, 0
	}
}

// Snapshot saves the current member index, the draw stream and every member's state.
func (m *Multi) Snapshot() ([]byte, error) {
	rng, err := m.src.MarshalBinary()
	if err != nil {
		return nil, err
	}
	out := append([]byte("gorl-sgrl-multi-1"), byte(len(m.members)))
	out = binary.LittleEndian.AppendUint32(out, uint32(m.cur))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(rng)))
	out = append(out, rng...)
	for _, e := range m.members {
		s, err := e.Snapshot()
		if err != nil {
			return nil, err
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out, nil
}

// Restore loads a state saved by Snapshot of the same multi-task set.
func (m *Multi) Restore(state []byte) error {
	const tag = "gorl-sgrl-multi-1"
	bad := fmt.Errorf("restore multi-task environment: snapshot does not match this set")
	if len(state) < len(tag)+9 || string(state[:len(tag)]) != tag || int(state[len(tag)]) != len(m.members) {
		return bad
	}
	rest := state[len(tag)+1:]
	cur := int(binary.LittleEndian.Uint32(rest))
	n := int(binary.LittleEndian.Uint32(rest[4:]))
	rest = rest[8:]
	if cur >= len(m.members) || len(rest) < n {
		return bad
	}
	if err := m.src.UnmarshalBinary(rest[:n]); err != nil {
		return bad
	}
	rest = rest[n:]
	for _, e := range m.members {
		if len(rest) < 4 {
			return bad
		}
		k := int(binary.LittleEndian.Uint32(rest))
		if len(rest) < 4+k {
			return bad
		}
		if err := e.Restore(rest[4 : 4+k]); err != nil {
			return err
		}
		rest = rest[4+k:]
	}
	m.cur = cur
	m.pad(m.members[cur].Obs())
	return nil
}
