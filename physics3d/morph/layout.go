package morph

// Observation layout of the 3D-SGRL locomotion tasks (env/locomotion), kept here so that
// agents can read it without importing a cgo package. Each node (body) contributes
// NodeFeatures values; the first VectorFeatures of them are VectorFeatures/3 world-frame
// 3D vectors (relative position, gravity, target direction, linear and angular velocity,
// three hinge axes) and the rest are rotation-invariant scalars. Each node takes
// NodeActions torques (hinges x, y, z).
const (
	NodeFeatures   = 41
	VectorFeatures = 24
	NodeActions    = 3
)

// Morphological is implemented by environments whose observations and actions are rows
// of a morphology's nodes (env/locomotion's Env and Multi). Agents find it with
// env.As[morph.Morphological](e); for a multi-task environment that changes morphology
// per episode, read it again after each Reset.
type Morphological interface {
	NumNodes() int
	Graph() *Graph
}
