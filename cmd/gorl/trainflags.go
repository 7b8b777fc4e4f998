package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/agents/ppo"
	"gorl/agents/td3"
)

// algorithms are the algorithms gorl train, gorl eval and --resume know. Adding one is
// a package implementing agents.Algorithm plus its line here.
var algorithms = agents.NewRegistry(ppo.Algorithm{}, td3.Algorithm{}, lpg.Algorithm{})

// settingFlags are a flag for every setting of every algorithm (agents.Fields), each
// recording the text it was given; apply lays the given ones over an algorithm's
// settings, so that defaults < config file < flags is one mechanism for all of them.
type settingFlags struct {
	vals  map[string]*rawFlag
	algos map[string][]string // flag -> the algorithms that read it
}

type rawFlag struct{ text, kind string }

func (f *rawFlag) String() string     { return f.text }
func (f *rawFlag) Set(s string) error { f.text = s; return nil }
func (f *rawFlag) Type() string       { return f.kind }

// flagHelp describes the familiar settings; every other flag names its config key.
var flagHelp = map[string]string{
	"steps":              "training budget in environment steps",
	"seed":               "random seed",
	"envs":               "parallel environments",
	"workers":            "goroutines stepping the environments (gym: envs: Python worker processes)",
	"rollout-steps":      "steps per environment per update",
	"stop-at-return":     "stop once the mean return of the last return-window episodes reaches this",
	"checkpoint-every":   "write a checkpoint every N env steps (default 50000); negative: only by time and at the end",
	"checkpoint-seconds": "also write a checkpoint once this many seconds passed since the last (default: ppo, lpg 60, td3 600; negative: never by time)",
	"eval-every":         "evaluate the deterministic policy every N updates (0: never)",
	"step-every":         "log the steps of every Nth episode (negative: none)",
	"normalize":          "observation and reward normalisation: auto (on for Box actions, off for discrete), on or off",
	"objective":          "PPO policy objective: clip, dpo, lpo or ta-lpo",
	"objective-params":   "drift network file of a learned objective (lpo, ta-lpo)",
	"lr":                 "learning rate (ppo: annealed linearly to 0)",
	"update-rule":        "LPG/TA-LPG update rule file (gorl evolve --objective lpg|ta-lpg writes mean.lpg, best.lpg)",
	"arch":               "networks: mlp (--hidden), set (SubEquivariant Transformer) or swat (SWAT-style Transformer); set and swat need sgrl/ environments",
	"warm-up":            "uniformly random env steps before learning (0: none)",
	"hidden":             "hidden layer sizes",
	"batch":              "minibatch size",
	"buffer-size":        "replay buffer capacity (per member of a multi-task set)",
	"metrics-every":      "env steps between metrics rows",
	"set-embed":          "--arch set or swat: width E of the scalar stream / tokens (default 32; paper: 128)",
	"set-heads":          "--arch set or swat: attention heads (default 2)",
	"set-ff":             "--arch set or swat: hidden width of every MLP / feed-forward (default 64; paper: 256)",
	"set-layers":         "--arch set or swat: transformer layers (default 2; paper: 3)",
	"set-channels":       "--arch set: vector channels C, at least 3 (default 8; paper: 32)",
}

// fieldsOf lists the flag-settable fields of settings s.
func fieldsOf(s agents.Settings) map[string]agents.Field {
	out := map[string]agents.Field{}
	var omit []string
	if o, ok := s.(interface{ OmitFlags() []string }); ok {
		omit = o.OmitFlags()
	}
	for _, f := range agents.Fields(s) {
		if !slices.Contains(omit, f.Flag) {
			out[f.Flag] = f
		}
	}
	return out
}

func newSettingFlags(fl *pflag.FlagSet) *settingFlags {
	sf := &settingFlags{vals: map[string]*rawFlag{}, algos: map[string][]string{}}
	keys := map[string][]string{}
	var order []string
	for _, name := range algorithms.Names() {
		a, _ := algorithms.Lookup(name)
		for flag, f := range fieldsOf(a.NewSettings()) {
			if sf.vals[flag] == nil {
				sf.vals[flag] = &rawFlag{kind: f.Kind}
				order = append(order, flag)
			}
			sf.algos[flag] = append(sf.algos[flag], name)
			keys[flag] = append(keys[flag], f.Key)
		}
	}
	slices.Sort(order)
	for _, flag := range order {
		help := flagHelp[flag]
		if help == "" {
			k := slices.Clone(keys[flag])
			slices.Sort(k)
			help = "config key " + strings.Join(slices.Compact(k), ", ")
		}
		v := sf.vals[flag]
		fl.Var(v, flag, strings.Join(sf.algos[flag], ", ")+": "+help)
		if v.kind == "bool" {
			fl.Lookup(flag).NoOptDefVal = "true"
		}
	}
	return sf
}

// zeroMeans maps flags whose explicit 0 the settings would read as "default" to the
// value that means what the user asked for.
var zeroMeans = map[string]string{"warm-up": "-1"}

// apply lays the flags given on the command line over settings s of algorithm algo.
func (sf *settingFlags) apply(fl *pflag.FlagSet, algo string, s agents.Settings) error {
	fields := fieldsOf(s)
	var err error
	fl.Visit(func(f *pflag.Flag) {
		v, ours := sf.vals[f.Name]
		if !ours || err != nil {
			return
		}
		field, ok := fields[f.Name]
		if !ok {
			err = fmt.Errorf("--%s does not apply to --algo %s; --%s applies to --algo %s only", f.Name, algo, f.Name, strings.Join(sf.algos[f.Name], " or "))
			return
		}
		text := v.text
		if z, ok := zeroMeans[f.Name]; ok && text == "0" {
			text = z
		}
		err = field.Set(text)
	})
	return err
}

// checkSettingFlags checks the values of the setting flags given on the command line
// (agents.CheckFlag).
func checkSettingFlags(fl *pflag.FlagSet) error {
	var err error
	fl.Visit(func(f *pflag.Flag) {
		if err == nil {
			err = agents.CheckFlag(f.Name, f.Value.String())
		}
	})
	return err
}
