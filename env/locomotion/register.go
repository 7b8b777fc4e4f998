package locomotion

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gorl/env"
	"gorl/physics3d/morph"
)

// MaxEpisodeSteps is the time limit of every task (a truncation).
const MaxEpisodeSteps = 1000

// multiTask maps the multi-task ids to their families, in the paper's order.
var multiTask = map[string][]morph.Family{
	"sgrl/hopper++":   {morph.Hopper},
	"sgrl/walker++":   {morph.Walker},
	"sgrl/humanoid++": {morph.Humanoid},
	"sgrl/cheetah++":  {morph.Cheetah},
	"sgrl/whh++":      {morph.Walker, morph.Humanoid, morph.Hopper},
	"sgrl/cwhh++":     {morph.Cheetah, morph.Walker, morph.Humanoid, morph.Hopper},
}

// MultiTaskIDs lists the multi-task ids.
func MultiTaskIDs() []string {
	ids := make([]string, 0, len(multiTask))
	for id := range multiTask {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Members lists the single-morphology ids of a multi-task id (for example
// sgrl/walker++ -> sgrl/walker-2-right-leg-left-knee, ...); a single-task id is its own
// only member.
func Members(id string) ([]string, error) {
	if fams, ok := multiTask[id]; ok {
		var out []string
		for _, f := range fams {
			for _, n := range morph.TrainingSet(f) {
				out = append(out, "sgrl/"+n)
			}
		}
		return out, nil
	}
	if _, ok := env.Lookup(id); ok && strings.HasPrefix(id, "sgrl/") {
		return []string{id}, nil
	}
	return nil, fmt.Errorf("unknown 3D-SGRL id %q", id)
}

// shortAliases maps "sgrl/<family>-<n>" to a model name where n limbs identify one
// model of the family.
func shortAliases() map[string]string {
	count := map[string][]string{}
	for _, n := range morph.Names() {
		parts := strings.SplitN(n, "-", 3)
		short := parts[0] + "-" + parts[1]
		count[short] = append(count[short], n)
	}
	out := map[string]string{}
	for short, names := range count {
		if len(names) == 1 {
			out["sgrl/"+short] = names[0]
		}
	}
	return out
}

func init() {
	for _, name := range morph.Names() {
		env.Register(env.Spec{ID: "sgrl/" + name, MaxEpisodeSteps: MaxEpisodeSteps,
			Description: "3D-SGRL locomotion, built-in morphology " + name,
			New:         builtinMaker(name)})
	}
	for alias, name := range shortAliases() {
		env.Register(env.Spec{ID: alias, MaxEpisodeSteps: MaxEpisodeSteps,
			Description: "3D-SGRL locomotion, " + name, New: builtinMaker(name)})
	}
	for id := range multiTask {
		env.Register(env.Spec{ID: id, MaxEpisodeSteps: MaxEpisodeSteps,
			Description: "3D-SGRL multi-task set: a member per episode (padded), or option member=<index|name>",
			New:         multiMaker(id)})
	}
	env.Register(env.Spec{ID: "sgrl/custom", MaxEpisodeSteps: MaxEpisodeSteps,
		Description: "3D-SGRL locomotion with a model file: options model=FILE.xml family=hopper|walker|humanoid|cheetah",
		New: func(opts env.Options) (env.Env, error) {
			if err := checkKeys(opts, "model", "family"); err != nil {
				return nil, err
			}
			if opts["model"] == "" || opts["family"] == "" {
				return nil, fmt.Errorf("sgrl/custom needs options model=FILE.xml and family=hopper|walker|humanoid|cheetah")
			}
			cfg, err := taskOptions(opts)
			if err != nil {
				return nil, err
			}
			cfg.ModelFile, cfg.Family = opts["model"], morph.Family(opts["family"])
			return New(cfg)
		}})
	env.Register(env.Spec{ID: "sgrl/random", MaxEpisodeSteps: MaxEpisodeSteps,
		Description: "3D-SGRL locomotion with a random morphology: options family, morph_seed",
		New: func(opts env.Options) (env.Env, error) {
			if err := checkKeys(opts, "family", "morph_seed"); err != nil {
				return nil, err
			}
			fam, err := morph.ParseFamily(opts["family"])
			if err != nil {
				return nil, fmt.Errorf("sgrl/random: option family: %w", err)
			}
			seed, err := opts.Int("morph_seed", 0)
			if err != nil {
				return nil, err
			}
			mo, err := morph.Random(env.NewRand(uint64(seed), 0x6d6f7270), morph.RandomOptions{Family: fam})
			if err != nil {
				return nil, err
			}
			cfg, err := taskOptions(opts)
			if err != nil {
				return nil, err
			}
			cfg.Morphology = mo
			return New(cfg)
		}})
}

func builtinMaker(name string) func(env.Options) (env.Env, error) {
	return func(opts env.Options) (env.Env, error) {
		if err := checkKeys(opts); err != nil {
			return nil, err
		}
		cfg, err := taskOptions(opts)
		if err != nil {
			return nil, err
		}
		if cfg.Morphology, err = morph.Builtin(name); err != nil {
			return nil, err
		}
		return New(cfg)
	}
}

func multiMaker(id string) func(env.Options) (env.Env, error) {
	return func(opts env.Options) (env.Env, error) {
		if err := checkKeys(opts, "member"); err != nil {
			return nil, err
		}
		members, _ := Members(id)
		names := make([]string, len(members))
		for i, m := range members {
			names[i] = strings.TrimPrefix(m, "sgrl/")
		}
		cfg, err := taskOptions(opts)
		if err != nil {
			return nil, err
		}
		if sel, ok := opts["member"]; ok && sel != "" {
			k, err := strconv.Atoi(sel)
			if err != nil {
				k = -1
				for i, n := range names {
					if n == sel || members[i] == sel {
						k = i
					}
				}
			}
			if k < 0 || k >= len(names) {
				return nil, fmt.Errorf("option member=%q: want an index in [0, %d) or one of %s", sel, len(names), strings.Join(names, ", "))
			}
			if cfg.Morphology, err = morph.Builtin(names[k]); err != nil {
				return nil, err
			}
			return New(cfg)
		}
		return NewMulti(names, cfg)
	}
}

// taskOptions reads the options every id accepts.
func taskOptions(opts env.Options) (Config, error) {
	var cfg Config
	switch opts["target"] {
	case "", "v1":
	case "v2":
		cfg.Target = TargetV2
	default:
		return cfg, fmt.Errorf("option target=%q: want v1 or v2", opts["target"])
	}
	var err error
	if cfg.FrameSkip, err = opts.Int("frame_skip", 0); err != nil {
		return cfg, err
	}
	if cfg.MinZ, err = opts.Float("min_z", 0); err != nil {
		return cfg, err
	}
	if cfg.MaxZ, err = opts.Float("max_z", 0); err != nil {
		return cfg, err
	}
	if cfg.FrameSkip < 0 || cfg.MinZ < 0 || cfg.MaxZ < 0 {
		return cfg, fmt.Errorf("options frame_skip, min_z and max_z must be >= 0")
	}
	return cfg, nil
}

// checkKeys rejects unknown options, so that a misspelt key is not silently ignored.
func checkKeys(opts env.Options, extra ...string) error {
	known := map[string]bool{"target": true, "frame_skip": true, "min_z": true, "max_z": true, "max_episode_steps": true}
	for _, k := range extra {
		known[k] = true
	}
	for k := range opts {
		if !known[k] {
			keys := make([]string, 0, len(known))
			for k := range known {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(keys, ", "))
		}
	}
	return nil
}
