package ppo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gorl/agents"
	"gorl/internal/workpool"
)

// peerResult is the JSON line the PyTorch peer (shared/peers/torch_ppo_cartpole.py)
// prints at the end of a run.
type peerResult struct {
	Seed       uint64  `json:"seed"`
	EnvSteps   int64   `json:"env_steps"`
	Solved     bool    `json:"solved"`
	Last20Mean float64 `json:"last20_mean"`
}

// BenchmarkCartPoleParity is the regression check of PPO's final CartPole return
// against the PyTorch peer (make bench-ppo-final): for every peer result in the
// directory PPO_PEER_RESULTS (files peer-final-s*.json, full 500k-step runs without
// early stop) it trains gorl's PPO with the same seed and budget and CleanRL's defaults
// (as gorl train does), then prints both sets of final last-20 means with 95% t-intervals
// and Welch's interval of their difference. It reports the means as metrics. The peer
// shuffles its minibatches with NumPy's unseeded global generator, so its return for a
// seed changes from run to run: compare the intervals, not single seeds.
func BenchmarkCartPoleParity(b *testing.B) {
	dir := os.Getenv("PPO_PEER_RESULTS")
	if dir == "" {
		b.Skip("PPO_PEER_RESULTS (a directory of peer-final-s*.json results) not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "peer-final-s*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no peer-final-s*.json in %s", dir)
	}
	var peers []peerResult
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var p peerResult
		if err := json.Unmarshal(data, &p); err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		peers = append(peers, p)
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].Seed < peers[j].Seed })
	for i := 0; i < b.N; i++ {
		gorl := make([]float64, len(peers))
		err := workpool.Run(len(peers), 0, func(k int) error {
			tc := agents.TrainConfig{Env: "CartPole-v1", Seed: peers[k].Seed, Steps: 500000}
			l, err := agents.NewLoop(tc, nil, newAgentFunc(Config{}, tc.Seed))
			if err != nil {
				return err
			}
			s, err := l.Run()
			gorl[k] = s.RecentReturn
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		peer := make([]float64, len(peers))
		fmt.Printf("%-6s %10s %10s\n", "seed", "gorl", "peer")
		for k, p := range peers {
			peer[k] = p.Last20Mean
			fmt.Printf("%-6d %10.1f %10.1f\n", p.Seed, gorl[k], peer[k])
		}
		g, p, d := MeanInterval(gorl), MeanInterval(peer), DiffInterval(gorl, peer)
		fmt.Printf("final last-20 mean, 95%% t-interval: gorl %v, peer %v\n", g, p)
		fmt.Printf("gorl - peer: %.1f [%.1f, %.1f] (Welch, df %.1f)\n", d.Mean, d.Lo, d.Hi, d.DF)
		verdict := "below the peer's interval"
		if g.Mean >= p.Lo {
			verdict = "within the peer's interval or above it"
		}
		fmt.Printf("gorl's mean is %s\n", verdict)
		b.ReportMetric(g.Mean, "gorl-last20")
		b.ReportMetric(p.Mean, "peer-last20")
	}
}
