package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"gorl/agents"
)

// version is set at build time with -ldflags "-X main.version=..."; "dev" otherwise.
var version = "dev"

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gorl's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "gorl", version)
			return err
		},
	}
}

// gorlVersion is the version recorded in config.json: the -ldflags version, or the git
// commit of a build from a checkout.
func gorlVersion() string { return agents.Version(version) }
