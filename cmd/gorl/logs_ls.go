package main

import (
	"github.com/spf13/cobra"

	"gorl/logs"
)

func newLogsLsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ls [DIR]",
		Short: "List the runs under DIR (default runs): env, algorithm, seed, steps, final return, status",
		Long: `List every run directory (a directory holding config.json) under DIR, default
./runs: env, algorithm and seed read from config.json, env steps and episodes so far,
final return (mean of the last 20 episodes) and status: finished, failed, running,
or interrupted (status.json says running but its process is gone).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			root := "runs"
			if len(args) == 1 {
				root = args[0]
			}
			sums, err := logs.ListRuns(root)
			if sums == nil {
				return err
			}
			if werr := logs.ListTable(sums).Write(cmd.OutOrStdout(), format); werr != nil {
				return werr
			}
			return err
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}
