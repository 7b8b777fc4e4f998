package plot

import (
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
)

// NiceTicks places major ticks at multiples of 1, 2, 2.5 or 5 times a power of ten, 4 to
// 7 of them across the range, and labels them compactly (200k, 1.5M): gonum's default
// ticker starts at the range's first value and gives 50000, 250000, 450000.
type NiceTicks struct{}

// Ticks implements gonum's plot.Ticker.
func (NiceTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	step, minor := NiceStep(hi - lo)
	var ticks []gplot.Tick
	eps := step * 1e-9
	for k := math.Ceil((lo - eps) / minor); k*minor <= hi+eps; k++ {
		v := k * minor
		if r := math.Round(v / step); math.Abs(v-r*step) < eps {
			v = r * step
			ticks = append(ticks, gplot.Tick{Value: v, Label: FormatTick(v, step)})
			continue
		}
		ticks = append(ticks, gplot.Tick{Value: v})
	}
	return ticks
}

// NiceStep returns the major and minor tick steps for a range of width span: the
// smallest of 1, 2, 2.5, 5 (times a power of ten) that gives at most 6 intervals.
func NiceStep(span float64) (major, minor float64) {
	p := math.Pow(10, math.Floor(math.Log10(span/6)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if span/(m*p) <= 6 {
			major = m * p
			break
		}
	}
	switch major / p {
	case 2, 10:
		minor = major / 4
	default:
		minor = major / 5
	}
	return major, minor
}

// FormatTick writes v with as many decimals as the tick step needs, thousands as k and
// millions as M where v is a multiple of a thousand.
func FormatTick(v, step float64) string {
	if v == 0 {
		return "0"
	}
	for _, u := range []struct {
		scale  float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.scale && step >= u.scale/10 {
			return trimZeros(strconv.FormatFloat(v/u.scale, 'f', decimals(step/u.scale), 64)) + u.suffix
		}
	}
	return trimZeros(strconv.FormatFloat(v, 'f', decimals(step), 64))
}

// decimals is the number of decimals that writes every multiple of step exactly.
func decimals(step float64) int {
	for d := 0; d < 12; d++ {
		x := step * math.Pow(10, float64(d))
		if math.Abs(x-math.Round(x)) < 1e-6*x {
			return d
		}
	}
	return 12
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// LogTicks places major ticks at powers of ten (labelled 1, 10, 100, 1k, 10k) and minor
// ticks at their multiples 2 to 9.
type LogTicks struct{}

// Ticks implements gonum's plot.Ticker; lo must be positive.
func (LogTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ticks []gplot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := gplot.Tick{Value: v}
			if m == 1 {
				t.Label = FormatTick(v, p)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
