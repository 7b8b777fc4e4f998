package main

import (
	"fmt"
	"io"
	"os"

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
			if format != logs.FormatCSV && format != logs.FormatJSONL && format != "tensorboard" {
				return fmt.Errorf("unknown --format %q (want csv, jsonl or tensorboard)", format)
			}
			if err := checkRunArg(args[0]); err != nil {
				return err
			}
			if format == "tensorboard" {
				if out == "" {
					return fmt.Errorf("--format tensorboard needs --out DIR")
				}
				path, err := tensorboard.Export(args[0], out, tensorboard.ExportOptions{Force: force})
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "wrote", path)
				return nil
			}
			if out != "" {
				if err := checkOutputFile("out", out, nil); err != nil {
					return err
				}
				if st, err := os.Stat(out); err == nil && st.Mode().IsRegular() && !force {
					return fmt.Errorf("--out %s already exists: pass --force to replace it", out)
				}
			}
			var t *logs.Table
			var err error
			switch table {
			case "episodes":
				t, err = logs.EpisodesTable(args[0])
			case "metrics":
				t, err = logs.MetricsTableOf(args[0])
			case "steps":
			default:
				return fmt.Errorf("unknown --table %q (want episodes, metrics or steps)", table)
			}
			if err != nil {
				return err
			}
			write := func(w io.Writer) error {
				if t != nil {
					return t.Write(w, format)
				}
				return logs.ExportSteps(args[0], w, format)
			}
			if out == "" {
				return write(cmd.OutOrStdout())
			}
			if st, err := os.Stat(out); err == nil && !st.Mode().IsRegular() {
				// A device or pipe (/dev/stdout, a FIFO) is written in place: renaming a
				// temporary file over it would replace it.
				f, err := os.OpenFile(out, os.O_WRONLY, 0)
				if err != nil {
					return fmt.Errorf("export to %s: %w", out, err)
				}
				if err := write(f); err != nil {
					f.Close()
					return err
				}
				return f.Close()
			}
			// Written to a temporary file and renamed: a failed export leaves an
			// existing --out file as it was.
			return logs.WriteFileAtomic(out, func(f *os.File) error {
				if err := f.Chmod(0o644); err != nil { // as os.Create would make it
					return err
				}
				return write(f)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", logs.FormatCSV, "csv, jsonl or tensorboard (with --out DIR)")
	cmd.Flags().StringVar(&table, "table", "episodes", "episodes, metrics or steps")
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (default stdout); a directory for --format tensorboard")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing --out file (or the event files in --out DIR)")
	return cmd
}
