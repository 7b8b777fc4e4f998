package lmdp

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gorl/env/latent"
)

// Sweep runs one experiment per value of a setting and tabulates final regret next to
// the instance's V*, Var* and latency gaps:
//
//	H      the horizon; the instance is regenerated from the same family and seed
//	K      the number of episodes
//	solver the solver
//	noise  the transition noise of the shared, noisy and spread families, 0
//	       (deterministic, Var* = 0) to 1 (the family's most stochastic instance);
//	       regenerated per value. On spread only the variance changes (the means, the
//	       gaps and, while M <= A, V* stay fixed); on shared and noisy noise also
//	       shrinks the gaps between good and other actions
//	p      the lowerbound family's base success probability: Var* grows with p up to
//	       p + eps = 1/2 while the gap eps between arms stays fixed; regenerated per value
//
// With several InstanceSeeds (family instances), every value runs on every instance and
// the table and ratios are reported per instance seed.
type Sweep struct {
	Base          Experiment
	Over          string
	Values        []string
	InstanceSeeds []uint64 // nil: the seed in Base.Source.Params
	Root          string   // parent of the run directories ("": none written)
	// Check, if not nil, vets every point's experiment before anything runs (a caller's
	// limits: memory, table sizes).
	Check func(Experiment) error
}

// SweepRow is one point of a sweep.
type SweepRow struct {
	Value        string
	InstanceSeed uint64
	Summary      *Summary
}

type sweepPoint struct {
	x            Experiment
	value        string
	instanceSeed uint64
}

// points builds every experiment of the sweep (validating every value) before any runs.
func (sw Sweep) points() ([]sweepPoint, error) {
	if len(sw.Values) == 0 {
		return nil, fmt.Errorf("values: none given")
	}
	regen := sw.Over == "H" || sw.Over == "noise" || sw.Over == "p"
	src := sw.Base.Source
	if (regen || len(sw.InstanceSeeds) > 0) && src.Params == nil {
		return nil, fmt.Errorf("sweep over %s regenerates the instance: it needs a family, not an instance file", sw.Over)
	}
	if sw.Over == "noise" && !latent.Hidden(src.Family) {
		return nil, fmt.Errorf("sweep over noise needs the shared, noisy or spread family, got %q", src.Family)
	}
	if sw.Over == "p" && src.Family != "lowerbound" {
		return nil, fmt.Errorf("sweep over p needs the lowerbound family, got %q", src.Family)
	}
	seeds := sw.InstanceSeeds
	if len(seeds) == 0 {
		seeds = []uint64{0}
		if src.Params != nil {
			seeds[0] = src.Params.Seed
		}
	}
	seen := map[string]bool{}
	var pts []sweepPoint
	for _, raw := range sw.Values {
		v := strings.TrimSpace(raw)
		if seen[v] {
			return nil, fmt.Errorf("values: %q appears twice", v)
		}
		seen[v] = true
		for _, is := range seeds {
			x := sw.Base
			x.Command, x.Sweep = "lmdp sweep", &SweepPoint{Over: sw.Over, Value: v}
			if src.Params != nil {
				p := *src.Params
				if len(sw.InstanceSeeds) > 0 {
					p.Seed = is
				}
				x.Source.Params = &p
			}
			if err := setSweepValue(&x, sw.Over, v); err != nil {
				return nil, err
			}
			cfg := x.Config.WithDefaults()
			err := cfg.Validate()
			if err == nil && sw.Check != nil {
				err = sw.Check(x)
			}
			if err != nil {
				return nil, fmt.Errorf("value %s: %w", v, err)
			}
			if regen || len(sw.InstanceSeeds) > 0 {
				l, err := BuildInstance(x.Source, nil)
				if err != nil {
					return nil, fmt.Errorf("value %s: %w", v, err)
				}
				x.Instance = l
			}
			pts = append(pts, sweepPoint{x: x, value: v, instanceSeed: is})
		}
	}
	return pts, nil
}

func setSweepValue(x *Experiment, over, v string) error {
	switch over {
	case "H", "K":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("values: %q is not a positive integer", v)
		}
		if over == "H" {
			x.Source.Params.H = n
		} else {
			x.Config.K = n
		}
	case "noise":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return fmt.Errorf("values: noise %q is not a number in [0, 1]", v)
		}
		x.Source.Params.Noise = f
	case "p":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f < 1) {
			return fmt.Errorf("values: p %q is not a number in (0, 1)", v)
		}
		x.Source.Params.P = f
	case "solver":
		x.Config.Solver = v
	default:
		return fmt.Errorf("sweep over %q: must be H, K, solver, noise or p", over)
	}
	return nil
}

// Run runs every point (in the order of the values, each over the instance seeds), writes
// the table to out as rows finish, then the ratios (last value over first, per instance
// seed) and, over noise, whether regret grows with Var*. progress is called after each
// finished learning seed.
func (sw Sweep) Run(out io.Writer, progress func()) ([]SweepRow, error) {
	pts, err := sw.points()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "%-8s %6s %10s %6s %9s %8s %8s %10s %9s %7s %8s\n",
		sw.Over, "inst", "V*", "exact", "Var*", "orc-V*", "V*-WSU", "regret", "sd", "slope", "seconds")
	var rows []SweepRow
	for _, p := range pts {
		dir := ""
		if sw.Root != "" {
			dir = filepath.Join(sw.Root, sw.Over+"="+p.value)
			if len(sw.InstanceSeeds) > 0 {
				dir = filepath.Join(dir, fmt.Sprintf("instance-seed=%d", p.instanceSeed))
			}
		}
		sum, err := p.x.Run(dir, func(int) {
			if progress != nil {
				progress()
			}
		})
		if err != nil {
			return rows, fmt.Errorf("%s=%s: %w", sw.Over, p.value, err)
		}
		r := sum.Reference
		fmt.Fprintf(out, "%-8s %6d %10.6f %6v %9.5f %8.4f %8.4f %10.2f %9.2f %7.3f %8.2f\n", p.value, p.instanceSeed,
			r.VStar, r.VStarExact, r.VarStar, r.OracleGap(), r.MemoryGap(), sum.FinalMean, sum.FinalSD, tidy(sum.Slope), sum.Seconds)
		rows = append(rows, SweepRow{Value: p.value, InstanceSeed: p.instanceSeed, Summary: sum})
	}
	sw.report(out, rows)
	return rows, nil
}

// report prints, per instance seed, regret(last)/regret(first) and, for a noise sweep,
// whether regret is increasing in Var*.
func (sw Sweep) report(out io.Writer, rows []SweepRow) {
	if sw.Over == "solver" || len(sw.Values) < 2 {
		return
	}
	var order []uint64
	byInst := map[uint64][]SweepRow{}
	for _, r := range rows {
		if _, ok := byInst[r.InstanceSeed]; !ok {
			order = append(order, r.InstanceSeed)
		}
		byInst[r.InstanceSeed] = append(byInst[r.InstanceSeed], r)
	}
	for _, is := range order {
		rs := byInst[is]
		first, last := rs[0], rs[len(rs)-1]
		if first.Summary.FinalMean > 0 {
			fmt.Fprintf(out, "instance seed %d: regret(%s=%s) / regret(%s=%s) = %.3f\n", is, sw.Over, last.Value, sw.Over, first.Value,
				last.Summary.FinalMean/first.Summary.FinalMean)
		}
		if sw.Over == "noise" || sw.Over == "p" {
			fmt.Fprintf(out, "instance seed %d: regret increasing in Var*: %v\n", is, IncreasingInVar(rs))
		}
	}
}

// IncreasingInVar reports whether final regret strictly increases with Var* over rows.
func IncreasingInVar(rows []SweepRow) bool {
	rs := slices.Clone(rows)
	slices.SortStableFunc(rs, func(a, b SweepRow) int {
		switch va, vb := a.Summary.Reference.VarStar, b.Summary.Reference.VarStar; {
		case va < vb:
			return -1
		case va > vb:
			return 1
		}
		return 0
	})
	for i := 1; i < len(rs); i++ {
		if !(rs[i].Summary.FinalMean > rs[i-1].Summary.FinalMean) {
			return false
		}
	}
	return true
}

// tidy rounds values below the printed precision to 0 (no "-0.000" for flat curves).
func tidy(x float64) float64 {
	if x > -5e-4 && x < 5e-4 {
		return 0
	}
	return x
}
