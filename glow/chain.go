package glow

import (
	"math"
	"strconv"
	"strings"
)

// layerGroups groups the candidates of layer h of a finite class by their value
// vector V(s) = max_a f_h(s, a): the residuals of layer h-1 depend on f_h only through
// V, so losses are computed once per group.
type layerGroups struct {
	v       [][]float64 // one value vector per group
	members [][]int     // candidates of each group, ascending
	of      []int       // group of each candidate
}

func groupLayer(f *Finite, h int) layerGroups {
	var g layerGroups
	index := map[string]int{}
	var key strings.Builder
	v := make([]float64, f.S)
	for i, q := range f.Cands[h] {
		key.Reset()
		for s := range v {
			v[s] = maxRow(q[s*f.A : (s+1)*f.A])
			key.WriteString(strconv.FormatUint(math.Float64bits(v[s]), 16))
			key.WriteByte(',')
		}
		id, ok := index[key.String()]
		if !ok {
			id = len(g.v)
			index[key.String()] = id
			g.v = append(g.v, append([]float64(nil), v...))
			g.members = append(g.members, nil)
		}
		g.members[id] = append(g.members[id], i)
		g.of = append(g.of, id)
	}
	return g
}

// layerLoss is the loss of one layer of a function: f_h's table q and the next
// layer's value vector vNext (nil at the last layer).
type layerLoss func(h int, q, vNext []float64) float64

// chainLosses computes, for a finite class, loss[h][i][g]: the loss of layer h when
// f_h is candidate i and f_{h+1} is in group g of layer h+1 (one column at the last
// layer). groups[h] are the groups of layer h.
func chainLosses(f *Finite, loss layerLoss) (losses [][][]float64, groups []layerGroups) {
	H := len(f.Cands)
	f.groupsOnce.Do(func() {
		f.groups = make([]layerGroups, H)
		for h := range f.groups {
			f.groups[h] = groupLayer(f, h)
		}
	})
	groups = f.groups
	losses = make([][][]float64, H)
	for h := 0; h < H; h++ {
		var nexts [][]float64
		if h < H-1 {
			nexts = groups[h+1].v
		} else {
			nexts = [][]float64{nil}
		}
		losses[h] = make([][]float64, len(f.Cands[h]))
		for i, q := range f.Cands[h] {
			losses[h][i] = make([]float64, len(nexts))
			for g, vn := range nexts {
				losses[h][i][g] = loss(h, q, vn)
			}
		}
	}
	return losses, groups
}

// minimiseChain returns the candidate per layer minimising sum_h loss[h][f_h][group of
// f_{h+1}] (Viterbi over the layers; ties go to the lowest index).
func minimiseChain(losses [][][]float64, groups []layerGroups) []int {
	H := len(losses)
	best := make([][]float64, H) // best[h][i]: min over f_{h+1..} of the losses from layer h on
	arg := make([][]int, H)      // chosen group of layer h+1 for candidate i
	for h := H - 1; h >= 0; h-- {
		best[h] = make([]float64, len(losses[h]))
		arg[h] = make([]int, len(losses[h]))
		var groupBest []float64
		if h < H-1 {
			groupBest = make([]float64, len(groups[h+1].v))
			for g, mem := range groups[h+1].members {
				groupBest[g] = math.Inf(1)
				for _, j := range mem {
					groupBest[g] = min(groupBest[g], best[h+1][j])
				}
			}
		}
		for i, row := range losses[h] {
			if h == H-1 {
				best[h][i] = row[0]
				continue
			}
			b, a := math.Inf(1), 0
			for g, l := range row {
				if v := l + groupBest[g]; v < b || (math.IsInf(b, 1) && g == 0) {
					b, a = v, g
				}
			}
			best[h][i], arg[h][i] = b, a
		}
	}
	idx := make([]int, H)
	idx[0] = argminFirst(best[0], nil)
	for h := 0; h < H-1; h++ {
		idx[h+1] = argminFirst(best[h+1], groups[h+1].members[arg[h][idx[h]]])
	}
	return idx
}

// argminFirst returns the index (among among, or all when nil) of the smallest value,
// the lowest index on ties.
func argminFirst(v []float64, among []int) int {
	if among == nil {
		among = make([]int, len(v))
		for i := range among {
			among[i] = i
		}
	}
	b, arg := math.Inf(1), among[0]
	for _, i := range among {
		if v[i] < b {
			b, arg = v[i], i
		}
	}
	return arg
}
