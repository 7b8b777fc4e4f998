// Command benchnn times one training step of a tanh MLP (forward, MSE, backward, Adam)
// in gorl's agents/nn and in the PyTorch peer, single-threaded, in the same run, and
// prints the ratio gorl/PyTorch per shape next to its goal; it also times one multi-head
// attention block forward and backward. Each side is measured -rounds times and the
// fastest round counts, so that other load on the machine distorts the ratio less.
//
//	go run ./agents/nn/benchnn -peer ../shared/peers/torch_mlp.py
//	OPENBLAS_NUM_THREADS=1 go run -tags openblas ./agents/nn/benchnn -peer ...
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	"gorl/agents/nn"
	"gorl/agents/nn/nnbench"
)

func main() {
	peer := flag.String("peer", "../shared/peers/torch_mlp.py", "PyTorch peer script (empty: gorl only)")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with torch")
	iters := flag.Int("iters", 500, "timed steps per shape and round (the peer's default)")
	rounds := flag.Int("rounds", 3, "rounds per side; the fastest counts")
	flag.Parse()
	if err := run(*peer, *python, *iters, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "benchnn:", err)
		os.Exit(1)
	}
}

type peerLine struct {
	Peer      string  `json:"peer"`
	Shape     string  `json:"shape"`
	UsPerStep float64 `json:"us_per_step"`
}

func run(peer, python string, iters, rounds int) error {
	if iters <= 0 || rounds <= 0 {
		return errors.New("-iters and -rounds must be positive")
	}
	runtime.GOMAXPROCS(1)
	goUs := map[string]float64{}
	torchUs := map[string]float64{}
	peerName := ""
	for r := 0; r < rounds; r++ {
		// Alternate the two sides so that slow phases of machine load hit both.
		for _, sh := range nnbench.MLPShapes {
			s, err := nnbench.NewMLPStep(sh.Sizes, sh.Batch, 7)
			if err != nil {
				return err
			}
			d, err := nnbench.Time(func() error { _, err := s.Step(); return err }, 50, iters)
			if err != nil {
				return fmt.Errorf("shape %s: %w", sh.Name, err)
			}
			us := float64(d.Nanoseconds()) / 1e3
			if v, ok := goUs[sh.Name]; !ok || us < v {
				goUs[sh.Name] = us
			}
		}
		if peer == "" {
			continue
		}
		cmd := exec.Command(python, peer, "--threads", "1", "--iters", strconv.Itoa(iters))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("run peer %s: %w: %s", peer, err, bytes.TrimSpace(stderr.Bytes()))
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var pl peerLine
			if err := json.Unmarshal(sc.Bytes(), &pl); err != nil {
				return fmt.Errorf("peer output %q: %w", sc.Text(), err)
			}
			peerName = pl.Peer
			if v, ok := torchUs[pl.Shape]; !ok || pl.UsPerStep < v {
				torchUs[pl.Shape] = pl.UsPerStep
			}
		}
	}
	fmt.Printf("MLP training step (forward, MSE, backward, Adam), single thread, best of %d rounds × %d steps\n", rounds, iters)
	fmt.Printf("gorl backend: %s   peer: %s\n", nn.Backend, peerName)
	fmt.Printf("%-13s %-18s %6s %12s %12s %8s %6s\n", "shape", "sizes", "batch", "gorl µs", "pytorch µs", "ratio", "goal")
	for _, sh := range nnbench.MLPShapes {
		ratio, tu := "-", "-"
		if v, ok := torchUs[sh.Name]; ok {
			tu = fmt.Sprintf("%.1f", v)
			ratio = fmt.Sprintf("%.3f", goUs[sh.Name]/v)
		}
		fmt.Printf("%-13s %-18s %6d %12.1f %12s %8s %6.2f\n", sh.Name, fmt.Sprint(sh.Sizes), sh.Batch, goUs[sh.Name], tu, ratio, sh.Goal)
	}
	att, err := nnbench.NewAttentionStep(256, 10, 128, 4, 7)
	if err != nil {
		return err
	}
	var best time.Duration
	for r := 0; r < rounds; r++ {
		d, err := nnbench.Time(att.Step, 3, 20)
		if err != nil {
			return fmt.Errorf("attention: %w", err)
		}
		if r == 0 || d < best {
			best = d
		}
	}
	fmt.Printf("attention block forward+backward, batch 256 × 10 tokens × width 128, 4 heads: %.1f µs\n", float64(best.Nanoseconds())/1e3)
	return nil
}
