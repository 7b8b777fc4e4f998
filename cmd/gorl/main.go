// Command gorl trains agents, runs experiments, rolls out environments and analyses
// logged runs. Run `gorl --help` for the commands.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
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
		fmt.Fprintln(os.Stderr, "gorl:", oneLine(err.Error()))
		return 1
	}
	return 0
}

// oneLine folds a multi-line message (such as cobra's "Did you mean this?" suggestions)
// into one line.
func oneLine(msg string) string {
	msg = strings.Replace(msg, "\n\nDid you mean this?\n", " (did you mean:", 1)
	if strings.Contains(msg, "(did you mean:") {
		msg = strings.TrimRight(msg, "\n") + ")"
	}
	return strings.Join(strings.Fields(msg), " ")
}
