package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"gorl/env"
	"gorl/internal/suggest"
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
	if best := suggest.Closest(id, env.IDs()); best != "" {
		return fmt.Errorf("unknown env %q (did you mean %s? gorl envs lists them all)", id, best)
	}
	return fmt.Errorf("unknown env %q (gorl envs lists the known ones)", id)
}
