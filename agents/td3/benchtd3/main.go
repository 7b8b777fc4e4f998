// Command benchtd3 times one TD3 update (batch 256) in gorl and in the PyTorch peers,
// single-threaded, side by side in one run, and prints the ratios gorl/PyTorch next to
// their goals: the 256-256 MLPs against CleanRL's update (torch_td3_update.py, one fixed
// batch) on the Pendulum, hopper-3 and hopper++ widths, and SET at the paper's sizes on
// the hopper++ members against SGRL's own networks and update (torch_set_update.py),
// with both sides' parameter counts. It also times gorl on 2 workers for the 2-core
// speed-up. Each gorl figure is the fastest of -rounds; the peers report their best
// (MLP) and mean (SET) per update.
//
//	go run ./agents/td3/benchtd3 -peers ../shared/peers
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	setnet "gorl/agents/set"
	"gorl/agents/td3/tdbench"
)

func main() {
	peers := flag.String("peers", "../shared/peers", "directory of torch_td3_update.py and sgrl_set/ (empty: gorl only)")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with torch")
	mlpIters := flag.Int("mlp-iters", 300, "timed MLP updates per round")
	setIters := flag.Int("set-iters", 6, "timed paper-size SET updates per round (about 1-5 s each)")
	rounds := flag.Int("rounds", 3, "gorl rounds per case; the fastest counts")
	flag.Parse()
	if err := run(*peers, *python, *mlpIters, *setIters, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "benchtd3:", err)
		os.Exit(1)
	}
}

// timeSetup returns the fastest mean seconds per update over rounds of iters updates.
func timeSetup(s *tdbench.Setup, workers, iters, rounds int) (float64, error) {
	s.Agent.SetWorkers(workers)
	for range 2 { // sizes the tapes; one critic-only and one actor update
		if err := s.Step(); err != nil {
			return 0, err
		}
	}
	best := 0.0
	for r := range rounds {
		t0 := time.Now()
		for range iters {
			if err := s.Step(); err != nil {
				return 0, err
			}
		}
		if sec := time.Since(t0).Seconds() / float64(iters); r == 0 || sec < best {
			best = sec
		}
	}
	return best, nil
}

func peerJSON(python string, args ...string) (map[string]any, error) {
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, lastLine(stderr.Bytes()))
	}
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(lastLineBytes(out.Bytes())), &m); err != nil {
		return nil, fmt.Errorf("%s: output %q: %v", filepath.Base(args[0]), lastLine(out.Bytes()), err)
	}
	return m, nil
}

func lastLineBytes(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func lastLine(b []byte) string { return string(lastLineBytes(b)) }

func num(m map[string]any, key string) float64 {
	v, _ := m[key].(float64)
	return v
}

func load() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := bytes.Fields(b)
	if len(f) == 0 {
		return "?"
	}
	return string(f[0])
}

func run(peers, python string, mlpIters, setIters, rounds int) error {
	if mlpIters <= 0 || setIters <= 0 || rounds <= 0 {
		return errors.New("-mlp-iters, -set-iters and -rounds must be positive")
	}
	if runtime.NumCPU() < 2 {
		fmt.Println("note: one CPU; the 2-worker figures cannot show a speed-up")
	}
	fmt.Printf("TD3 update, batch 256, gorl vs PyTorch single-threaded; %d CPUs, load %s at start\n", runtime.NumCPU(), load())
	fmt.Printf("%-22s %12s %12s %12s %8s %8s %s\n", "case", "gorl 1w ms", "gorl 2w ms", "peer ms", "ratio", "2w gain", "params gorl / peer (actor, critics)")
	for _, sh := range tdbench.MLPShapes {
		s, err := tdbench.MLP(sh, 256, 1)
		if err != nil {
			return err
		}
		one, err := timeSetup(s, 1, mlpIters, rounds)
		if err != nil {
			return err
		}
		two, err := timeSetup(s, 2, mlpIters, rounds)
		if err != nil {
			return err
		}
		pa, pc := s.Params()
		peer, ratio, pp := 0.0, "-", ""
		if peers != "" {
			m, err := peerJSON(python, filepath.Join(peers, "torch_td3_update.py"), "--obs", fmt.Sprint(sh.Obs), "--act", fmt.Sprint(sh.Act),
				"--fixed-batch", "--iters", fmt.Sprint(mlpIters-mlpIters%2), "--repeats", fmt.Sprint(rounds))
			if err != nil {
				return err
			}
			peer = num(m, "us_per_update_best") / 1e6
			ratio = fmt.Sprintf("%.2f", one/peer)
			pp = fmt.Sprintf(" / %.0f, %.0f", num(m, "params_actor"), num(m, "params_critics"))
		}
		fmt.Printf("%-22s %12.3f %12.3f %12.3f %8s %7.2fx %d, %d%s   (goal ratio <= 0.5, 2w >= 1.7x)\n",
			"mlp-"+sh.Name, one*1e3, two*1e3, peer*1e3, ratio, one/two, pa, pc, pp)
	}
	for _, c := range []struct {
		name  string
		cfg   setnet.Config
		peer  bool
		iters int
	}{{"set-small-hopper++", tdbench.SmallSET, false, 10 * setIters}, {"set-paper-hopper++", setnet.Config{}, true, setIters}} {
		s, err := tdbench.SET(c.cfg, 256, 1)
		if err != nil {
			return err
		}
		one, err := timeSetup(s, 1, c.iters, rounds)
		if err != nil {
			return err
		}
		two, err := timeSetup(s, 2, c.iters, rounds)
		if err != nil {
			return err
		}
		pa, pc := s.Params()
		peer, ratio, pp, goal := 0.0, "-", "", "(2w goal >= 1.7x at paper size)"
		if c.peer && peers != "" {
			m, err := peerJSON(python, filepath.Join(peers, "sgrl_set", "torch_set_update.py"), "--iters", fmt.Sprint(setIters))
			if err != nil {
				return err
			}
			peer = num(m, "us_per_update_mean") / 1e6
			ratio = fmt.Sprintf("%.2f", one/peer)
			pp = fmt.Sprintf(" / %.0f, %.0f (used %.0f, %.0f)", num(m, "params_actor"), num(m, "params_critic_both"),
				num(m, "params_actor_used"), num(m, "params_critic_both_used"))
			goal = "(goal ratio <= 0.7, 2w >= 1.7x)"
		}
		fmt.Printf("%-22s %12.3f %12.3f %12.3f %8s %7.2fx %d, %d%s   %s\n", c.name, one*1e3, two*1e3, peer*1e3, ratio, one/two, pa, pc, pp, goal)
	}
	fmt.Printf("load %s at the end\n", load())
	return nil
}
