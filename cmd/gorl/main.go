// Command gorl trains agents, runs experiments, rolls out environments and analyses
// logged runs. Run `gorl --help` for the commands.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit status: 0 on success, 1 for an
// error, 2 for an internal failure. Errors are printed as one line, never a stack trace
// (set GORL_TRACEBACK=1 to see one for an internal failure).
func run(args []string) (status int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "gorl: internal error: %v (set GORL_TRACEBACK=1 for details)\n", p)
			if os.Getenv("GORL_TRACEBACK") != "" {
				os.Stderr.Write(debug.Stack())
			}
			status = 2
		}
	}()
	root := newRootCmd()
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "gorl:", err)
		return 1
	}
	return 0
}
