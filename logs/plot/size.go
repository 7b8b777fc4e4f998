package plot

import "fmt"

// MaxInches is the largest figure side gorl draws; a typing slip such as --width 1e6
// must fail at once rather than allocate the image.
const MaxInches = 100

// CheckSize checks a figure's width and height in inches, naming the flags.
func CheckSize(width, height float64) error {
	if !(width > 0 && width <= MaxInches) || !(height > 0 && height <= MaxInches) {
		return fmt.Errorf("--width and --height must be in (0, %d] inches, got %v and %v", MaxInches, width, height)
	}
	return nil
}

// DefaultLabels names the axes not named yet: x after its column ("env_steps": "env
// steps"), y after the metric and its moving-average window (smooth > 1).
func (f *Figure) DefaultLabels(x, metric string, smooth int) {
	if f.XLabel == "" {
		f.XLabel = spaced(x)
	}
	if f.YLabel == "" {
		f.YLabel = metric
		if smooth > 1 {
			f.YLabel = fmt.Sprintf("%s (moving average of %d)", metric, smooth)
		}
	}
}

func spaced(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	return string(b)
}
