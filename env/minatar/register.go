package minatar

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gorl/env"
)

// DefaultMaxEpisodeSteps is the time limit (truncation) env.Make puts on every game but
// Freeway, which ends itself after 2500 frames. MinAtar has none; the limit only keeps a
// policy that never loses from running forever. Options["max_episode_steps"] overrides
// it (0: none).
const DefaultMaxEpisodeSteps = 10000

// ID is the registered id of a game, e.g. ID("space_invaders") = "MinAtar/SpaceInvaders-v1".
func ID(name string) string {
	info, ok := lookupGame(name)
	if !ok {
		return ""
	}
	return "MinAtar/" + info.id + "-v1"
}

// The -v1 ids, with MinAtar's minimal action sets, as MinAtar's Gymnasium registry names
// them; the option action_set=full gives its -v0 variant.
func init() {
	for _, info := range games {
		limit := DefaultMaxEpisodeSteps
		if info.name == "freeway" {
			limit = 0
		}
		name := info.name
		env.Register(env.Spec{
			ID: ID(name),
			Description: fmt.Sprintf("MinAtar %s: %s (options sticky_action_prob, ramping, action_set)",
				info.id, info.brief),
			MaxEpisodeSteps: limit,
			New: func(opts env.Options) (env.Env, error) {
				cfg, err := ConfigFromOptions(opts)
				if err != nil {
					return nil, err
				}
				return New(name, cfg)
			},
		})
	}
}

// ConfigFromOptions reads the games' settings from env options:
//
//	sticky_action_prob  probability in [0, 1] of repeating the previous action (default 0.1)
//	ramping             true or false: difficulty ramping (default true)
//	action_set          minimal (default) or full (all six actions, MinAtar's -v0)
//
// Unknown keys are errors; max_episode_steps is env.Make's.
func ConfigFromOptions(opts env.Options) (Config, error) {
	var cfg Config
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "max_episode_steps", "sticky_action_prob", "ramping", "action_set":
		default:
			return cfg, fmt.Errorf("unknown option %q (known: sticky_action_prob, ramping, action_set, max_episode_steps)", k)
		}
	}
	p, err := opts.Float("sticky_action_prob", DefaultStickyActionProb)
	if err != nil {
		return cfg, err
	}
	if p < 0 || p > 1 {
		return cfg, fmt.Errorf("option sticky_action_prob=%v: must be in [0, 1]", p)
	}
	cfg.StickyActionProb = p
	if p == 0 {
		cfg.StickyActionProb = -1 // Config's "never"
	}
	if v, ok := opts["ramping"]; ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("option ramping=%q: want true or false", v)
		}
		cfg.NoRamping = !b
	}
	switch v := strings.ToLower(opts["action_set"]); v {
	case "", "minimal":
	case "full":
		cfg.FullActionSet = true
	default:
		return cfg, fmt.Errorf("option action_set=%q: want minimal or full", opts["action_set"])
	}
	return cfg, nil
}
