package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "gorl",
		Short: "gorl: reinforcement-learning research from the command line",
		Long: `gorl trains agents, runs the experiments of four research lines (latent MDPs,
GLOW/HyGLOW, learned objectives, 3D morphology-agnostic locomotion), rolls out
environments and analyses the Parquet logs of every run.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCmd(),
		newGlowCmd(),
		newLogsCmd(),
		newEnvsCmd(),
		newRolloutCmd(),
		newTrainCmd(),
		newEvalCmd(),
		newLmdpCmd(),
		newEvolveCmd(),
		newWorkerCmd(),
		newRenderCmd(),
		newDriftCmd(),
		newSweepCmd(),
		newBoardCmd(),
	)
	strictHelpAndCompletion(root)
	return root
}

// strictHelpAndCompletion makes cobra's own help and completion commands fail on an
// unknown topic or shell (by default they print the usage and exit 0).
func strictHelpAndCompletion(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			help := c.Run
			c.Run = nil
			c.RunE = func(c *cobra.Command, args []string) error {
				if target, rest, err := c.Root().Find(args); err != nil || target == nil || len(rest) > 0 {
					return fmt.Errorf("unknown help topic %q (see gorl --help)", strings.Join(args, " "))
				}
				help(c, args)
				return nil
			}
		case "completion":
			noSubcommand(c)
		}
	}
}
