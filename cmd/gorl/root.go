package main

import (
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
	)
	return root
}
