// Package progress reports long work on a terminal or in logs: a bar when stderr is a
// terminal, plain periodic lines otherwise (CI, pipes), nothing when quiet.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar reports long work: a bar on a terminal, plain periodic lines otherwise
// (logs, CI, pipes). Set the status text with Describe; Add advances the count.
type Bar struct {
	bar      *progressbar.ProgressBar
	out      io.Writer
	label    string
	total    int64
	done     int64
	status   string
	last     time.Time
	start    time.Time
	interval time.Duration
}

// New starts reporting progress over total units of work (steps, episodes, ...) on
// stderr. quiet turns it off.
func New(total int64, label string, quiet bool) *Bar {
	p := &Bar{out: os.Stderr, label: label, total: total, start: time.Now(), last: time.Now(), interval: 5 * time.Second}
	if quiet {
		p.out = io.Discard
		return p
	}
	if term.IsTerminal(int(os.Stderr.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionFullWidth(),
		)
	}
	return p
}

// Describe sets a short status shown with the bar (e.g. "return 212.4").
func (p *Bar) Describe(status string) {
	p.status = status
	if p.bar != nil {
		p.bar.Describe(p.label + " " + status)
	}
}

// Add advances the count by n.
func (p *Bar) Add(n int64) {
	p.done += n
	if p.bar != nil {
		_ = p.bar.Add64(n)
		return
	}
	if time.Since(p.last) >= p.interval {
		p.last = time.Now()
		p.line()
	}
}

func (p *Bar) line() {
	el := time.Since(p.start).Seconds()
	rate := float64(p.done) / max(el, 1e-9)
	fmt.Fprintf(p.out, "%s %d/%d (%.0f/s, %.0fs) %s\n", p.label, p.done, p.total, rate, el, p.status)
}

// Finish ends the bar; on a non-terminal it prints a final line.
func (p *Bar) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	if p.out != io.Discard {
		p.line()
	}
}

// End finishes the report after work that returned err. After a failure the bar is
// cleared and no final line is printed, so that a run failing early leaves its error as
// the only line on stderr.
func (p *Bar) End(err error) {
	if err == nil {
		p.Finish()
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}
