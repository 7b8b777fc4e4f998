package logs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// The columns without which a file is not a table of that kind. A reader checks them
// before reading, so that a file copied over another (a metrics table saved as
// episodes.parquet) is refused by name instead of read with invented zeros.
var (
	episodeColumnsRequired = []string{"episode", "return", "length", "terminated", "truncated", "env_steps", "wall_seconds"}
	stepColumnsRequired    = []string{"episode", "step", "obs", "action", "reward", "terminated", "truncated"}
	metricColumnsRequired  = []string{"seed", "iteration", "env_steps", "wall_seconds"}
)

// requireColumns returns an error naming path, the table it should be and the one it
// looks like, when pf lacks one of columns.
func requireColumns(pf *parquet.File, path, table string, columns []string) error {
	have := topColumns(pf)
	for _, c := range columns {
		if !slices.Contains(have, c) {
			return fmt.Errorf("%s is not a gorl %s table (no %s column)%s", path, table, c, looksLike(have, table))
		}
	}
	return nil
}

func topColumns(pf *parquet.File) []string {
	var names []string
	for _, c := range pf.Schema().Columns() {
		if !slices.Contains(names, c[0]) {
			names = append(names, c[0])
		}
	}
	return names
}

// looksLike names the kind of gorl table a file with these columns is, if it is one
// other than want.
func looksLike(have []string, want string) string {
	kinds := []struct {
		name    string
		columns []string
	}{{"episodes", episodeColumnsRequired}, {"steps", stepColumnsRequired}, {"metrics", metricColumnsRequired}}
	for _, k := range kinds {
		if k.name == want {
			continue
		}
		all := true
		for _, c := range k.columns {
			all = all && slices.Contains(have, c)
		}
		if all && (k.name != "metrics" || !slices.Contains(have, "return")) {
			article := "a "
			if k.name == "episodes" {
				article = "an "
			}
			return "; it is " + article + k.name + " table"
		}
	}
	if len(have) == 0 {
		return ""
	}
	return "; its columns: " + strings.Join(have[:min(len(have), 8)], ", ")
}
