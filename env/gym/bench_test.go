package gym

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorl/env"
)

// BenchmarkBridgeVsPython steps gym:CartPole-v1 through the bridge (an env.Vector of
// procs*envs environments in procs worker processes, as training steps them) and, in the same run, the peer: the same
// environments stepped by Python itself in procs processes (python -m gorl_gym.bench
// --serve: a plain loop over the environments, or with vector/ Gymnasium's
// SyncVectorEnv). The two alternate in blocks of a few hundred vector steps, so both see
// the same machine load, and each reports its best block (on a shared machine the best
// block is the one least disturbed by other work): bridge-steps/s and python-steps/s are
// env steps per second, bridge/python the ratio of the best block times (goal: at most
// 1.25). One iteration is one vector step of each.
//
//	go test -run '^$' -bench BridgeVsPython ./env/gym
//
// async/procs=P/envs=1 compares with Gymnasium's own multi-process vector env instead:
// one AsyncVectorEnv of P environments, a subprocess each, stepped in lock step as the
// bridge's workers are (the plain-loop peers of procs=2 run unsynchronised).
func BenchmarkBridgeVsPython(b *testing.B) {
	for _, mode := range []string{"loop", "vector", "async"} {
		for _, procs := range []int{1, 2} {
			for _, per := range []int{1, 8} {
				if mode == "async" && per != 1 {
					continue // AsyncVectorEnv has one environment per process
				}
				name := fmt.Sprintf("procs=%d/envs=%d", procs, per)
				if mode != "loop" {
					name = mode + "/" + name
				}
				b.Run(name, func(b *testing.B) { benchBridgeVsPython(b, procs, per, mode) })
			}
		}
	}
}

func benchBridgeVsPython(b *testing.B, procs, per int, mode string) {
	needGymB(b)
	batch, err := env.MakeVector("gym:CartPole-v1", nil, procs*per, procs)
	if err != nil {
		b.Fatal(err)
	}
	defer closeAll(batch)
	if batch.Batches() != procs {
		b.Fatalf("%d batches, want %d", batch.Batches(), procs)
	}
	batch.Seed(1)
	batch.Reset()
	peers := make([]*peer, procs)
	if mode == "async" {
		peers = peers[:1]
	}
	for i := range peers {
		if peers[i], err = startPeer(per, procs, mode); err != nil {
			b.Fatal(err)
		}
		defer peers[i].close()
	}
	acts := make([][][]float64, 64)
	for t := range acts {
		acts[t] = make([][]float64, batch.Num())
		for i := range acts[t] {
			acts[t][i] = []float64{float64((t*7 + i*3) % 2)}
		}
	}
	block := max(50, 400/per)
	bestBridge, bestPeer := time.Duration(1<<62), time.Duration(1<<62)
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		start := time.Now()
		for t := range n {
			batch.Step(acts[t%64])
		}
		bridge := time.Since(start)
		if err := batch.Failure(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		py, err := runPeers(peers, n)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if n == block {
			bestBridge, bestPeer = min(bestBridge, bridge), min(bestPeer, py)
		}
	}
	if bestBridge == 1<<62 {
		return // b.N below one block: the framework's first probe
	}
	steps := float64(block * batch.Num())
	b.ReportMetric(steps/bestBridge.Seconds(), "bridge-steps/s")
	b.ReportMetric(steps/bestPeer.Seconds(), "python-steps/s")
	b.ReportMetric(bestBridge.Seconds()/bestPeer.Seconds(), "bridge/python")
}

// peer is a python -m gorl_gym.bench --serve process.
type peer struct {
	cmd *exec.Cmd
	in  *bufio.Writer
	out *bufio.Scanner
}

func startPeer(envs, procs int, mode string) (*peer, error) {
	python, err := FindPython("")
	if err != nil {
		return nil, err
	}
	args := []string{"-m", "gorl_gym.bench", "--serve", "--envs", strconv.Itoa(envs)}
	switch mode {
	case "vector":
		args = append(args, "--vector")
	case "async":
		args = append(args, "--async-procs", strconv.Itoa(procs))
	}
	p := &peer{cmd: exec.Command(python, args...)}
	p.cmd.Env = append(p.cmd.Environ(), "OMP_NUM_THREADS=1")
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	p.in, p.out = bufio.NewWriter(stdin), bufio.NewScanner(stdout)
	if !p.out.Scan() || p.out.Text() != "ready" {
		return nil, fmt.Errorf("bench peer did not start: %v", p.cmd.Wait())
	}
	return p, nil
}

// runPeers has every peer step n vector steps at once and returns the slowest one's
// self-timed duration (they run side by side, as the bridge's workers do).
func runPeers(peers []*peer, n int) (time.Duration, error) {
	secs := make([]float64, len(peers))
	errs := make([]error, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		fmt.Fprintln(p.in, n)
		if err := p.in.Flush(); err != nil {
			return 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !p.out.Scan() {
				errs[i] = fmt.Errorf("bench peer stopped")
				return
			}
			secs[i], errs[i] = strconv.ParseFloat(strings.TrimSpace(p.out.Text()), 64)
		}()
	}
	wg.Wait()
	slowest := 0.0
	for i, s := range secs {
		if errs[i] != nil {
			return 0, errs[i]
		}
		slowest = max(slowest, s)
	}
	return time.Duration(slowest * float64(time.Second)), nil
}

func (p *peer) close() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

func needGymB(b *testing.B) {
	pythonOnce.Do(checkPython)
	if pythonErr != nil {
		b.Skipf("no Python with Gymnasium (run make deps): %v", pythonErr)
	}
}

func closeAll(v *env.Vector) {
	for _, e := range v.Envs {
		e.(*Env).Close()
	}
}
