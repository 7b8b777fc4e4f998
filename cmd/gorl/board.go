package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

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
			srv, err := board.New(args)
			if err != nil {
				return err
			}
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return fmt.Errorf("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("board: listen on %s: %v", addr, err)
			}
			if host != "127.0.0.1" && host != "localhost" && host != "::1" {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: serving on %s: anyone who reaches it can read these runs\n", addr)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "gorl board: http://%s/ (runs under %s; Ctrl-C to stop)\n", ln.Addr(), strings.Join(args, ", "))
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				hs.Shutdown(shut)
			}()
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("board: %v", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:6006", "address to listen on (HOST:PORT; port 0 picks a free one)")
	return cmd
}
