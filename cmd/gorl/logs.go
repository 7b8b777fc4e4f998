package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"gorl/logs"
)

func newLogsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Analyse logged runs offline (list, summarise, tables, curves, comparisons, export)",
		Long: `Analyse run directories written by gorl: list them, summarise them, print episodes
or metrics as tables, draw learning curves, compare groups of runs and export tables
as CSV or JSON lines. The Parquet files themselves stay readable by DuckDB and pandas;
their column names are documented in the logs package (go doc gorl/logs).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for gorl logs (want ls, summary, episodes, metrics, curve, compare or export)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newLogsLsCmd(), newLogsSummaryCmd(), newLogsEpisodesCmd(), newLogsMetricsCmd(),
		newLogsCurveCmd(), newLogsCompareCmd(), newLogsExportCmd())
	return cmd
}

// addFormatFlag registers --format with the table formats.
func addFormatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", logs.FormatTable, "output format: table, csv, json or jsonl")
}

func checkFormat(format string) error {
	switch format {
	case logs.FormatTable, logs.FormatCSV, logs.FormatJSON, logs.FormatJSONL:
		return nil
	}
	return fmt.Errorf("unknown --format %q (want table, csv, json or jsonl)", format)
}

func newLogsSummaryCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "summary RUN...",
		Short: "Summarise runs: episodes, returns, lengths, step rows, last metric values",
		Long: `Summarise each RUN (a run directory, or one of its Parquet files): number of
episodes, mean/std/min/max return, final return (mean of the last 20 episodes), mean
length, terminated/truncated counts, env steps, wall time, logged step rows and the
last value of every metric. A table shows one column per run; csv and json give one
record per run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			t, err := logs.SummarizeAll(args, format)
			if err != nil {
				return err
			}
			return t.Write(cmd.OutOrStdout(), format)
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}
