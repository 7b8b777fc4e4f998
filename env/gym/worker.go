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

// Worker is one Python process hosting Num instances of a Gymnasium environment, all
// stepped by one message (python/gorl_gym/protocol.py describes the messages). It is not
// safe for concurrent use.
type Worker struct {
	ID                   string
	Num                  int
	ObsSpace, ActSpace   env.Space
	MaxEpisodeSteps      int // the Gymnasium spec's time limit (0: none)
	autoreset            bool
	cmd                  *exec.Cmd
	in                   *bufio.Writer
	stdin                io.Closer
	out                  *bufio.Reader
	stderr               *tailBuffer
	waitOnce             sync.Once
	waitErr              error
	err                  error // the failure that ended the worker; every later call returns it
	req, rep             []byte
	obsDim, actDim, done int

	// Results of the last Reset or Step, as in env.Vector: rows of Obs belong to the
	// Worker; with autoreset, FinalObs[i] is the last observation of an episode that
	// ended in the Step and Obs[i] the first of the next.
	Obs        [][]float64
	FinalObs   [][]float64
	Rewards    []float64
	Terminated []bool
	Truncated  []bool
}

// WorkerOptions configure StartWorker.
type WorkerOptions struct {
	Python    string         // interpreter (default: see FindPython)
	Kwargs    map[string]any // keyword arguments of gymnasium.make
	Autoreset bool           // reset an environment in the same Step its episode ends
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
	w := &Worker{ID: id, Num: num, autoreset: opts.Autoreset, stderr: &tailBuffer{}}
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
	spec, _ := json.Marshal(map[string]any{"id": id, "num": num, "kwargs": kwargs, "autoreset": opts.Autoreset})
	rep, err := w.call('I', spec)
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
		MaxEpisodeSteps *int `json:"max_episode_steps"`
	}
	if err := json.Unmarshal(rep, &info); err != nil {
		return fmt.Errorf("bad init reply: %w", err)
	}
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
	w.Obs, w.FinalObs = rows(w.Num, w.obsDim), rows(w.Num, w.obsDim)
	w.Rewards, w.Terminated, w.Truncated = make([]float64, w.Num), make([]bool, w.Num), make([]bool, w.Num)
	return nil
}

// Reset starts an episode in every environment; seeds[i] >= 0 seeds environment i
// (gymnasium's reset(seed=...)), a negative one continues its random stream.
func (w *Worker) Reset(seeds []int64) error {
	req := w.req[:0]
	for i := range w.Num {
		var s int64 = -1
		if i < len(seeds) {
			s = seeds[i]
		}
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
	if len(rep) != 8*w.Num*w.obsDim {
		return w.fail(fmt.Errorf("reset reply of %d bytes, want %d", len(rep), 8*w.Num*w.obsDim))
	}
	decodeRows(rep, w.Obs)
	for i := range w.Num {
		w.Rewards[i], w.Terminated[i], w.Truncated[i] = 0, false, false
	}
	return nil
}

// Step applies actions[i] to environment i.
func (w *Worker) Step(actions [][]float64) error {
	if err := w.StartStep(actions); err != nil {
		return err
	}
	return w.FinishStep()
}

// StartStep sends the actions and returns without waiting: the worker steps while the
// caller does other work (starts other workers' steps). FinishStep waits for the results.
func (w *Worker) StartStep(actions [][]float64) error {
	req := w.req[:0]
	for i := range w.Num {
		for _, a := range actions[i][:w.actDim] {
			req = binary.LittleEndian.AppendUint64(req, math.Float64bits(a))
		}
	}
	w.req = req
	return w.send('S', req)
}

// FinishStep reads the results of the step StartStep began.
func (w *Worker) FinishStep() error {
	rep, err := w.recv()
	if err != nil {
		return err
	}
	n, od := w.Num, w.obsDim
	fixed := 8*n*od + 8*n + 2*n
	if len(rep) < fixed {
		return w.fail(fmt.Errorf("step reply of %d bytes, want at least %d", len(rep), fixed))
	}
	decodeRows(rep, w.Obs)
	rep = rep[8*n*od:]
	for i := range n {
		w.Rewards[i] = math.Float64frombits(binary.LittleEndian.Uint64(rep[8*i:]))
	}
	rep = rep[8*n:]
	w.done = 0
	for i := range n {
		w.Terminated[i], w.Truncated[i] = rep[i] != 0, rep[n+i] != 0
		if w.Terminated[i] || w.Truncated[i] {
			w.done++
		}
	}
	rep = rep[2*n:]
	if !w.autoreset {
		return nil
	}
	if len(rep) != 8*od*w.done {
		return w.fail(fmt.Errorf("step reply has %d final observations, want %d", len(rep)/(8*od), w.done))
	}
	for i := range n {
		if w.Terminated[i] || w.Truncated[i] {
			decodeRows(rep[:8*od], w.FinalObs[i:i+1])
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

func (w *Worker) send(op byte, payload []byte) error {
	if w.err != nil {
		return w.err
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
	if w.cmd == nil || w.cmd.Process == nil {
		return nil
	}
	if w.err == nil {
		w.in.Write([]byte{'Q', 0, 0, 0, 0})
		w.in.Flush()
		w.err = errors.New("worker closed")
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
