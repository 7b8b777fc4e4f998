package set

import "fmt"

// Sizes are the SET sizes a td3 run records in config.json ("set"). The CLI's defaults
// (DefaultSizes) are far smaller than the paper's (E 128, FF 256, 3 layers, C 32), whose
// forward and backward pass at batch 256 takes about 0.9 s on a 2-core machine.
type Sizes struct {
	Embed    int `json:"embed"`
	Heads    int `json:"heads"`
	FF       int `json:"ff"`
	Layers   int `json:"layers"`
	Channels int `json:"channels"`
}

// DefaultSizes are small enough for CPU training.
var DefaultSizes = Sizes{Embed: 32, Heads: 2, FF: 64, Layers: 2, Channels: 8}

// WithDefaults fills zero sizes from DefaultSizes.
func (s Sizes) WithDefaults() Sizes {
	d := DefaultSizes
	for _, p := range []struct {
		dst *int
		v   int
	}{{&s.Embed, d.Embed}, {&s.Heads, d.Heads}, {&s.FF, d.FF}, {&s.Layers, d.Layers}, {&s.Channels, d.Channels}} {
		if *p.dst == 0 {
			*p.dst = p.v
		}
	}
	return s
}

// Config is the network config of these sizes.
func (s Sizes) Config() Config {
	return Config{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers, Channels: s.Channels}
}

// Validate reports the first bad size, naming its flag.
func (s Sizes) Validate() error {
	if err := checkSizes("SET", s.Embed, s.Heads, s.FF, s.Layers); err != nil {
		return err
	}
	if s.Channels < 3 {
		return fmt.Errorf("--set-channels must be at least 3, got %d", s.Channels)
	}
	return nil
}

// SWATSizes are the sizes of the SWAT-style baseline a td3 run records ("swat"), set by
// the same --set-embed, --set-heads, --set-ff and --set-layers flags.
type SWATSizes struct {
	Embed  int `json:"embed"`
	Heads  int `json:"heads"`
	FF     int `json:"ff"`
	Layers int `json:"layers"`
}

// SWAT returns the SWAT sizes of s (its channels left out).
func (s Sizes) SWAT() SWATSizes {
	return SWATSizes{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers}
}

// Config is the network config of these sizes.
func (s SWATSizes) Config() SWATConfig {
	return SWATConfig{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers}
}

// Validate reports the first bad size, naming its flag.
func (s SWATSizes) Validate() error { return checkSizes("SWAT", s.Embed, s.Heads, s.FF, s.Layers) }

func checkSizes(arch string, embed, heads, ff, layers int) error {
	if embed < 1 || heads < 1 || ff < 1 || layers < 1 {
		return fmt.Errorf("%s sizes must be positive, got embed %d, heads %d, ff %d, layers %d", arch, embed, heads, ff, layers)
	}
	if embed%heads != 0 {
		return fmt.Errorf("--set-embed %d must be a multiple of --set-heads %d", embed, heads)
	}
	return nil
}
