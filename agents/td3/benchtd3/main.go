// Command benchtd3 times one TD3 update (batch 256) in gorl and in the PyTorch peers,
// single-threaded, side by side in one run, and prints the ratios gorl/PyTorch next to
// their goals: the 256-256 MLPs against CleanRL's update (torch_td3_update.py, one fixed
// batch) on the Pendulum, hopper-3 and hopper++ widths, and SET at the paper's sizes on
// the hopper++ members against SGRL's own networks and update (torch_set_update.py),
// with both sides' parameter counts. It also times gorl on 2 workers for the 2-core
// speed-up. The measurements are interleaved: each of -rounds rounds times gorl on 1
// worker, gorl on 2 workers and then the peer (a fresh process; its best (MLP) or mean
// (SET) per update in that round), and each figure is its fastest round, so that a
// change of load on a shared machine reaches all three alike.
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
	rounds := flag.Int("rounds", 3, "interleaved rounds (gorl 1 worker, 2 workers, peer) per case; the fastest of each counts")
	flag.Parse()
	if err := run(*peers, *python, *mlpIters, *setIters, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "benchtd3:", err)
		os.Exit(1)
	}
}

// warm takes two updates (sizing the tapes; one critic-only and one actor update).
func warm(s *tdbench.Setup) error {
	for range 2 {
		if err := s.Step(); err != nil {
			return err
		}
	}
	return nil
}

// timeRound returns the mean seconds per update over iters updates on workers goroutines.
func timeRound(s *tdbench.Setup, workers, iters int) (float64, error) {
	s.Agent.SetWorkers(workers)
	t0 := time.Now()
	for range iters {
		if err := s.Step(); err != nil {
			return 0, err
		}
	}
	return time.Since(t0).Seconds() / float64(iters), nil
}

// best keeps the smallest positive value.
func best(cur, v float64) float64 {
	if cur == 0 || v < cur {
		return v
	}
	return cur
}

// interleave runs rounds of: gorl on 1 worker, gorl on 2 workers, then peer (nil: none),
// so that the three figures see the same load; it returns each one's fastest round.
func interleave(s *tdbench.Setup, iters, rounds int, peer func() (float64, error)) (one, two, p float64, err error) {
	for range rounds {
		v, err := timeRound(s, 1, iters)
		if err != nil {
			return 0, 0, 0, err
		}
		one = best(one, v)
		if v, err = timeRound(s, 2, iters); err != nil {
			return 0, 0, 0, err
		}
		two = best(two, v)
		if peer != nil {
			if v, err = peer(); err != nil {
				return 0, 0, 0, err
			}
			p = best(p, v)
		}
	}
	return one, two, p, nil
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
		if err := warm(s); err != nil {
			return err
		}
		var m map[string]any
		var peerFn func() (float64, error)
		if peers != "" {
			peerFn = func() (float64, error) {
				var err error
				m, err = peerJSON(python, filepath.Join(peers, "torch_td3_update.py"), "--obs", fmt.Sprint(sh.Obs), "--act", fmt.Sprint(sh.Act),
					"--fixed-batch", "--iters", fmt.Sprint(mlpIters-mlpIters%2), "--repeats", "1")
				return num(m, "us_per_update_best") / 1e6, err
			}
		}
		one, two, peer, err := interleave(s, mlpIters, rounds, peerFn)
		if err != nil {
			return err
		}
		pa, pc := s.Params()
		ratio, pp := "-", ""
		if m != nil {
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
		if err := warm(s); err != nil {
			return err
		}
		var m map[string]any
		var peerFn func() (float64, error)
		if c.peer && peers != "" {
			peerFn = func() (float64, error) {
				var err error
				m, err = peerJSON(python, filepath.Join(peers, "sgrl_set", "torch_set_update.py"), "--iters", fmt.Sprint(setIters))
				return num(m, "us_per_update_mean") / 1e6, err
			}
		}
		one, two, peer, err := interleave(s, c.iters, rounds, peerFn)
		if err != nil {
			return err
		}
		pa, pc := s.Params()
		ratio, pp, goal := "-", "", "(2w goal >= 1.7x at paper size)"
		if m != nil {
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
