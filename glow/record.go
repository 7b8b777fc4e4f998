package glow

import "gorl/logs"

// LogResults writes every seed's metric rows into run and ends it: "finished" once
// every table is on disk, "failed" with the error when a write fails (a full disk),
// so a run never reads as finished without its tables.
func LogResults(run *logs.Run, results []Result) error {
	for _, r := range results {
		for _, row := range r.Rows {
			row.WallSeconds = run.Elapsed()
			if err := run.LogMetrics(row); err != nil {
				return failRun(run, err)
			}
		}
	}
	if err := run.Flush(); err != nil {
		return failRun(run, err)
	}
	return run.Close()
}

func failRun(run *logs.Run, err error) error {
	_ = run.Fail(err)
	return err
}
