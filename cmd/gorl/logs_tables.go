package main

import (
	"strings"

	"github.com/spf13/cobra"

	"gorl/logs"
)

// tableFlags are the flags shared by `gorl logs episodes` and `gorl logs metrics`.
type tableFlags struct {
	format  string
	filters []string
	columns []string
	head    int
	tail    int
}

func (f *tableFlags) register(cmd *cobra.Command) {
	addFormatFlag(cmd, &f.format)
	cmd.Flags().StringArrayVar(&f.filters, "filter", nil, "keep rows where COLUMN OP VALUE (OP: = != < <= > >=), e.g. --filter 'return>100'; repeat to AND")
	cmd.Flags().StringSliceVar(&f.columns, "columns", nil, "columns to show, comma-separated (default all)")
	cmd.Flags().IntVar(&f.head, "head", 0, "show only the first N matching rows")
	cmd.Flags().IntVar(&f.tail, "tail", 0, "show only the last N matching rows")
}

// write filters, selects and cuts t, then writes it.
func (f *tableFlags) write(cmd *cobra.Command, t *logs.Table) error {
	t, err := t.Cut(f.filters, f.columns, f.head, f.tail)
	if err != nil {
		return err
	}
	return t.Write(cmd.OutOrStdout(), f.format)
}

func (f *tableFlags) check() error {
	if err := logs.CheckCut(f.head, f.tail); err != nil {
		return err
	}
	return checkFormat(f.format)
}

func newLogsEpisodesCmd() *cobra.Command {
	return newLogsTableCmd("episodes RUN",
		"Print a run's episodes (filtered, selected columns) as a table, CSV or JSON",
		`Print the rows of RUN's episodes.parquet (RUN: a run directory or the file).
Columns: `+strings.Join(logs.EpisodeColumns, ", ")+`.`,
		logs.EpisodesTable)
}

func newLogsMetricsCmd() *cobra.Command {
	return newLogsTableCmd("metrics RUN",
		"Print a run's metrics rows (chosen columns, filtered) as a table, CSV or JSON",
		`Print the rows of RUN's metrics.parquet (RUN: a run directory or the file):
run_id, seed, iteration, env_steps, wall_seconds and one column per metric.
Missing values are empty (null in JSON).`,
		logs.MetricsTableOf)
}

// newLogsTableCmd prints the table that load reads from RUN, with the table flags.
func newLogsTableCmd(use, short, long string, load func(run string) (*logs.Table, error)) *cobra.Command {
	var f tableFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if err := checkRunArg(args[0]); err != nil {
				return err
			}
			t, err := load(args[0])
			if err != nil {
				return err
			}
			return f.write(cmd, t)
		},
	}
	f.register(cmd)
	return cmd
}
