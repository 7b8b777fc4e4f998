package horizons

import (
	"fmt"
	"io"

	"gorl/logs"
)

// WriteDriftReport writes the table RunDrift returned in format; the table format adds
// a title line, the summary lines and where the runs are (dir).
func WriteDriftReport(w io.Writer, format string, c DriftConfig, t *logs.Table, summary, dir string) error {
	title := fmt.Sprintf("final return (mean of %d deterministic episodes after training) on %s, %d seeds; N0 = %d steps",
		c.EvalEpisodes, c.Train.Env, c.Seeds, c.TrainSteps)
	return writeReport(w, format, title, t, summary+"runs in "+dir+" (table: horizons.csv)")
}

// WriteRulesReport writes the table RunRules returned in format; the table format adds
// a title line, the summary lines and where the results are (dir).
func WriteRulesReport(w io.Writer, format string, c RulesConfig, t *logs.Table, summary, dir string) error {
	title := fmt.Sprintf("return after training (mean of %d %s episodes) on held-out %s levels, %d seeds; %d x %d steps per update",
		c.EvalEpisodes, c.EvalPolicy, c.Env, c.Seeds, c.Envs, c.RolloutSteps)
	return writeReport(w, format, title, t, summary+"results in "+dir+" (table: lifetimes.csv, runs: runs.csv)")
}

func writeReport(w io.Writer, format, title string, t *logs.Table, tail string) error {
	if format != logs.FormatTable {
		return t.Write(w, format)
	}
	fmt.Fprintln(w, title)
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, tail)
	return err
}

// TotalSteps is the environment steps of all the experiment's runs (for progress).
func (c RulesConfig) TotalSteps() int64 {
	var total int64
	for _, n := range c.Lifetimes {
		total += int64(n * c.Envs * c.RolloutSteps * c.Seeds)
	}
	return total
}
