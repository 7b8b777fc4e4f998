package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"gorl/logs"
)

func newLogsExportCmd() *cobra.Command {
	var format, table, out string
	cmd := &cobra.Command{
		Use:   "export RUN",
		Short: "Export a run's episodes, metrics or steps as CSV or JSON lines",
		Long: `Export one table of RUN (episodes, metrics or steps) as CSV or JSON lines, to
stdout or --out FILE. Columns keep their Parquet names (see go doc gorl/logs); in CSV,
step list columns are spread over obs_0, obs_1, ..., action_0, ... Steps stream: any
run size works in bounded memory.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if format != logs.FormatCSV && format != logs.FormatJSONL {
				return fmt.Errorf("unknown --format %q (want csv or jsonl)", format)
			}
			var t *logs.Table
			switch table {
			case "episodes":
				t, err = logs.EpisodesTable(args[0])
			case "metrics":
				t, err = logs.MetricsTableOf(args[0])
			case "steps":
				if _, err := os.Stat(args[0]); err != nil {
					return fmt.Errorf("%s: no such run directory or file", args[0])
				}
			default:
				return fmt.Errorf("unknown --table %q (want episodes, metrics or steps)", table)
			}
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				defer func() {
					if cerr := f.Close(); err == nil && cerr != nil {
						err = fmt.Errorf("export: %w", cerr)
					}
				}()
				w = f
			}
			if t != nil {
				return t.Write(w, format)
			}
			return logs.ExportSteps(args[0], w, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", logs.FormatCSV, "csv or jsonl")
	cmd.Flags().StringVar(&table, "table", "episodes", "episodes, metrics or steps")
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (default stdout)")
	return cmd
}
