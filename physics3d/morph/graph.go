package morph

import (
	"fmt"
	"math"
)

// Graph is the tree of a morphology's bodies, nodes in pre-order (node 0 is the torso),
// with the relations graph-based agents such as SET use: traversal positions for
// positional encodings, personalised PageRank, the normalised Laplacian and hop distances.
type Graph struct {
	Names    []string
	Parent   []int   // parent node, -1 for the torso
	Children [][]int // child nodes in order

	// Position of each node in three traversals: pre-order (the identity), and in-order
	// and post-order of the left-child right-sibling (LCRS) binary tree, in which a node's
	// left child is its first child and its right child its next sibling. (The SGRL code's
	// in-order treats a childless node's next sibling as its left child, which orders
	// some leaves differently; post-order is the same either way.)
	PreOrder, InOrder, PostOrder []int
}

// NewGraph builds a graph from parent indices in pre-order: parents[0] = -1 and
// 0 <= parents[i] < i for every other node.
func NewGraph(names []string, parents []int) (*Graph, error) {
	n := len(parents)
	if n == 0 {
		return nil, fmt.Errorf("morphology graph: no nodes")
	}
	if len(names) != n {
		return nil, fmt.Errorf("morphology graph: %d names for %d nodes", len(names), n)
	}
	if parents[0] != -1 {
		return nil, fmt.Errorf("morphology graph: node 0 must be the root (parent -1), got parent %d", parents[0])
	}
	g := &Graph{Names: append([]string(nil), names...), Parent: append([]int(nil), parents...), Children: make([][]int, n)}
	for i := 1; i < n; i++ {
		p := parents[i]
		if p < 0 || p >= i {
			return nil, fmt.Errorf("morphology graph: node %d has parent %d; parents must precede children (pre-order)", i, p)
		}
		g.Children[p] = append(g.Children[p], i)
	}
	// Pre-order of the tree must be the node order itself: check it.
	order := 0
	var pre func(v int) bool
	pre = func(v int) bool {
		if v != order {
			return false
		}
		order++
		for _, c := range g.Children[v] {
			if !pre(c) {
				return false
			}
		}
		return true
	}
	if !pre(0) {
		return nil, fmt.Errorf("morphology graph: nodes are not in pre-order")
	}
	g.PreOrder = make([]int, n)
	for i := range g.PreOrder {
		g.PreOrder[i] = i
	}
	// LCRS: left(v) = first child, right(v) = next sibling.
	left, right := make([]int, n), make([]int, n)
	for i := range left {
		left[i], right[i] = -1, -1
	}
	for v, ch := range g.Children {
		if len(ch) > 0 {
			left[v] = ch[0]
		}
		for k := 0; k+1 < len(ch); k++ {
			right[ch[k]] = ch[k+1]
		}
	}
	g.InOrder, g.PostOrder = make([]int, n), make([]int, n)
	pos := 0
	var in func(v int)
	in = func(v int) {
		if v < 0 {
			return
		}
		in(left[v])
		g.InOrder[v] = pos
		pos++
		in(right[v])
	}
	in(0)
	pos = 0
	var post func(v int)
	post = func(v int) {
		if v < 0 {
			return
		}
		post(left[v])
		post(right[v])
		g.PostOrder[v] = pos
		pos++
	}
	post(0)
	return g, nil
}

// N is the number of nodes.
func (g *Graph) N() int { return len(g.Parent) }

// Adjacency writes the symmetric 0/1 adjacency matrix (no self loops) into dst (N x N,
// row-major) and returns it; dst may be nil.
func (g *Graph) Adjacency(dst []float64) []float64 {
	n := g.N()
	dst = zeros(dst, n*n)
	for i, p := range g.Parent {
		if p >= 0 {
			dst[i*n+p], dst[p*n+i] = 1, 1
		}
	}
	return dst
}

// HopDistances writes d(i, j) / N, the number of edges between nodes i and j divided by
// the number of nodes, into dst (N x N).
func (g *Graph) HopDistances(dst []float64) []float64 {
	n := g.N()
	dst = zeros(dst, n*n)
	adj := g.neighbours()
	queue := make([]int, 0, n)
	dist := make([]int, n)
	for s := 0; s < n; s++ {
		for i := range dist {
			dist[i] = -1
		}
		dist[s] = 0
		queue = append(queue[:0], s)
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, u := range adj[v] {
				if dist[u] < 0 {
					dist[u] = dist[v] + 1
					queue = append(queue, u)
				}
			}
		}
		for j, d := range dist {
			dst[s*n+j] = float64(d) / float64(n)
		}
	}
	return dst
}

// NormalizedLaplacian writes L = I - D^{-1/2} A D^{-1/2} (D the degrees without self
// loops) into dst (N x N). A single-node graph gives [0].
func (g *Graph) NormalizedLaplacian(dst []float64) []float64 {
	n := g.N()
	dst = zeros(dst, n*n)
	adj := g.neighbours()
	for i := 0; i < n; i++ {
		if len(adj[i]) > 0 {
			dst[i*n+i] = 1
		}
		for _, j := range adj[i] {
			dst[i*n+j] = -1 / math.Sqrt(float64(len(adj[i])*len(adj[j])))
		}
	}
	return dst
}

// PersonalizedPageRank writes the personalised PageRank matrix into dst (N x N): row i
// is the stationary distribution of a random walk on the graph with self loops that
// restarts at node i with probability 1 - damping:
//
//	P = (1 - damping) (I - damping T)^{-1},  T[j][i] = (A + I)[i][j] / deg_i,
//	PPR[i][j] = P[j][i],
//
// as in the SGRL and Graphormer-style relation encodings (damping 0.9 there).
func (g *Graph) PersonalizedPageRank(damping float64, dst []float64) []float64 {
	n := g.N()
	dst = zeros(dst, n*n)
	adj := g.neighbours()
	// M = I - damping T, T column-stochastic over the graph with self loops.
	m := make([]float64, n*n)
	for i := 0; i < n; i++ {
		m[i*n+i] = 1
	}
	for i := 0; i < n; i++ {
		deg := float64(len(adj[i]) + 1)
		m[i*n+i] -= damping / deg // self loop: T[i][i] = 1/deg_i
		for _, j := range adj[i] {
			m[j*n+i] -= damping / deg // T[j][i] = A[i][j]/deg_i
		}
	}
	inv := invert(m, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			dst[i*n+j] = (1 - damping) * inv[j*n+i]
		}
	}
	return dst
}

func (g *Graph) neighbours() [][]int {
	adj := make([][]int, g.N())
	for i, p := range g.Parent {
		if p >= 0 {
			adj[i] = append(adj[i], p)
			adj[p] = append(adj[p], i)
		}
	}
	return adj
}

func zeros(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	dst = dst[:n]
	clear(dst)
	return dst
}

// invert inverts the n x n matrix a (Gauss-Jordan with partial pivoting). The matrices
// inverted here (I - damping T with damping < 1) are strictly diagonally dominant by
// columns, hence invertible.
func invert(a []float64, n int) []float64 {
	m := append([]float64(nil), a...)
	inv := make([]float64, n*n)
	for i := 0; i < n; i++ {
		inv[i*n+i] = 1
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r*n+c]) > math.Abs(m[p*n+c]) {
				p = r
			}
		}
		if p != c {
			for k := 0; k < n; k++ {
				m[c*n+k], m[p*n+k] = m[p*n+k], m[c*n+k]
				inv[c*n+k], inv[p*n+k] = inv[p*n+k], inv[c*n+k]
			}
		}
		d := m[c*n+c]
		for k := 0; k < n; k++ {
			m[c*n+k] /= d
			inv[c*n+k] /= d
		}
		for r := 0; r < n; r++ {
			if r == c || m[r*n+c] == 0 {
				continue
			}
			f := m[r*n+c]
			for k := 0; k < n; k++ {
				m[r*n+k] -= f * m[c*n+k]
				inv[r*n+k] -= f * inv[c*n+k]
			}
		}
	}
	return inv
}
