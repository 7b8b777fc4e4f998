package logs

import (
	"fmt"
	"slices"
	"strings"
)

// Limits of gorl logs curve and compare that keep a typing slip from running for ever.
const (
	MaxCurvePoints = 1 << 20  // grid points of an aggregated curve
	MaxResamples   = 10000000 // bootstrap resamples
)

// CheckFlags reports the first setting of a out of range in one line naming gorl logs
// curve's flags (--level sets Level, the band's confidence level).
func (a *Aggregate) CheckFlags() error {
	switch {
	case a.Smooth < 0:
		return fmt.Errorf("--smooth must be >= 0, got %d", a.Smooth)
	case a.Points < 2 || a.Points > MaxCurvePoints:
		return fmt.Errorf("--points must be in [2, %d], got %d", MaxCurvePoints, a.Points)
	case !(a.Level > 0 && a.Level < 1):
		return fmt.Errorf("--level must be in (0, 1), got %v", a.Level)
	case !slices.Contains(Bands, a.Band):
		return fmt.Errorf("unknown --band %q (want %s)", a.Band, strings.Join(Bands, ", "))
	case a.Bootstrap.Resamples < 1 || a.Bootstrap.Resamples > MaxResamples:
		return fmt.Errorf("--resamples must be in [1, %d], got %d", MaxResamples, a.Bootstrap.Resamples)
	}
	return nil
}

// CheckFlags reports the first setting of c out of range in one line naming gorl logs
// compare's flags.
func (c *Compare) CheckFlags() error {
	switch {
	case c.Last < 1 || c.Bootstrap.Resamples < 1:
		return fmt.Errorf("--last and --resamples must be at least 1")
	case c.Bootstrap.Resamples > MaxResamples:
		return fmt.Errorf("--resamples must be at most %d, got %d", MaxResamples, c.Bootstrap.Resamples)
	case !(c.Bootstrap.Level > 0 && c.Bootstrap.Level < 1):
		return fmt.Errorf("--level must be in (0, 1), got %v", c.Bootstrap.Level)
	}
	return nil
}

// CheckCurveX accepts the x axes of gorl logs curve.
func CheckCurveX(x string) error {
	if !slices.Contains([]string{"env_steps", "wall_seconds", "episode", "iteration"}, x) {
		return fmt.Errorf("unknown --x %q (want env_steps, wall_seconds, episode or iteration)", x)
	}
	return nil
}

// Describe lists the groups of curves with their sizes, for a one-line report.
func Describe(curves []Curve) string {
	var desc []string
	for _, c := range curves {
		if len(c.X) == 0 {
			desc = append(desc, fmt.Sprintf("%s n=%d (left out: no common x range)", c.Group, c.N))
			continue
		}
		desc = append(desc, fmt.Sprintf("%s n=%d", c.Group, c.N))
	}
	return strings.Join(desc, ", ")
}

// WarnMixedGroups returns a warning for every group of series that mixes envs: its
// mean averages returns of different scales (groups of different envs side by side are
// fine).
func WarnMixedGroups(series []Series) []string {
	byGroup := map[string][]Series{}
	var order []string
	for _, s := range series {
		if byGroup[s.Group] == nil {
			order = append(order, s.Group)
		}
		byGroup[s.Group] = append(byGroup[s.Group], s)
	}
	var warnings []string
	for _, g := range order {
		if ids, _ := Envs(byGroup[g]); len(ids) > 1 {
			warnings = append(warnings, fmt.Sprintf("group %s mixes envs %s: its mean averages returns of different scales", g, strings.Join(ids, ", ")))
		}
	}
	return warnings
}
