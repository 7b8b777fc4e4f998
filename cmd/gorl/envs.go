package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gorl/env"
)

func newEnvsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "envs",
		Short: "List the registered environments with their spaces and time limits",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tOBSERVATION\tACTION\tLIMIT\tDESCRIPTION")
			for _, id := range env.IDs() {
				spec, _ := env.Lookup(id)
				obs, act := "(needs options)", ""
				if e, err := env.Make(id, nil); err == nil {
					obs, act = e.ObservationSpace().String(), e.ActionSpace().String()
					if c, ok := e.(interface{ Close() error }); ok {
						c.Close()
					}
				}
				limit := "-"
				if spec.MaxEpisodeSteps > 0 {
					limit = fmt.Sprint(spec.MaxEpisodeSteps)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", id, abbreviate(obs, 40), abbreviate(act, 40), limit, spec.Description)
			}
			for _, f := range env.Families() {
				fmt.Fprintf(w, "%s<id>\t%s\t%s\t%s\t%s\n", f.Prefix, "(from the environment)", "", "-", f.Description)
			}
			return w.Flush()
		},
	}
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
