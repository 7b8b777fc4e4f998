package main

import "github.com/spf13/cobra"

// version is set at build time with -ldflags "-X main.version=..."; "dev" otherwise.
var version = "dev"

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gorl's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.Println("gorl", version)
		},
	}
}
