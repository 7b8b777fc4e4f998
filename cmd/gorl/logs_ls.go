package main

import (
	"fmt"

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
			dirs, err := logs.FindRuns(root)
			if err != nil {
				return err
			}
			// A run that cannot be read is listed as unreadable; the others still show.
			sums := make([]*logs.Summary, 0, len(dirs))
			var bad []error
			for _, dir := range dirs {
				s, err := logs.Overview(dir)
				if err != nil {
					bad = append(bad, err)
					s = logs.NewSummary(logs.RunInfo{Dir: dir, Status: "unreadable"})
				}
				sums = append(sums, s)
			}
			if err := logs.ListTable(sums).Write(cmd.OutOrStdout(), format); err != nil {
				return err
			}
			if len(bad) > 0 {
				return fmt.Errorf("%d of %d runs could not be read; first: %v", len(bad), len(dirs), bad[0])
			}
			return nil
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}
