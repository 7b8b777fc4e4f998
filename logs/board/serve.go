package board

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Serve serves the dashboard of roots on addr (HOST:PORT; port 0 picks a free one)
// until ctx is done, then shuts down within 2 s. It prints the URL on out, and on
// warn a warning when addr is not a loopback address (anyone who reaches it can read
// the runs).
func Serve(ctx context.Context, roots []string, addr string, out, warn io.Writer) error {
	srv, err := New(roots)
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
		fmt.Fprintf(warn, "warning: serving on %s: anyone who reaches it can read these runs\n", addr)
	}
	fmt.Fprintf(out, "gorl board: http://%s/ (runs under %s; Ctrl-C to stop)\n", ln.Addr(), strings.Join(roots, ", "))
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
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
}
