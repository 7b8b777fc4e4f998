// Command gorl trains agents, runs experiments, rolls out environments and analyses
// logged runs. Run `gorl --help` for the commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	root := newRootCmd()
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "gorl:", err)
		os.Exit(1)
	}
}
