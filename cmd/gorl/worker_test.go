package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorl/evolution/distributed"
	"gorl/logs"
)

// natsServer starts an embedded NATS server on a random loopback port for the test.
func natsServer(t *testing.T) string {
	t.Helper()
	srv, url, err := distributed.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return url
}

// workerProc is a gorl worker subprocess whose stdout lines are collected.
type workerProc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	seen  chan string // every line, for waiting on one
	done  chan struct{}
}

func startWorkerProc(t *testing.T, url string, extra ...string) *workerProc {
	t.Helper()
	cmd := exec.Command(gorlBin, append([]string{"worker", "--nats", url, "--heartbeat", "100ms", "--reconnect", "0s"}, extra...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &workerProc{cmd: cmd, seen: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
			select {
			case w.seen <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return w
}

// output waits for the worker's stdout to end and returns its lines.
func (w *workerProc) output() []string {
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

// sameMetaRun checks that two meta-training runs have the same drift files and the
// same metrics (all but wall time).
func sameMetaRun(t *testing.T, want, got string) {
	t.Helper()
	for _, f := range []string{"mean.drift", "best.drift"} {
		a, err := os.ReadFile(filepath.Join(want, f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(got, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between %s and %s", f, want, got)
		}
	}
	ma, err := logs.ReadMetrics(want)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := logs.ReadMetrics(got)
	if err != nil {
		t.Fatal(err)
	}
	ma.WallSeconds, mb.WallSeconds = nil, nil
	dropMessageCounts(ma)
	dropMessageCounts(mb)
	if !reflect.DeepEqual(ma, mb) {
		t.Errorf("metrics differ:\n%s: %+v\n%s: %+v", want, ma, got, mb)
	}
}

// dropMessageCounts removes the columns only distributed runs have: the counts of
// messages their coordinator dropped.
func dropMessageCounts(t *logs.MetricsTable) {
	t.Names = slices.DeleteFunc(t.Names, func(n string) bool { return strings.HasPrefix(n, "messages_") })
	for n := range t.Values {
		if strings.HasPrefix(n, "messages_") {
			delete(t.Values, n)
		}
	}
}

// Local goroutines, NATS workers in the coordinator and 3 worker processes on an
// external server give the same meta-training run, whatever order results arrive in.
func TestEvolveDistributedMatchesLocal(t *testing.T) {
	tmp := t.TempDir()
	args := []string{"evolve", "--generations", "2", "--population", "4", "--inner-steps", "2048", "--hidden", "8",
		"--fitness-episodes", "2", "--seed", "7", "--quiet"}
	local := filepath.Join(tmp, "local")
	if _, stderr, code := gorl(t, append(args, "--run-dir", local, "--workers", "1")...); code != 0 {
		t.Fatalf("local: %s", stderr)
	}
	m, err := logs.ReadMetrics(local)
	if err != nil {
		t.Fatal(err)
	}
	if fm, _ := m.Column("fitness_max"); fm[0] == fm[1] {
		t.Logf("fitness_max %v: generations alike", fm)
	}

	embedded := filepath.Join(tmp, "embedded")
	out, stderr, code := gorl(t, append(args, "--run-dir", embedded, "--distributed", "--local-workers", "2")...)
	if code != 0 {
		t.Fatalf("--distributed --local-workers 2: %s", stderr)
	}
	if !regexp.MustCompile(`start workers with: GORL_NATS_TOKEN=[0-9a-f]{32} gorl worker --nats nats://127\.0\.0\.1:\d+\n`).MatchString(out) {
		t.Errorf("the coordinator does not say where workers connect: %s", out)
	}
	sameMetaRun(t, local, embedded)
	cfg, err := os.ReadFile(filepath.Join(embedded, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), `"distributed": true`) || strings.Contains(string(cfg), "local_workers") {
		t.Errorf("config.json does not record the evaluation (without worker counts): %s", cfg)
	}

	url := natsServer(t)
	var ws []*workerProc
	for range 3 {
		ws = append(ws, startWorkerProc(t, url))
	}
	remote := filepath.Join(tmp, "remote")
	if _, stderr, code := gorl(t, append(args, "--run-dir", remote, "--nats", url)...); code != 0 {
		t.Fatalf("--nats with 3 worker processes: %s", stderr)
	}
	sameMetaRun(t, local, remote)
	// Every member of both generations (4 + the mean + PPO-clip) was evaluated by a worker.
	for _, w := range ws {
		w.cmd.Process.Signal(os.Interrupt)
	}
	evaluated := map[string]bool{}
	re := regexp.MustCompile(`^(generation \d+ member \d+): fitness`)
	for _, w := range ws {
		for _, l := range w.output() {
			if m := re.FindStringSubmatch(l); m != nil {
				evaluated[m[1]] = true
			}
		}
		if err := w.cmd.Wait(); err != nil {
			t.Errorf("worker after SIGINT: %v", err)
		}
	}
	if len(evaluated) != 12 {
		t.Errorf("workers evaluated %d distinct members, want 2 generations x 6: %v", len(evaluated), evaluated)
	}
}

// The embedded server admits workers by the token it prints, and nobody else: a
// worker without it cannot connect, one with it (from GORL_NATS_TOKEN) serves the run.
func TestEvolveWorkerToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(gorlBin, "evolve", "--distributed", "--generations", "1", "--population", "2", "--inner-steps", "512",
		"--hidden", "4", "--seed", "3", "--worker-timeout", "60s", "--quiet", "--run-dir", dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`start workers with: GORL_NATS_TOKEN=([0-9a-f]{32}) gorl worker --nats (\S+)`)
	var token, url string
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			token, url = m[1], m[2]
			break
		}
	}
	if url == "" {
		t.Fatal("the coordinator printed no worker command with a token")
	}
	go io.Copy(io.Discard, stdout)
	wantOneLineError(t, "Authorization Violation", "worker", "--nats", url, "--reconnect", "0s")
	w := exec.Command(gorlBin, "worker", "--nats", url, "--reconnect", "0s", "--quiet")
	w.Env = append(os.Environ(), "GORL_NATS_TOKEN="+token)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Process.Kill(); w.Wait() })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("evolve with a token-holding worker: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mean.drift")); err != nil {
		t.Fatalf("no mean.drift after the run: %v", err)
	}
}

// A worker killed (SIGKILL) in the middle of an evaluation loses nothing: after
// --item-timeout its member goes to another worker and the run ends as a local one.
func TestEvolveDistributedKilledWorker(t *testing.T) {
	tmp := t.TempDir()
	args := []string{"evolve", "--generations", "1", "--population", "4", "--inner-steps", "20000", "--hidden", "8",
		"--fitness-episodes", "2", "--seed", "9", "--quiet"}
	local := filepath.Join(tmp, "local")
	if _, stderr, code := gorl(t, append(args, "--run-dir", local, "--workers", "1")...); code != 0 {
		t.Fatalf("local: %s", stderr)
	}
	url := natsServer(t)
	dir := filepath.Join(tmp, "killed")
	coord := exec.Command(gorlBin, append(args, "--run-dir", dir, "--nats", url, "--item-timeout", "1s", "--worker-timeout", "30s")...)
	var cout, cerr bytes.Buffer
	coord.Stdout, coord.Stderr = &cout, &cerr
	if err := coord.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coord.Process.Kill() })
	victim := startWorkerProc(t, url)
	var held string
	select {
	case l := <-victim.seen:
		if !strings.HasSuffix(l, "started") {
			l = <-victim.seen // the connection line comes first
		}
		held = strings.TrimSuffix(l, ": started")
	case <-time.After(30 * time.Second):
		t.Fatal("the worker started no evaluation in 30s")
	}
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, l := range victim.output() {
		if strings.HasPrefix(l, held+": fitness") {
			t.Fatalf("the killed worker finished %s before the kill: the test proves nothing", held)
		}
	}
	survivor := startWorkerProc(t, url)
	done := make(chan error, 1)
	go func() { done <- coord.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("coordinator: %v: %s", err, cerr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the coordinator did not finish in 60s: %s", cerr.String())
	}
	if !strings.Contains(cerr.String(), held+": its worker was silent") {
		t.Errorf("the coordinator did not report handing %s out again: %q", held, cerr.String())
	}
	survivor.cmd.Process.Signal(os.Interrupt)
	var redone bool
	for _, l := range survivor.output() {
		redone = redone || strings.HasPrefix(l, held+": fitness")
	}
	if !redone {
		t.Errorf("the surviving worker never evaluated %s", held)
	}
	sameMetaRun(t, local, dir)
}

func TestEvolveDistributedErrors(t *testing.T) {
	tmp := t.TempDir()
	dead := "nats://127.0.0.1:1"
	wantOneLineError(t, "connect to NATS server", "worker", "--nats", dead)
	wantOneLineError(t, "connect to NATS server", "worker", "--nats", "no such host")
	wantOneLineError(t, "--nats URL is required", "worker")
	wantOneLineError(t, "--parallel must be in", "worker", "--nats", dead, "--parallel", "-1")
	wantOneLineError(t, "is not a NATS subject", "worker", "--nats", dead, "--subject", "a.*")
	dir := filepath.Join(tmp, "bad")
	wantOneLineError(t, "connect to NATS server", "evolve", "--nats", dead, "--run-dir", dir)
	if _, err := os.Stat(dir); err == nil {
		t.Error("a bad --nats left a run directory")
	}
	wantOneLineError(t, "--local-workers needs --distributed", "evolve", "--local-workers", "2", "--run-dir", dir)
	wantOneLineError(t, "--item-timeout must be at least", "evolve", "--distributed", "--item-timeout", "1ms", "--run-dir", dir)
	wantOneLineError(t, "want host:port", "evolve", "--distributed", "--listen", "nowhere", "--run-dir", dir)
	wantOneLineError(t, "listening beyond this machine needs authentication", "evolve", "--distributed", "--listen", "0.0.0.0:0", "--no-auth", "--run-dir", dir)
	wantOneLineError(t, "--tls-cert and --tls-key go together", "evolve", "--distributed", "--tls-cert", "c.pem", "--run-dir", dir)
	wantOneLineError(t, "drop them with --nats", "evolve", "--nats", dead, "--no-auth", "--run-dir", dir)

	// No worker: one line after --worker-timeout.
	start := time.Now()
	wantOneLineError(t, "no worker asked for work", "evolve", "--distributed", "--worker-timeout", "1s", "--generations", "1",
		"--population", "2", "--inner-steps", "512", "--hidden", "4", "--run-dir", filepath.Join(tmp, "alone"), "--quiet")
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("gave up after %v with --worker-timeout 1s", el)
	}
}

func TestWorkerHelp(t *testing.T) {
	out, _, code := gorl(t, "worker", "--help")
	for _, want := range []string{"--nats", "--parallel", "--heartbeat", "gorl evolve"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("gorl worker --help (exit %d) lacks %q: %s", code, want, out)
		}
	}
	out, _, _ = gorl(t, "evolve", "--help")
	for _, want := range []string{"--distributed", "--nats", "--local-workers", "--item-timeout", "gorl worker --nats"} {
		if !strings.Contains(out, want) {
			t.Fatalf("gorl evolve --help lacks %q", want)
		}
	}
}
