package morph

import (
	"fmt"
	"math/rand/v2"
)

// RandomOptions configure Random. Zero values mean defaults.
type RandomOptions struct {
	Family   Family  // required
	MinNodes int     // fewest bodies, torso included (default 3; hoppers always have 3 to 5)
	Prune    float64 // probability of removing each limb's subtree (default 0.3)
	Scale    float64 // limb sizes are scaled by U(1-Scale, 1+Scale) per limb (default 0.2; <0: none)
}

// Random draws a morphology for zero-shot studies: the family's full model with random
// limbs removed (walkers, humanoids, cheetahs) or a random leg length (hoppers), each limb
// then scaled in size. The torso is moved so that the lowest point of the initial pose
// keeps the full model's clearance above the floor, and the healthy height range follows
// the torso. The result follows the package's conventions, so every task accepts it.
func Random(rng *rand.Rand, opt RandomOptions) (*Morphology, error) {
	if _, err := ParseFamily(string(opt.Family)); err != nil {
		return nil, fmt.Errorf("random morphology: %w", err)
	}
	minNodes := opt.MinNodes
	if minNodes == 0 {
		minNodes = 3
	}
	prune := opt.Prune
	if prune == 0 {
		prune = 0.3
	}
	scale := opt.Scale
	if scale == 0 {
		scale = 0.2
	}
	if scale < 0 {
		scale = 0
	}
	if prune < 0 || prune > 1 || scale >= 1 || minNodes < 2 {
		return nil, fmt.Errorf("random morphology: need 0 <= Prune <= 1, Scale < 1, MinNodes >= 2")
	}
	var m *Morphology
	switch opt.Family {
	case Hopper:
		m = hopper("", 3+rng.IntN(3))
	case Walker:
		m = walker()
	case Humanoid:
		m = humanoid()
	case Cheetah:
		m = cheetah()
	}
	if minNodes > m.NumNodes() {
		return nil, fmt.Errorf("random morphology: MinNodes %d exceeds the %s family's %d bodies", minNodes, opt.Family, m.NumNodes())
	}
	lowest0 := lowestPoint(m)
	z0 := m.Torso.Pos[2]
	if opt.Family != Hopper {
		for _, b := range m.Bodies()[1:] {
			if rng.Float64() >= prune {
				continue
			}
			if m.NumNodes()-subtreeSize(b) < minNodes {
				continue
			}
			if !removeBody(m.Torso, b.Name) {
				continue // already gone with an ancestor
			}
		}
	}
	for _, b := range m.Bodies()[1:] {
		s := 1 + scale*(2*rng.Float64()-1)
		scaleLimb(b, s)
	}
	m.Torso.Pos[2] += lowest0 - lowestPoint(m)
	if r := m.Torso.Pos[2] / z0; m.MaxZ > 0 {
		m.MinZ, m.MaxZ = m.MinZ*r, m.MaxZ*r
	} else {
		m.MinZ *= r
	}
	m.Name = fmt.Sprintf("%s-random-%d-%08x", opt.Family, m.NumNodes(), rng.Uint32())
	return m, m.Validate()
}

func subtreeSize(b *Body) int {
	n := 1
	for _, c := range b.Children {
		n += subtreeSize(c)
	}
	return n
}

// scaleLimb scales a limb's geoms, joint anchors and its children's offsets by s.
func scaleLimb(b *Body, s float64) {
	for i := range b.Geoms {
		g := &b.Geoms[i]
		for k := 0; k < 3; k++ {
			g.From[k] *= s
			g.To[k] *= s
			g.Pos[k] *= s
		}
		g.Radius *= s
	}
	for j := range b.Joints {
		for k := 0; k < 3; k++ {
			b.Joints[j].Pos[k] *= s
		}
	}
	for _, c := range b.Children {
		for k := 0; k < 3; k++ {
			c.Pos[k] *= s
		}
	}
}

// lowestPoint is the lowest z of any geom surface in the initial pose (frames are not
// rotated, so world positions are sums of offsets).
func lowestPoint(m *Morphology) float64 {
	low := m.Torso.Pos[2]
	var visit func(b *Body, z float64)
	visit = func(b *Body, z float64) {
		z += b.Pos[2]
		for _, g := range b.Geoms {
			switch g.Kind {
			case Capsule:
				low = min(low, z+g.From[2]-g.Radius, z+g.To[2]-g.Radius)
			case Sphere:
				low = min(low, z+g.Pos[2]-g.Radius)
			}
		}
		for _, c := range b.Children {
			visit(c, z)
		}
	}
	visit(m.Torso, 0)
	return low
}
