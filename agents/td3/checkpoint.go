package td3

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"gorl/agents"
	"gorl/agents/nn"
	"gorl/logs"
)

// A resumable checkpoint (agents.CheckpointPath: checkpoints/steps-NNNNNNNNNNNN.ckpt,
// NNN… the env steps taken; td3-steps-NNNNNNNNNNNN.ckpt before, still read) holds everything a run needs to go on bit for bit: the loop's state, the four
// networks, both Adam states and the replay buffer, in agents' checkpoint container
// (magic "gorl-ckp", ALGO "td3"; files of versions 1 and 2, magic "gorl-td3", still read):
//
//	STAT  the loop's state (gob of checkpointState): counters, episode bookkeeping,
//	      current observations, environment snapshots, random streams, metrics
//	      accumulators and the logs.Marks of the durable rows
//	ACTR, ACTT, CRIT, CRTT  actor, actor target, critic, critic target (nn.Params format)
//	AOPT, COPT  actor and critic Adam states (nn.Adam.MarshalBinary)
//	RPLY  capacity, obs dim, action dim, insertion index, size (uint64 each), then the
//	      first size rows of obs, act, reward, done and next obs as little-endian float32;
//	      one RPLY section per replay buffer (per member of a multi-task set, in order)
//
// All integers are little-endian. The checkpoint is written through a temporary file,
// fsynced and renamed; only the newest one is kept besides the final checkpoint.
var ckSections = []string{"STAT", "ACTR", "ACTT", "CRIT", "CRTT", "AOPT", "COPT", "RPLY", "END."}

// ErrNoCheckpoint is returned by LatestCheckpoint for a run without resumable checkpoints.
var ErrNoCheckpoint = errors.New("no resumable td3 checkpoint")

// FinalCheckpointPath is where a finished run's final checkpoint (networks and
// optimisers only; see Agent.SaveCheckpoint) is: agents.FinalCheckpointPath, or
// checkpoints/td3-final.ckpt in a run directory an older gorl wrote (an extended old run
// rewrites that one, so a run never holds two final checkpoints).
func FinalCheckpointPath(runDir string) string {
	if old := filepath.Join(agents.CheckpointDir(runDir), legacyFinal); fileExists(old) {
		return old
	}
	return agents.FinalCheckpointPath(runDir)
}

// Names of td3's checkpoints before agents.CheckpointPath.
const (
	legacyFinal     = "td3-final.ckpt"
	legacyResumable = "td3-steps-*.ckpt"
)

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// LatestCheckpoint returns the path of the newest resumable checkpoint of a run directory
// whose state reads: a damaged newer one is passed over (agents.LatestReadable).
func LatestCheckpoint(runDir string) (string, error) {
	path, _, err := latestReadable(runDir)
	return path, err
}

// latestReadable returns the newest resumable checkpoint whose state reads, with the
// errors of newer ones that did not (agents.LatestReadable). Only the newest is kept
// (the replay buffer makes them large), so an older one exists only while a newer one
// is being written or pruned.
func latestReadable(runDir string) (string, []error, error) {
	paths, err := agents.CheckpointPaths(runDir, legacyResumable)
	if err != nil {
		return "", nil, err
	}
	if len(paths) == 0 {
		return "", nil, fmt.Errorf("%s: %w", runDir, ErrNoCheckpoint)
	}
	if len(paths) == 1 {
		return paths[0], nil, nil // its own errors show when it is loaded
	}
	return agents.LatestReadable(paths, func(p string) error {
		_, err := readState(p)
		return err
	})
}

// LatestCheckpointSteps returns the newest resumable checkpoint of a run directory and
// the env steps it holds (from its state).
func LatestCheckpointSteps(runDir string) (string, int64, error) {
	path, err := LatestCheckpoint(runDir)
	if err != nil {
		return "", 0, err
	}
	st, err := readState(path)
	if err != nil {
		return "", 0, err
	}
	return path, st.EnvSteps, nil
}

// checkpointState is the STAT section.
type checkpointState struct {
	Config         string // the effective TrainConfig as JSON; a resume must use the same
	ObsDim, ActDim int
	Members        int // replay buffers (RPLY sections); 0 in version-1 files: 1
	EnvSteps       int64
	Episodes       int64
	NextEpisode    int64
	Solved         bool
	WallSeconds    float64

	// Per sub-environment: the running episode's id, length and return, the observation
	// its next action is taken in, and its snapshot.
	EpisodeIDs     []int64
	EpisodeSteps   []int64
	EpisodeReturns []float64
	Obs            [][]float64
	EnvStates      [][]byte
	Recent         []float64 // returns of the last episodes, oldest first

	Explore, Sampler, Target []byte // PCG states
	CriticUpdates            int
	ActorUpdates             int
	Last                     Stats

	LastMetricsSteps      int64
	LastMetricsTime       float64
	CritSum, ActSum, QSum float64
	CritN, ActN           int

	Marks logs.Marks
}

func configJSON(c TrainConfig) string {
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	return string(b)
}

// checkpoint makes the logged rows durable and writes a resumable checkpoint with their
// marks, then removes older ones.
func (t *Trainer) checkpoint() error {
	if t.Log == nil || !t.canSnapshot || t.lastCkSteps == t.envSteps {
		return nil
	}
	marks, err := t.Log.Checkpoint()
	if err != nil {
		return err
	}
	st, err := t.state(marks)
	if err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	dir := agents.CheckpointDir(t.Log.Dir())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	path := agents.CheckpointPath(t.Log.Dir(), t.envSteps)
	if err := logs.WriteFileAtomic(path, func(f *os.File) error { return t.writeCheckpoint(f, st) }); err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	if err := pruneCheckpoints(t.Log.Dir()); err != nil {
		return err
	}
	t.lastCkSteps, t.lastCkAt = t.envSteps, time.Now()
	if t.Hooks.OnCheckpoint != nil {
		t.Hooks.OnCheckpoint(t.envSteps, path)
	}
	return nil
}

// pruneCheckpoints keeps only the newest resumable checkpoint (the replay buffer makes
// them large) and removes temporary files left by a writer that was killed.
func pruneCheckpoints(runDir string) error {
	if err := agents.PruneCheckpoints(runDir, 1, legacyResumable); err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	dir := agents.CheckpointDir(runDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		stale := (strings.HasPrefix(name, ".td3-steps-") || strings.HasPrefix(name, ".steps-")) && strings.Contains(name, ".tmp-")
		if stale {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove old checkpoint: %w", err)
			}
		}
	}
	return nil
}

func (t *Trainer) state(marks logs.Marks) (*checkpointState, error) {
	n := t.vec.Num()
	st := &checkpointState{Config: configJSON(t.Config), ObsDim: t.agent.ObsDim, ActDim: t.agent.ActDim, Members: len(t.bufs),
		EnvSteps: t.envSteps, Episodes: t.episodes, NextEpisode: t.nextEpisode, Solved: t.solved,
		WallSeconds: t.elapsed(), EpisodeIDs: t.episode, EpisodeSteps: t.epLen, EpisodeReturns: t.epRet,
		Obs: t.obs, Recent: t.recent, CriticUpdates: t.agent.critUpdates, ActorUpdates: t.agent.actUpdates,
		Last: t.last, LastMetricsSteps: t.lastMetricsSteps, LastMetricsTime: t.lastMetricsTime,
		CritSum: t.critSum, ActSum: t.actSum, QSum: t.qSum, CritN: t.critN, ActN: t.actN, Marks: marks}
	if len(t.obs) != n {
		return nil, fmt.Errorf("%d observations for %d environments", len(t.obs), n)
	}
	var err error
	if st.EnvStates, err = t.vec.Snapshot(); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		dst *[]byte
		src interface{ MarshalBinary() ([]byte, error) }
	}{{&st.Explore, t.exploreSrc}, {&st.Sampler, t.replaySrc}, {&st.Target, t.targetSrc}} {
		if *s.dst, err = s.src.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (t *Trainer) writeCheckpoint(f io.Writer, st *checkpointState) error {
	var state bytes.Buffer
	if err := gob.NewEncoder(&state).Encode(st); err != nil {
		return err
	}
	c := agents.NewCheckpointWriter(f, "td3")
	c.Section("STAT", state.Bytes())
	if err := writeAgentSections(c, t.agent); err != nil {
		return err
	}
	for _, b := range t.bufs {
		writeReplay(c, b)
	}
	return c.Close()
}

func writeAgentSections(c *agents.CheckpointWriter, a *Agent) error {
	for k, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
		var w bytes.Buffer
		if _, err := ps.WriteTo(&w); err != nil {
			return err
		}
		c.Section(ckSections[1+k], w.Bytes())
	}
	for k, o := range []*nn.Adam{a.ActorOpt, a.CriticOpt} {
		b, err := o.MarshalBinary()
		if err != nil {
			return err
		}
		c.Section(ckSections[5+k], b)
	}
	return nil
}

func writeReplay(c *agents.CheckpointWriter, b *Replay) {
	o, a, n := b.ObsDim, b.ActDim, b.size
	c.Begin("RPLY", replayBytes(b))
	var head []byte
	for _, v := range []int{b.Cap(), o, a, b.pos, n} {
		head = binary.LittleEndian.AppendUint64(head, uint64(v))
	}
	c.Write(head)
	c.Float32s(b.obs[:n*o])
	c.Float32s(b.act[:n*a])
	c.Float32s(b.rew[:n])
	c.Float32s(b.done[:n])
	c.Float32s(b.next[:n*o])
	c.End()
}

// replayBytes is the RPLY payload's length.
func replayBytes(b *Replay) uint64 {
	return 40 + 4*uint64(b.size)*uint64(2*b.ObsDim+b.ActDim+2)
}

// openCheckpoint opens a resumable td3 checkpoint.
func openCheckpoint(path string) (*agents.CheckpointReader, error) {
	c, err := agents.OpenCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if c.Algo() != "td3" {
		c.Close()
		return nil, c.Errorf("a %s checkpoint, not a resumable td3 checkpoint", c.Algo())
	}
	return c, nil
}

func readAgentSections(c *agents.CheckpointReader, a *Agent) error {
	for k, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
		p, err := c.Section(ckSections[1+k])
		if err != nil {
			return err
		}
		if _, err := ps.ReadFrom(bytes.NewReader(p)); err != nil {
			return c.Errorf("%v", err)
		}
	}
	for k, o := range []*nn.Adam{a.ActorOpt, a.CriticOpt} {
		p, err := c.Section(ckSections[5+k])
		if err != nil {
			return err
		}
		if err := o.UnmarshalBinary(p); err != nil {
			return c.Errorf("%v", err)
		}
	}
	return nil
}

func readReplay(c *agents.CheckpointReader, b *Replay) error {
	n, err := c.Begin("RPLY")
	if err != nil {
		return err
	}
	head := make([]byte, 40)
	if n < 40 {
		return c.Errorf("corrupted: replay section of %d bytes", n)
	}
	if err := c.Read(head); err != nil {
		return err
	}
	var v [5]int
	for k := range v {
		v[k] = int(binary.LittleEndian.Uint64(head[8*k:]))
	}
	capacity, o, a, pos, size := v[0], v[1], v[2], v[3], v[4]
	switch {
	case capacity != b.Cap() || o != b.ObsDim || a != b.ActDim:
		return c.Errorf("replay buffer of capacity %d with %d-value observations and %d-value actions; the run's config makes %d, %d, %d",
			capacity, o, a, b.Cap(), b.ObsDim, b.ActDim)
	case size < 0 || size > capacity || pos < 0 || pos >= capacity || (size < capacity && pos != size):
		return c.Errorf("corrupted: replay buffer size %d, insertion index %d, capacity %d", size, pos, capacity)
	}
	b.size, b.pos = size, pos
	if uint64(n) != replayBytes(b) {
		return c.Errorf("corrupted: replay section of %d bytes, want %d", n, replayBytes(b))
	}
	for _, part := range [][]float32{b.obs[:size*o], b.act[:size*a], b.rew[:size], b.done[:size], b.next[:size*o]} {
		if err := c.Float32s(part); err != nil {
			return err
		}
	}
	return c.End("RPLY")
}

// load reads a resumable checkpoint into a freshly built trainer of the same config and
// returns the marks of the rows that were durable when it was written.
func (t *Trainer) load(path string) (logs.Marks, error) {
	c, err := openCheckpoint(path)
	if err != nil {
		return logs.Marks{}, err
	}
	defer c.Close()
	p, err := c.Section("STAT")
	if err != nil {
		return logs.Marks{}, err
	}
	var st checkpointState
	if err := gob.NewDecoder(bytes.NewReader(p)).Decode(&st); err != nil {
		return logs.Marks{}, c.Errorf("corrupted state: %v", err)
	}
	if err := t.checkState(&st); err != nil {
		return logs.Marks{}, c.Errorf("%v", err)
	}
	if err := readAgentSections(c, t.agent); err != nil {
		return logs.Marks{}, err
	}
	for _, b := range t.bufs {
		if err := readReplay(c, b); err != nil {
			return logs.Marks{}, err
		}
	}
	if err := c.Finish(); err != nil {
		return logs.Marks{}, err
	}
	if err := t.restore(&st); err != nil {
		return logs.Marks{}, c.Errorf("%v", err)
	}
	return st.Marks, nil
}

// checkState rejects a state that cannot belong to this trainer's run.
func (t *Trainer) checkState(st *checkpointState) error {
	n := t.vec.Num()
	if st.Members == 0 && st.EnvSteps >= 0 { // version 1: one replay buffer
		st.Members = 1
	}
	switch {
	case st.Members != len(t.bufs):
		return fmt.Errorf("%d replay buffers; the environment has %d members", st.Members, len(t.bufs))
	case !sameSettings(st.Config, t.Config):
		return errors.New("it was written with other settings than the run's config.json (was config.json edited? only a finished run takes a larger --steps; resume it first)")
	case st.ObsDim != t.agent.ObsDim || st.ActDim != t.agent.ActDim:
		return fmt.Errorf("observation and action widths %d, %d; the environment has %d, %d", st.ObsDim, st.ActDim, t.agent.ObsDim, t.agent.ActDim)
	case len(st.EpisodeIDs) != n || len(st.EpisodeSteps) != n || len(st.EpisodeReturns) != n || len(st.Obs) != n || len(st.EnvStates) != n:
		return fmt.Errorf("state of %d environments, the config has %d", len(st.EpisodeIDs), n)
	case st.EnvSteps < 0 || st.EnvSteps > t.Config.Steps || st.Episodes < 0 || st.NextEpisode < st.Episodes+int64(n) ||
		st.CriticUpdates < 0 || st.ActorUpdates < 0 || len(st.Recent) > t.Config.ReturnWindow:
		return fmt.Errorf("corrupted: counts out of range (env steps %d, episodes %d, next episode %d)", st.EnvSteps, st.Episodes, st.NextEpisode)
	case st.Marks.Steps < 0 || st.Marks.Episodes < 0 || st.Marks.Metrics < 0:
		return fmt.Errorf("corrupted: negative log marks %+v", st.Marks)
	}
	for i := range n {
		if len(st.Obs[i]) != t.agent.ObsDim || st.EpisodeIDs[i] < 0 || st.EpisodeSteps[i] < 0 {
			return fmt.Errorf("corrupted: environment %d's episode %d at step %d with %d observation values", i, st.EpisodeIDs[i], st.EpisodeSteps[i], len(st.Obs[i]))
		}
	}
	return nil
}

// sameSettings reports whether a checkpoint's recorded config (JSON) is c once both
// have their defaults: settings added since the checkpoint was written read as zero,
// so a checkpoint of an older gorl still matches its run's config.json.
func sameSettings(recorded string, c TrainConfig) bool {
	var rec TrainConfig
	if err := json.Unmarshal([]byte(recorded), &rec); err != nil {
		return false
	}
	a, b := rec.WithDefaults(), c.WithDefaults()
	if len(a.EnvOptions) == 0 && len(b.EnvOptions) == 0 {
		a.EnvOptions, b.EnvOptions = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// restore sets the environments, streams and counters from a checked state.
func (t *Trainer) restore(st *checkpointState) error {
	if err := t.vec.Restore(st.EnvStates); err != nil {
		return err
	}
	for i, o := range st.Obs {
		copy(t.obs[i], o)
		copy(t.vec.Obs[i], o)
	}
	for _, s := range []struct {
		src  interface{ UnmarshalBinary([]byte) error }
		data []byte
		name string
	}{{t.exploreSrc, st.Explore, "exploration"}, {t.replaySrc, st.Sampler, "minibatch"}, {t.targetSrc, st.Target, "target smoothing"}} {
		if err := s.src.UnmarshalBinary(s.data); err != nil {
			return fmt.Errorf("%s stream: %w", s.name, err)
		}
	}
	copy(t.episode, st.EpisodeIDs)
	copy(t.epLen, st.EpisodeSteps)
	copy(t.epRet, st.EpisodeReturns)
	t.recent = append(t.recent[:0], st.Recent...)
	t.envSteps, t.episodes, t.nextEpisode, t.solved = st.EnvSteps, st.Episodes, st.NextEpisode, st.Solved
	t.agent.critUpdates, t.agent.actUpdates = st.CriticUpdates, st.ActorUpdates
	t.last = st.Last
	t.lastMetricsSteps, t.lastMetricsTime = st.LastMetricsSteps, st.LastMetricsTime
	t.critSum, t.actSum, t.qSum, t.critN, t.actN = st.CritSum, st.ActSum, st.QSum, st.CritN, st.ActN
	t.wallOffset, t.resumed, t.lastCkSteps = st.WallSeconds, st.EnvSteps, st.EnvSteps
	t.readMembers()
	return nil
}

// Resume continues the run in runDir from its latest resumable checkpoint: the logs are
// cut back to the checkpoint's marks (rows written after it are dropped) and the agent,
// replay buffer, random streams, environments and counters are restored, so that the run
// goes on exactly as an uninterrupted run with the same seed would. cfg and arch must be
// the run's recorded ones, except that a run resumed from its final checkpoint may be
// given a larger Steps, which extends it (its replay buffers grow to the new capacity).
// Resumed from its final checkpoint with the same Steps, the trainer is Finished and
// the logs are left untouched. Otherwise the returned trainer logs to the reopened run
// (Log), which the caller closes after Train.
func Resume(runDir string, cfg TrainConfig, arch Arch, opts logs.Options) (*Trainer, error) {
	path, err := LatestCheckpoint(runDir)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	cfg = cfg.WithDefaults()
	rec, done, err := peekState(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	build := cfg
	extend := done && cfg.Steps > rec.Steps
	if extend {
		build.Steps = rec.Steps
	}
	t, err := NewTrainer(build, arch)
	if err != nil {
		return nil, err
	}
	marks, err := t.load(path)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("resume: %w", err)
	}
	t.wasResumed = true
	if done && !extend {
		t.finished = true
		return t, nil
	}
	if extend {
		if err := t.extend(cfg); err != nil {
			t.Close()
			return nil, err
		}
	}
	run, err := logs.Resume(runDir, opts, &marks)
	if err != nil {
		t.Close()
		return nil, err
	}
	if extend {
		// The shorter run's final networks are no longer the run's: left in place, an
		// interrupted extension would read as finished and evaluate with them. The
		// resumable checkpoint just loaded holds the same networks.
		if err := os.Remove(FinalCheckpointPath(runDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
			run.Close()
			t.Close()
			return nil, fmt.Errorf("resume: %w", err)
		}
	}
	t.Log = run
	return t, nil
}

// readState reads the STAT section of a resumable checkpoint.
func readState(path string) (*checkpointState, error) {
	c, err := openCheckpoint(path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	p, err := c.Section("STAT")
	if err != nil {
		return nil, err
	}
	var st checkpointState
	if err := gob.NewDecoder(bytes.NewReader(p)).Decode(&st); err != nil {
		return nil, c.Errorf("corrupted state: %v", err)
	}
	return &st, nil
}

// peekState reads the recorded config of a resumable checkpoint and whether it is the
// run's final one (budget spent or target reached).
func peekState(path string) (TrainConfig, bool, error) {
	st, err := readState(path)
	if err != nil {
		return TrainConfig{}, false, err
	}
	var rec TrainConfig
	if err := json.Unmarshal([]byte(st.Config), &rec); err != nil {
		return TrainConfig{}, false, fmt.Errorf("td3 checkpoint %s: corrupted state: %v", path, err)
	}
	return rec, st.EnvSteps >= rec.Steps || st.Solved, nil
}

// extend gives a finished run the larger budget of cfg: the replay buffers grow to
// min(BufferSize, Steps) with their transitions kept in insertion order.
func (t *Trainer) extend(cfg TrainConfig) error {
	capacity := int(min(int64(t.agent.Cfg.BufferSize), cfg.Steps))
	for k, b := range t.bufs {
		if capacity <= b.Cap() {
			continue
		}
		g, err := NewReplay(capacity, b.ObsDim, b.ActDim)
		if err != nil {
			return err
		}
		for i := range b.size {
			j := i // oldest first: a full ring starts at pos
			if b.size == b.Cap() {
				j = (b.pos + i) % b.Cap()
			}
			o, a := b.ObsDim, b.ActDim
			copy(g.obs[i*o:(i+1)*o], b.obs[j*o:(j+1)*o])
			copy(g.next[i*o:(i+1)*o], b.next[j*o:(j+1)*o])
			copy(g.act[i*a:(i+1)*a], b.act[j*a:(j+1)*a])
			g.rew[i], g.done[i] = b.rew[j], b.done[j]
		}
		g.size, g.pos = b.size, b.size%capacity
		t.bufs[k] = g
	}
	t.Config.Steps, t.solved = cfg.Steps, false
	return nil
}

// Finished reports whether the trainer was resumed from its run's final checkpoint.
func (t *Trainer) Finished() bool { return t.finished }

// finalAlgo is the ALGO of a final checkpoint: the networks and optimisers without the
// loop's state and replay buffer, which only resumable checkpoints ("td3") carry.
const finalAlgo = "td3-networks"

// SaveCheckpoint writes the online and target parameters and both Adam states to path
// atomically (the final checkpoint of a run), in agents' checkpoint container (ALGO
// "td3-networks"): the sections ACTR, ACTT, CRIT, CRTT, AOPT and COPT of a resumable
// checkpoint, without STAT and RPLY. A run resumes from its resumable checkpoints
// (Resume), not from this one.
func (a *Agent) SaveCheckpoint(path string) error {
	return agents.WriteCheckpointFile(path, finalAlgo, func(c *agents.CheckpointWriter) error {
		for k, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
			var w bytes.Buffer
			if _, err := ps.WriteTo(&w); err != nil {
				return fmt.Errorf("td3 checkpoint: %w", err)
			}
			c.Section(ckSections[1+k], w.Bytes())
		}
		for k, o := range []*nn.Adam{a.ActorOpt, a.CriticOpt} {
			b, err := o.MarshalBinary()
			if err != nil {
				return fmt.Errorf("td3 checkpoint: %w", err)
			}
			c.Section(ckSections[5+k], b)
		}
		return nil
	})
}

// LoadCheckpoint reads the networks and optimiser states of a checkpoint into a (same
// architecture and sizes): a final checkpoint written by SaveCheckpoint, a resumable one
// (whose loop state and replay buffer are skipped), or a final checkpoint of an older
// gorl (six length-prefixed sections, no container).
func (a *Agent) LoadCheckpoint(path string) error {
	if !isContainer(path) {
		return a.loadLegacyFinal(path)
	}
	c, err := agents.OpenCheckpoint(path)
	if err != nil {
		return err
	}
	defer c.Close()
	switch c.Algo() {
	case finalAlgo:
		if err := readAgentSections(c, a); err != nil {
			return err
		}
		return c.Finish()
	case "td3":
		if _, err := c.Section("STAT"); err != nil {
			return err
		}
		return readAgentSections(c, a)
	default:
		return c.Errorf("a %s checkpoint, not a td3 checkpoint", c.Algo())
	}
}

// loadLegacyFinal reads a final checkpoint written before the container: each of the six
// sections preceded by its length as a little-endian uint64.
func (a *Agent) loadLegacyFinal(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	var sections [][]byte
	for len(data) > 0 {
		if len(data) < 8 {
			return fmt.Errorf("td3 checkpoint %s: truncated", path)
		}
		n := binary.LittleEndian.Uint64(data)
		data = data[8:]
		if n > uint64(len(data)) {
			return fmt.Errorf("td3 checkpoint %s: truncated", path)
		}
		sections = append(sections, data[:n])
		data = data[n:]
	}
	if len(sections) != 6 {
		return fmt.Errorf("td3 checkpoint %s: %d sections, want 6", path, len(sections))
	}
	for k, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
		if _, err := ps.ReadFrom(bytes.NewReader(sections[k])); err != nil {
			return fmt.Errorf("td3 checkpoint %s: %w", path, err)
		}
	}
	if err := a.ActorOpt.UnmarshalBinary(sections[4]); err != nil {
		return fmt.Errorf("td3 checkpoint %s: %w", path, err)
	}
	if err := a.CriticOpt.UnmarshalBinary(sections[5]); err != nil {
		return fmt.Errorf("td3 checkpoint %s: %w", path, err)
	}
	return nil
}

// isContainer reports whether the file at path starts like a checkpoint container (a
// final or resumable checkpoint of this gorl, or a resumable one of an older gorl).
func isContainer(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 8)
	_, err = io.ReadFull(f, head)
	return err == nil && (string(head) == "gorl-ckp" || string(head) == "gorl-td3")
}
