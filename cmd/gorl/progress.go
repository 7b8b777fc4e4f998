package main

import bar "gorl/logs/progress"

// progress reports a command's long work on stderr (logs/progress).
type progress = bar.Bar

func newProgress(total int64, label string, quiet bool) *progress {
	return bar.New(total, label, quiet)
}
