package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/logs"
)

// Limits on sizes that would otherwise exhaust memory or run for ever before any
// result (a typing slip such as --envs 100000000 must fail at once, not after the
// machine starts swapping). They are far above any setting the experiments use.
const (
	maxSeeds       = 1 << 16 // seeds of one lmdp or glow experiment
	maxRows        = 1 << 24 // lmdp: K x seeds episodes kept in memory; glow data: episodes x H steps
	maxHorizon     = 100000  // lmdp and glow horizons (the lock's own limit)
	maxActions     = 1 << 16 // lock actions
	maxGlowEpisode = 1 << 24 // glow online episodes per seed
	maxInches      = 100     // logs curve figure size
)

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// The file checks of logs, under the names the commands use.
var (
	checkInputFile  = logs.CheckInputFile
	checkInputDir   = logs.CheckInputDir
	checkOutputFile = logs.CheckOutputFile
	checkRunArg     = logs.CheckRunArg
	fileProblem     = logs.FileProblem
	regularOrAbsent = logs.RegularOrAbsent
	imageExts       = logs.ImageExts
)

// resumeFlags refuses --resume without --run-dir, or with flags other than resume,
// run-dir, quiet and those allowed: a resumed run keeps the settings of its config.json.
func resumeFlags(fl *pflag.FlagSet, dir string, allowed ...string) error {
	if dir == "" {
		return errors.New("--resume needs --run-dir DIR")
	}
	var changed []string
	fl.Visit(func(f *pflag.Flag) {
		if !slices.Contains(append(allowed, "resume", "run-dir", "quiet"), f.Name) {
			changed = append(changed, "--"+f.Name)
		}
	})
	if len(changed) > 0 {
		return fmt.Errorf("--resume continues with %s; drop %s", filepath.Join(dir, "config.json"), strings.Join(changed, ", "))
	}
	return nil
}

// noSubcommand makes a command group fail on an unknown subcommand (cobra would print
// the help and exit 0).
func noSubcommand(cmd *cobra.Command) {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			var names []string
			for _, c := range cmd.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name())
				}
			}
			return fmt.Errorf("unknown command %q for gorl %s (want %s)", args[0], cmd.Name(), strings.Join(names, ", "))
		}
		return cmd.Help()
	}
}
