package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"gorl/logs"
	"gorl/logs/tensorboard"
)

func newLogsExportCmd() *cobra.Command {
	var format, table, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "export RUN",
		Short: "Export a run's episodes, metrics or steps as CSV or JSON lines, or as TensorBoard event files",
		Long: `Export one table of RUN (episodes, metrics or steps) as CSV or JSON lines, to
stdout or --out FILE. Columns keep their Parquet names (see go doc gorl/logs); in CSV,
step list columns are spread over obs_0, obs_1, ..., action_0, ... Steps stream: any
run size works in bounded memory.

--format tensorboard --out DIR writes the episodes and metrics as one TensorBoard event
file in DIR (tags episode/return, episode/length and metrics/<name>, at step env_steps;
seed_<s>/ before each tag when the run holds several seeds): tensorboard --logdir DIR.
An existing --out file, or event files already in DIR, are replaced only with --force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "tensorboard" {
				return logs.Export(args[0], table, format, out, force, cmd.OutOrStdout())
			}
			if err := checkRunArg(args[0]); err != nil {
				return err
			}
			if out == "" {
				return fmt.Errorf("--format tensorboard needs --out DIR")
			}
			path, err := tensorboard.Export(args[0], out, tensorboard.ExportOptions{Force: force})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "wrote", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", logs.FormatCSV, "csv, jsonl or tensorboard (with --out DIR)")
	cmd.Flags().StringVar(&table, "table", "episodes", "episodes, metrics or steps")
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (default stdout); a directory for --format tensorboard")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing --out file (or the event files in --out DIR)")
	return cmd
}
