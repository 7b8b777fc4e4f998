package agents

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// CheckFlag checks the value text given to the command-line flag of a setting (its
// config key with "-" for "_"), naming the flag: the settings' own checks name
// config.json keys. An explicit 0 is refused where the settings would read it as
// "default". Flags without a check here pass.
func CheckFlag(flag, text string) error {
	i := slices.IndexFunc(flagChecks, func(c flagCheck) bool { return c.flag == flag })
	if i < 0 {
		return nil
	}
	c := flagChecks[i]
	if c.kind == "ints" {
		for _, p := range strings.Split(text, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n < 1 {
				return fmt.Errorf("--%s must list positive layer sizes, got %s", c.flag, text)
			}
		}
		return nil
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if c.kind == "enum" {
			if !slices.Contains([]string{"auto", "on", "off"}, text) {
				return fmt.Errorf("--%s must be %s, got %q", c.flag, c.want, text)
			}
			return nil
		}
		return fmt.Errorf("invalid argument %q for --%s", text, c.flag)
	}
	if !c.ok(x) {
		if strings.HasPrefix(c.want, "not ") {
			return fmt.Errorf("--%s must %s", c.flag, c.want)
		}
		return fmt.Errorf("--%s must be %s, got %v", c.flag, c.want, fmtNum(x, text))
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func fmtNum(x float64, text string) any {
	if x == float64(int64(x)) && !strings.ContainsAny(text, ".eE") {
		return int64(x)
	}
	return x
}

type flagCheck struct {
	flag, kind, want string
	ok               func(float64) bool
}

func finitePositive(x float64) bool { return finite(x) && x > 0 }

var flagChecks = []flagCheck{
	{"checkpoint-every", "", "not be 0 (N env steps, or negative: only by time and at the end)", func(x float64) bool { return x != 0 }},
	{"checkpoint-seconds", "", "a number other than 0 (seconds, or negative: never by time)", func(x float64) bool { return finite(x) && x != 0 }},
	{"normalize", "enum", "auto, on or off", nil},
	{"step-every", "", "not be 0 (N, or negative: no steps)", func(x float64) bool { return x != 0 }},
	{"lr", "", "a positive number", finitePositive},
	{"steps", "", "at least 1", func(x float64) bool { return x >= 1 }},
	{"envs", "", fmt.Sprintf("in [1, %d]", MaxEnvs), func(x float64) bool { return x >= 1 && x <= MaxEnvs }},
	{"rollout-steps", "", fmt.Sprintf("in [1, %d]", MaxBatch), func(x float64) bool { return x >= 1 && x <= MaxBatch }},
	{"workers", "", "at least 1", func(x float64) bool { return x >= 1 }},
	{"eval-every", "", ">= 0", func(x float64) bool { return x >= 0 }},
	{"stop-at-return", "", "a finite number", finite},
	{"batch", "", "at least 1", func(x float64) bool { return x >= 1 }},
	{"warm-up", "", ">= 0", func(x float64) bool { return x >= 0 }},
	{"explore-noise", "", "a positive number", finitePositive},
	{"grad-clip", "", "a finite number (0: the defaults' clip, none for fujimoto and 0.1 for sgrl; negative: none)", finite},
	{"buffer-size", "", "at least 1", func(x float64) bool { return x >= 1 }},
	{"metrics-every", "", "at least 1", func(x float64) bool { return x >= 1 }},
	{"hidden", "ints", "", nil},
}
