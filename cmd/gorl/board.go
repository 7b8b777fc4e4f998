package main

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"gorl/logs/board"
)

func newBoardCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "board [RUNS_DIR...] [--addr 127.0.0.1:PORT]",
		Short: "Serve a live web dashboard of the runs under RUNS_DIR (default runs)",
		Long: `Serve a local web dashboard over run directories: a runs table (env, algo, seed,
status, steps, final return, wall time; filterable, sortable), interactive curves of any
episode or metric column (hover values, drag to zoom, smoothing, log axes, x in env
steps, wall time, episodes or iterations) grouped by any config key or sweep parameter,
with the mean and the percentile bootstrap band of the mean (as gorl logs compare; no
band under 3 runs), and a page per run: config, status, summary, episodes, the logged
body poses of a 3D episode replayed, rendered videos, regret curves. The page polls the
runs every 2 s, so rows a training run writes appear without a reload (gorl train
flushes its tables every 10 s). It binds to 127.0.0.1 by default and serves no file
outside the run directories.`,
		Example: `  gorl board
  gorl board runs/sweep-lr --addr 127.0.0.1:8080`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"runs"}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return board.Serve(ctx, args, addr, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:6006", "address to listen on (HOST:PORT; port 0 picks a free one)")
	return cmd
}
