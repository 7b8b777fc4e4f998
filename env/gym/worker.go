package gym

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"gorl/env"
)

// Protocol is the version of the protocol of python/gorl_gym/protocol.py that this
// package speaks; a worker module that speaks another is refused when it starts.
const Protocol = 2

// Worker is one Python process hosting Num instances of a Gymnasium environment, stepped
// by one message for any run of them (python/gorl_gym/protocol.py describes the
// messages). It is not safe for concurrent use.
type Worker struct {
	ID                 string
	Num                int
	ObsSpace, ActSpace env.Space
	MaxEpisodeSteps    int               // the Gymnasium spec's time limit (0: none)
	Versions           map[string]string // Python, Gymnasium, protocol, ... as the worker reports them
	python             string
	spec               []byte // the init request: id and gymnasium.make kwargs
	cmd                *exec.Cmd
	in                 *bufio.Writer
	stdin              io.Closer
	out                *bufio.Reader
	stderr             *tailBuffer
	waitOnce           sync.Once
	waitErr            error
	err                error // the failure that ended the worker; every later call returns it
	closed             bool
	refs               int // environments (Env) that share the worker; the last to close stops it
	req, rep           []byte
	obsDim, actDim     int
	first, count       int  // the run of environments of the step in flight
	autoreset          bool // whether the step in flight resets ended episodes
}

// WorkerOptions configure StartWorker.
type WorkerOptions struct {
	Python string         // interpreter (default: see FindPython)
	Kwargs map[string]any // keyword arguments of gymnasium.make
}

// StartWorker starts a Python worker hosting num instances of the Gymnasium id.
func StartWorker(id string, num int, opts WorkerOptions) (*Worker, error) {
	if num < 1 {
		return nil, fmt.Errorf("need at least 1 environment per worker, got %d", num)
	}
	python, err := FindPython(opts.Python)
	if err != nil {
		return nil, err
	}
	w := &Worker{ID: id, Num: num, python: python, stderr: &tailBuffer{}, refs: 1}
	w.cmd = exec.Command(python, "-m", "gorl_gym")
	// Worker processes step on one thread each: several of them share the cores.
	w.cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS=1")
	w.cmd.Stderr = w.stderr
	stdin, err := w.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", python, err)
	}
	// Fd puts the pipes in blocking mode: a read then waits in the kernel on its own thread
	// rather than through Go's poller, which saves a scheduler hand-off on every reply.
	for _, p := range []any{stdin, stdout} {
		if f, ok := p.(interface{ Fd() uintptr }); ok {
			f.Fd()
		}
	}
	w.stdin, w.in, w.out = stdin, bufio.NewWriterSize(stdin, 64<<10), bufio.NewReaderSize(stdout, 64<<10)
	kwargs := opts.Kwargs
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	w.spec, _ = json.Marshal(map[string]any{"id": id, "kwargs": kwargs})
	init, _ := json.Marshal(map[string]any{"id": id, "num": num, "kwargs": kwargs})
	rep, err := w.call('I', init)
	if err != nil {
		w.Close()
		return nil, err
	}
	if err := w.setSpaces(rep); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// spaceJSON is a space as the worker describes it.
type spaceJSON struct {
	Kind string  `json:"kind"`
	Low  []bound `json:"low"`
	High []bound `json:"high"`
	N    int     `json:"n"`
	Nvec []int   `json:"nvec"`
}

// bound is a float that may be written as "inf" or "-inf" (JSON has no infinities).
type bound float64

func (b *bound) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*b = bound(f)
	return nil
}

// toSpace translates a Gymnasium space. MultiDiscrete becomes a Box of integer bounds
// [0, nvec-1]: the worker rounds and clips actions to the nearest valid integers.
func (s spaceJSON) toSpace() (env.Space, error) {
	switch s.Kind {
	case "discrete":
		return env.NewDiscrete(s.N), nil
	case "box":
		low, high := make([]float64, len(s.Low)), make([]float64, len(s.High))
		for i := range s.Low {
			low[i], high[i] = float64(s.Low[i]), float64(s.High[i])
		}
		return env.NewBox(low, high), nil
	case "multidiscrete":
		low, high := make([]float64, len(s.Nvec)), make([]float64, len(s.Nvec))
		for i, n := range s.Nvec {
			high[i] = float64(n - 1)
		}
		return env.NewBox(low, high), nil
	}
	return env.Space{}, fmt.Errorf("unknown space kind %q", s.Kind)
}

func (w *Worker) setSpaces(rep []byte) error {
	var info struct {
		Obs, Act        spaceJSON
		MaxEpisodeSteps *int              `json:"max_episode_steps"`
		Versions        map[string]string `json:"versions"`
	}
	if err := json.Unmarshal(rep, &info); err != nil {
		return fmt.Errorf("bad init reply: %w", err)
	}
	if v := info.Versions["protocol"]; v != strconv.Itoa(Protocol) {
		if v == "" {
			v = "1"
		}
		return fmt.Errorf("the gorl_gym module of %s speaks protocol %s, this gorl %d (rerun make deps from the same checkout as gorl)", w.python, v, Protocol)
	}
	w.Versions = info.Versions
	var err error
	if w.ObsSpace, err = info.Obs.toSpace(); err != nil {
		return fmt.Errorf("observation space: %w", err)
	}
	if w.ActSpace, err = info.Act.toSpace(); err != nil {
		return fmt.Errorf("action space: %w", err)
	}
	if info.MaxEpisodeSteps != nil {
		w.MaxEpisodeSteps = *info.MaxEpisodeSteps
	}
	w.obsDim, w.actDim = w.ObsSpace.Dim(), w.ActSpace.Dim()
	return nil
}

// Add makes k more instances in the worker (made as the first ones were), numbered from
// Num on.
func (w *Worker) Add(k int) error {
	if k < 1 {
		return nil
	}
	req := binary.LittleEndian.AppendUint32(w.req[:0], uint32(k))
	w.req = req
	if _, err := w.call('A', req); err != nil {
		return err
	}
	w.Num += k
	return nil
}

// Reset starts an episode in environments first to first+len(seeds)-1 and writes their
// first observations to obs; seeds[i] >= 0 seeds environment first+i (gymnasium's
// reset(seed=...)), a negative one continues its random stream.
func (w *Worker) Reset(first int, seeds []int64, obs [][]float64) error {
	req := binary.LittleEndian.AppendUint32(w.req[:0], uint32(first))
	for _, s := range seeds {
		if s >= 0 {
			req = append(req, 1)
		} else {
			req, s = append(req, 0), 0
		}
		req = binary.LittleEndian.AppendUint64(req, uint64(s))
	}
	w.req = req
	rep, err := w.call('R', req)
	if err != nil {
		return err
	}
	if len(rep) != 8*len(seeds)*w.obsDim {
		return w.fail(fmt.Errorf("reset reply of %d bytes, want %d", len(rep), 8*len(seeds)*w.obsDim))
	}
	decodeRows(rep, obs)
	return nil
}

// StartStep sends actions[i] for environment first+i and returns without waiting: the
// worker steps while the caller does other work (starts other workers' steps).
// FinishStep waits for the results. With autoreset, an environment whose episode ends
// is reset in the same step.
func (w *Worker) StartStep(first int, actions [][]float64, autoreset bool) error {
	req := binary.LittleEndian.AppendUint32(w.req[:0], uint32(first))
	req = binary.LittleEndian.AppendUint32(req, uint32(len(actions)))
	var ar byte
	if autoreset {
		ar = 1
	}
	req = append(req, ar, 0, 0, 0, 0, 0, 0, 0) // 16 bytes: the actions start 8-aligned
	for _, a := range actions {
		for _, x := range a[:w.actDim] {
			req = binary.LittleEndian.AppendUint64(req, math.Float64bits(x))
		}
	}
	w.req = req
	w.first, w.count, w.autoreset = first, len(actions), autoreset
	return w.send('S', req)
}

// FinishStep reads the results of the step StartStep began into one row or value per
// environment of it: obs[i] the observation after the step (with autoreset, the first of
// the next episode where one ended, and final[i] the last of the one that ended; final is
// not touched without autoreset), rewards, terminated and truncated.
func (w *Worker) FinishStep(obs, final [][]float64, rewards []float64, terminated, truncated []bool) error {
	rep, err := w.recv()
	if err != nil {
		return err
	}
	n, od := w.count, w.obsDim
	fixed := 8*n*od + 8*n + 2*n
	if len(rep) < fixed {
		return w.fail(fmt.Errorf("step reply of %d bytes, want at least %d", len(rep), fixed))
	}
	decodeRows(rep, obs[:n])
	rep = rep[8*n*od:]
	for i := range n {
		rewards[i] = math.Float64frombits(binary.LittleEndian.Uint64(rep[8*i:]))
	}
	rep = rep[8*n:]
	done := 0
	for i := range n {
		terminated[i], truncated[i] = rep[i] != 0, rep[n+i] != 0
		if terminated[i] || truncated[i] {
			done++
		}
	}
	rep = rep[2*n:]
	if !w.autoreset {
		done = 0
	}
	if len(rep) != 8*od*done {
		return w.fail(fmt.Errorf("step reply has %d final observations, want %d", len(rep)/(8*od), done))
	}
	if done == 0 {
		return nil
	}
	for i := range n {
		if terminated[i] || truncated[i] {
			decodeRows(rep[:8*od], final[i:i+1])
			rep = rep[8*od:]
		}
	}
	return nil
}

// call sends one request and returns the reply's payload (valid until the next call).
func (w *Worker) call(op byte, payload []byte) ([]byte, error) {
	if err := w.send(op, payload); err != nil {
		return nil, err
	}
	return w.recv()
}

var errClosed = errors.New("worker closed")

func (w *Worker) send(op byte, payload []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return w.fail(errClosed)
	}
	var hdr [5]byte
	hdr[0] = op
	binary.LittleEndian.PutUint32(hdr[1:], uint32(len(payload)))
	w.in.Write(hdr[:])
	w.in.Write(payload)
	if err := w.in.Flush(); err != nil {
		return w.fail(w.died())
	}
	return nil
}

func (w *Worker) recv() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.closed {
		return nil, w.fail(errClosed)
	}
	var hdr [5]byte
	if _, err := io.ReadFull(w.out, hdr[:]); err != nil {
		return nil, w.fail(w.died())
	}
	n := int(binary.LittleEndian.Uint32(hdr[1:]))
	if cap(w.rep) < n {
		w.rep = make([]byte, n)
	}
	rep := w.rep[:n]
	if _, err := io.ReadFull(w.out, rep); err != nil {
		return nil, w.fail(w.died())
	}
	if hdr[0] != 0 {
		// The environment raised: its state is unknown, so the worker is done with.
		return nil, w.fail(fmt.Errorf("Python raised %s", strings.TrimSpace(string(rep))))
	}
	return rep, nil
}

// died describes a worker whose pipes broke: how it exited and the last line it wrote to
// stderr (a Python traceback ends with the exception).
func (w *Worker) died() error {
	w.stdin.Close()
	err := w.wait()
	msg := fmt.Sprintf("python worker (pid %d) died", w.cmd.Process.Pid)
	if err != nil {
		msg += ": " + err.Error()
	}
	if line := w.stderr.lastLine(); line != "" {
		msg += ": " + line
		if strings.Contains(line, "No module named") {
			msg += " (make deps installs gorl_gym and Gymnasium into .venv; or set GORL_PYTHON)"
		}
	}
	return errors.New(msg)
}

func (w *Worker) wait() error {
	w.waitOnce.Do(func() { w.waitErr = w.cmd.Wait() })
	return w.waitErr
}

func (w *Worker) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// Err is the failure that ended the worker, nil while it works.
func (w *Worker) Err() error { return w.err }

// Close asks the worker to quit and waits for it.
func (w *Worker) Close() error {
	if w.cmd == nil || w.cmd.Process == nil || w.closed {
		return nil
	}
	w.closed = true
	if w.err == nil {
		w.in.Write([]byte{'Q', 0, 0, 0, 0})
		w.in.Flush()
	}
	w.stdin.Close()
	w.wait()
	return nil
}

func decodeRows(b []byte, dst [][]float64) {
	k := 0
	for _, row := range dst {
		for j := range row {
			row[j] = math.Float64frombits(binary.LittleEndian.Uint64(b[k:]))
			k += 8
		}
	}
}

func rows(n, d int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
	}
	return out
}

// tailBuffer keeps the last few kilobytes a worker wrote to stderr.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 8 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
