package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"gorl/env"
)

// envFlags are the flags every command that builds environments shares.
type envFlags struct {
	ID      string
	Model   string
	Family  string
	Options []string
}

func (f *envFlags) register(cmd *cobra.Command, defaultID string) {
	cmd.Flags().StringVar(&f.ID, "env", defaultID, "environment id (see gorl envs)")
	cmd.Flags().StringVar(&f.Model, "model", "", "MJCF model file for sgrl/custom (3D locomotion)")
	cmd.Flags().StringVar(&f.Family, "family", "", "morphology family of --model: hopper, walker, humanoid or cheetah")
	cmd.Flags().StringArrayVar(&f.Options, "env-opt", nil, "environment option key=value (repeatable), e.g. max_episode_steps=200")
}

// options turns the flags into env.Options.
func (f *envFlags) options() (env.Options, error) {
	opts := env.Options{}
	for _, kv := range f.Options {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--env-opt %q: want key=value", kv)
		}
		opts[k] = v
	}
	if f.Model != "" {
		if err := checkInputFile("model", f.Model); err != nil {
			return nil, err
		}
		opts["model"] = f.Model
	}
	if f.Family != "" {
		opts["family"] = f.Family
	}
	return opts, nil
}

// checkEnvID refuses an unregistered id with the closest registered one as a hint
// (the registry's own error lists all ids, over a thousand characters with the 3D tasks).
func checkEnvID(id string) error {
	if _, ok := env.Lookup(id); ok {
		return nil
	}
	best, bestDist := "", len(id)/2+2 // suggest only ids a few edits away
	for _, known := range env.IDs() {
		if d := editDistance(strings.ToLower(id), strings.ToLower(known)); d < bestDist {
			best, bestDist = known, d
		}
	}
	if best != "" {
		return fmt.Errorf("unknown env %q (did you mean %s? gorl envs lists them all)", id, best)
	}
	return fmt.Errorf("unknown env %q (gorl envs lists the known ones)", id)
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
