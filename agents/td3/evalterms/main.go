// Command evalterms evaluates a td3 run's actor deterministically on a 3D locomotion task
// and reports, besides the return, the reward terms per episode (progress towards the
// target, heading, alive bonus, control cost) with 95% intervals, and the alive bonus's
// share of the return: whether the policy moves or only stays upright. -random evaluates
// uniform random actions on the same episodes instead. -env evaluates on another task
// (zero-shot for SET and SWAT, whose parameters do not depend on the morphology).
//
//	go run ./agents/td3/evalterms -run runs/x -episodes 20
//	go run ./agents/td3/evalterms -run runs/x -env sgrl/walker-7
//	go run ./agents/td3/evalterms -env sgrl/hopper-3 -random
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	setnet "gorl/agents/set"
	"gorl/agents/td3"
	"gorl/env"
	_ "gorl/env/locomotion"
	"gorl/physics3d/morph"
)

// runConfig is the part of a td3 run's config.json that rebuilds its actor.
type runConfig struct {
	Env        string          `json:"env"` // the run envelope (format 2); earlier runs: td3.env
	EnvOptions env.Options     `json:"env_options"`
	TD3        td3.TrainConfig `json:"td3"`
	Arch       string          `json:"arch"`
	SET        *struct {
		Embed, Heads, FF, Layers, Channels int
	} `json:"set"`
	SWAT *struct {
		Embed, Heads, FF, Layers int
	} `json:"swat"`
}

// result is the one JSON line evalterms prints.
type result struct {
	Run        string             `json:"run,omitempty"`
	Checkpoint string             `json:"checkpoint,omitempty"`
	Env        string             `json:"env"`
	Policy     string             `json:"policy"`
	Episodes   int                `json:"episodes"`
	Mean       map[string]float64 `json:"mean"` // return, progress, heading, alive, control, length
	CI95       map[string]float64 `json:"ci95"` // half-width of the Student-t interval of the mean
	AliveShare float64            `json:"alive_share"`
}

func main() {
	runDir := flag.String("run", "", "td3 run directory (its latest checkpoint acts)")
	envID := flag.String("env", "", "environment (default: the run's)")
	episodes := flag.Int("episodes", 20, "evaluation episodes")
	seed := flag.Uint64("seed", 1000, "seed of the evaluation episodes")
	random := flag.Bool("random", false, "uniform random actions instead of the run's actor")
	flag.Parse()
	res, err := evaluate(*runDir, *envID, *episodes, *seed, *random)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalterms:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}

type terms interface {
	RewardTermNames() []string
	LastEpisodeTerms(dst []float64) bool
}

func evaluate(runDir, envID string, episodes int, seed uint64, random bool) (*result, error) {
	if episodes < 2 {
		return nil, errors.New("-episodes must be at least 2")
	}
	var rc runConfig
	if runDir != "" {
		data, err := os.ReadFile(filepath.Join(runDir, "config.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &rc); err != nil {
			return nil, fmt.Errorf("%s/config.json: %w", runDir, err)
		}
		if rc.Env != "" {
			rc.TD3.Env, rc.TD3.EnvOptions = rc.Env, rc.EnvOptions
		}
		if envID == "" {
			envID = rc.TD3.Env
		}
	} else if !random {
		return nil, errors.New("-run is needed unless -random")
	}
	if envID == "" {
		return nil, errors.New("no environment: give -env or -run")
	}
	e, err := env.Make(envID, rc.TD3.EnvOptions)
	if err != nil {
		return nil, err
	}
	if c, ok := env.As[io.Closer](e); ok {
		defer c.Close()
	}
	rt, ok := env.As[terms](e)
	if !ok {
		return nil, fmt.Errorf("%s has no reward terms (not an sgrl/ task)", envID)
	}
	res := &result{Run: runDir, Env: envID, Episodes: episodes, Policy: "random"}
	act := make([]float64, e.ActionSpace().Dim())
	var agent *td3.Agent
	var policy *td3.Policy
	if !random {
		if agent, res.Checkpoint, err = loadAgent(runDir, rc, e); err != nil {
			return nil, err
		}
		if policy, err = td3.NewPolicy(agent, e.ActionSpace()); err != nil {
			return nil, err
		}
		res.Policy = "td3 " + rc.Arch
	}
	member, _ := env.As[interface{ MemberIndex() int }](e)
	rng := rand.New(rand.NewPCG(seed, 77))
	names := rt.RewardTermNames()
	cols := map[string][]float64{}
	sums := make([]float64, len(names))
	e.Seed(seed)
	obs := [][]float64{make([]float64, e.ObservationSpace().Dim())}
	acts := [][]float64{act}
	for ep := 0; ep <= episodes; ep++ {
		copy(obs[0], e.Reset())
		if ep > 0 { // the episode before this Reset is complete now
			rt.LastEpisodeTerms(sums)
			for k, n := range names {
				cols[n] = append(cols[n], sums[k])
			}
		}
		if ep == episodes {
			break
		}
		if agent != nil && member != nil {
			if err := agent.UseMorphology(member.MemberIndex()); err != nil {
				return nil, err
			}
		}
		ret, length := 0.0, 0.0
		for {
			if policy != nil {
				policy.Act(obs, acts, true)
			} else {
				for j := range act {
					act[j] = 2*rng.Float64() - 1
				}
			}
			tr := e.Step(act)
			if err := env.FailureOf(e); err != nil {
				return nil, err
			}
			ret += tr.Reward
			length++
			if tr.Done() {
				break
			}
			copy(obs[0], tr.Obs)
		}
		cols["return"] = append(cols["return"], ret)
		cols["length"] = append(cols["length"], length)
	}
	res.Mean, res.CI95 = map[string]float64{}, map[string]float64{}
	for n, v := range cols {
		res.Mean[n], res.CI95[n] = meanCI(v)
	}
	res.AliveShare = res.Mean["alive"] / res.Mean["return"]
	return res, nil
}

// loadAgent rebuilds the run's actor for e and loads the latest checkpoint.
func loadAgent(runDir string, rc runConfig, e env.Env) (*td3.Agent, string, error) {
	path := td3.FinalCheckpointPath(runDir)
	if _, err := os.Stat(path); err != nil {
		if path, err = td3.LatestCheckpoint(runDir); err != nil {
			return nil, "", fmt.Errorf("%s: no td3 checkpoint: %w", runDir, err)
		}
	}
	var graphs []*morph.Graph
	if m, ok := env.As[interface{ Graphs() []*morph.Graph }](e); ok {
		graphs = m.Graphs()
	} else if m, ok := env.As[morph.Morphological](e); ok {
		graphs = []*morph.Graph{m.Graph()}
	}
	var arch td3.Arch
	switch rc.Arch {
	case "mlp", "":
	case "set":
		if rc.SET == nil {
			return nil, "", errors.New("config.json: arch set without set sizes")
		}
		s := rc.SET
		arch = td3.SETArch{Graphs: graphs, Config: setnet.Config{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers, Channels: s.Channels}}
	case "swat":
		if rc.SWAT == nil {
			return nil, "", errors.New("config.json: arch swat without swat sizes")
		}
		s := rc.SWAT
		arch = td3.SWATArch{Graphs: graphs, Config: setnet.SWATConfig{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers}}
	default:
		return nil, "", fmt.Errorf("config.json: unknown arch %q", rc.Arch)
	}
	cfg := rc.TD3.WithDefaults().TD3
	a, err := td3.New(arch, e.ObservationSpace().Dim(), e.ActionSpace().Dim(), cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		return nil, "", err
	}
	if err := a.LoadCheckpoint(path); err != nil {
		return nil, "", err
	}
	return a, path, nil
}

// meanCI returns the mean and the half-width of its 95% Student-t interval.
func meanCI(v []float64) (float64, float64) {
	n := float64(len(v))
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= n
	ss := 0.0
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, tQuantile975(len(v)-1) * math.Sqrt(ss/(n-1)/n)
}

// tQuantile975 is the 97.5% quantile of Student's t with df degrees of freedom (table up
// to 30, then the normal's 1.96).
func tQuantile975(df int) float64 {
	table := []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
		2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df >= 1 && df <= len(table) {
		return table[df-1]
	}
	return 1.96
}
