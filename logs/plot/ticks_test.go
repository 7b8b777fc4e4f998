package plot

import (
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
)

func majors(t interface {
	Ticks(lo, hi float64) []gplot.Tick
}, lo, hi float64) string {
	var out []string
	for _, tk := range t.Ticks(lo, hi) {
		if tk.Label != "" {
			out = append(out, tk.Label)
		}
	}
	return strings.Join(out, " ")
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 500000, "0 100k 200k 300k 400k 500k"},
		{2048, 99840, "20k 40k 60k 80k"},
		{0, 1, "0 0.2 0.4 0.6 0.8 1"},
		{0.45, 10.4, "2 4 6 8 10"},
		{-1700, 2300, "-1k 0 1k 2k"},
		{0, 2.5e6, "0 500k 1M 1.5M 2M 2.5M"},
		{0.5, 2, "0.5 0.75 1 1.25 1.5 1.75 2"},
		{0, 8192, "0 2k 4k 6k 8k"},
	} {
		if got := majors(NiceTicks{}, c.lo, c.hi); got != c.want {
			t.Errorf("NiceTicks(%v, %v) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	if got := majors(LogTicks{}, 1, 32768); got != "1 10 100 1k 10k" {
		t.Errorf("LogTicks(1, 32768) = %q", got)
	}
	if got := majors(LogTicks{}, 0.02, 3); got != "0.1 1" {
		t.Errorf("LogTicks(0.02, 3) = %q", got)
	}
}
