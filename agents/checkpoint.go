package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gorl/env"
	"gorl/logs"
)

// CheckpointVersion is the version of the loop's state in its checkpoints: 2 in a
// checkpoint container (CheckpointPath), 1 in the JSON files written before the
// container (update-NNNNNNN.json), which are still read.
const CheckpointVersion = 2

// Checkpoint is everything the training loop needs to continue a run exactly: the
// agent's state (network parameters, optimiser state, random streams), the environments'
// snapshots and current observations, the loop's counters and episode bookkeeping, and
// the logs.Marks of the rows that were durable when it was written.
//
// It is stored in a checkpoint container (container.go) at CheckpointPath of the run
// directory and its env steps, written atomically: section LOOP
// holds this struct as JSON (byte slices in base64; float64 values round-trip exactly)
// without the agent's state, which is section AGNT.
type Checkpoint struct {
	Version     int     `json:"version"`
	Update      int     `json:"update"` // updates completed
	Updates     int     `json:"updates"`
	EnvSteps    int64   `json:"env_steps"`
	Episodes    int64   `json:"episodes"` // finished episodes
	NextEpisode int64   `json:"next_episode"`
	WallSeconds float64 `json:"wall_seconds"`
	Solved      bool    `json:"solved"`

	// Per sub-environment: the id, step count and return so far of the running episode,
	// and the current observation.
	EpisodeIDs     []int64     `json:"episode_ids"`
	EpisodeSteps   []int64     `json:"episode_steps"`
	EpisodeReturns []float64   `json:"episode_returns"`
	Obs            [][]float64 `json:"obs"`
	// EnvStates are the environments' snapshots; nil when the environment cannot save
	// its state (the checkpoint then serves evaluation, not Resume).
	EnvStates [][]byte `json:"env_states"`
	// With normalisation on (TrainConfig.Normalize): RawObs are the current observations
	// before normalisation (Obs holds what the agent sees), and ObsStats the observation
	// statistics of all environments pooled, which evaluation uses frozen. The
	// environments' own statistics are part of EnvStates. Both are absent otherwise.
	RawObs   [][]float64         `json:"raw_obs,omitempty"`
	ObsStats *env.RunningMeanStd `json:"obs_stats,omitempty"`

	// RecentReturns are the returns of the last finished episodes, oldest first.
	RecentReturns []float64  `json:"recent_returns"`
	Agent         []byte     `json:"agent,omitempty"`
	Marks         logs.Marks `json:"marks"`
	// Algo names the algorithm (the container's ALGO section; "" in version 1).
	Algo string `json:"-"`
}

// CheckpointDir is the checkpoints folder of a run directory.
func CheckpointDir(runDir string) string { return filepath.Join(runDir, "checkpoints") }

// CheckpointPath is where every trainer writes the checkpoint it takes after envSteps
// environment steps: checkpoints/steps-NNNNNNNNNNNN.ckpt, zero-padded so that names sort
// in the order they were written. One scheme for every algorithm lets tools (eval,
// sweeps, the dashboard) find a run's checkpoints without knowing who wrote them.
func CheckpointPath(runDir string, envSteps int64) string {
	return filepath.Join(CheckpointDir(runDir), fmt.Sprintf("%s%012d.ckpt", checkpointPrefix, envSteps))
}

// FinalCheckpointPath is where a trainer that keeps a separate final checkpoint (td3:
// the networks of the finished run) writes it: checkpoints/final.ckpt.
func FinalCheckpointPath(runDir string) string {
	return filepath.Join(CheckpointDir(runDir), "final.ckpt")
}

const checkpointPrefix = "steps-"

// CheckpointPaths lists the checkpoints of a run directory oldest first: those named by
// CheckpointPath, after the files matching the legacy patterns (names an older gorl
// wrote, such as "update-*.ckpt", ordered by the number in their names). A run written
// by an older gorl and resumed by this one has its old names before its new ones.
func CheckpointPaths(runDir string, legacy ...string) ([]string, error) {
	var old []string
	for _, pat := range legacy {
		p, err := filepath.Glob(filepath.Join(CheckpointDir(runDir), pat))
		if err != nil {
			return nil, err
		}
		old = append(old, p...)
	}
	cur, err := filepath.Glob(filepath.Join(CheckpointDir(runDir), checkpointPrefix+"*.ckpt"))
	if err != nil {
		return nil, err
	}
	for _, group := range [][]string{old, cur} {
		sort.SliceStable(group, func(i, j int) bool { return nameNumber(group[i]) < nameNumber(group[j]) })
	}
	return append(old, cur...), nil
}

// nameNumber is the number in a checkpoint file name ("update-0000012.ckpt": 12).
func nameNumber(path string) int64 {
	digits := strings.TrimFunc(filepath.Base(path), func(r rune) bool { return r < '0' || r > '9' })
	n, _ := strconv.ParseInt(digits, 10, 64) // base 10: the zero padding is not an octal prefix
	return n
}

// PruneCheckpoints removes all but the newest keep checkpoints of CheckpointPaths(runDir,
// legacy...).
func PruneCheckpoints(runDir string, keep int, legacy ...string) error {
	paths, err := CheckpointPaths(runDir, legacy...)
	if err != nil {
		return err
	}
	for len(paths) > keep {
		if err := os.Remove(paths[0]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove old checkpoint: %w", err)
		}
		paths = paths[1:]
	}
	return nil
}

// loopLegacy are the names of the loop's checkpoints before CheckpointPath: containers
// and the JSON files of version 1, numbered by update.
var loopLegacy = []string{"update-*.ckpt", "update-*.json"}

// SaveCheckpoint writes c atomically into the run directory and keeps only the newest
// keep checkpoints.
func SaveCheckpoint(runDir string, c *Checkpoint, keep int) error {
	c.Version = CheckpointVersion
	state := *c
	state.Agent = nil
	loop, err := json.Marshal(&state)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	algo := c.Algo
	if algo == "" {
		algo = "loop"
	}
	err = WriteCheckpointFile(CheckpointPath(runDir, c.EnvSteps), algo, func(w *CheckpointWriter) error {
		w.Section("LOOP", loop)
		w.Section("AGNT", c.Agent)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return PruneCheckpoints(runDir, keep, loopLegacy...)
}

// ErrNoCheckpoint is returned by LatestCheckpoint for a run without checkpoints.
var ErrNoCheckpoint = errors.New("no checkpoint")

// LatestCheckpoint reads the newest readable checkpoint of a run directory: when the
// newest is damaged it falls back to the newest one that reads (LatestCheckpointSkipping
// also says which were skipped).
func LatestCheckpoint(runDir string) (*Checkpoint, error) {
	ck, _, err := LatestCheckpointSkipping(runDir)
	return ck, err
}

// LatestCheckpointSkipping is LatestCheckpoint, also returning the errors of the newer
// checkpoints that did not read.
func LatestCheckpointSkipping(runDir string) (*Checkpoint, []error, error) {
	paths, err := CheckpointPaths(runDir, loopLegacy...)
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", runDir, ErrNoCheckpoint)
	}
	var ck *Checkpoint
	_, skipped, err := LatestReadable(paths, func(p string) error {
		var err error
		ck, err = ReadCheckpoint(p)
		return err
	})
	return ck, skipped, err
}

// ReadCheckpoint reads one checkpoint file (a container, or a version-1 JSON file).
func ReadCheckpoint(path string) (*Checkpoint, error) {
	var c Checkpoint
	if filepath.Ext(path) == ".json" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read checkpoint: %w", err)
		}
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
		}
		if c.Version != 1 {
			return nil, fmt.Errorf("read checkpoint %s: version %d in a JSON file, this gorl reads version 1 there", path, c.Version)
		}
	} else {
		r, err := OpenCheckpoint(path)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		loop, err := r.Section("LOOP")
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(loop, &c); err != nil {
			return nil, r.Errorf("corrupted loop state: %v", err)
		}
		if c.Version != CheckpointVersion {
			return nil, r.Errorf("loop state version %d, this gorl reads version %d", c.Version, CheckpointVersion)
		}
		if c.Agent, err = r.Section("AGNT"); err != nil {
			return nil, err
		}
		if err := r.Finish(); err != nil {
			return nil, err
		}
		c.Algo = r.Algo()
	}
	if err := c.checkCounts(); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	return &c, nil
}

// checkCounts rejects a damaged checkpoint whose counters cannot come from a run (a
// resume from it would write rows with impossible ids or cut the logs wrongly).
func (c *Checkpoint) checkCounts() error {
	switch {
	case c.Update < 0 || c.Updates < 0 || c.Update > c.Updates:
		return fmt.Errorf("update %d of %d is out of range", c.Update, c.Updates)
	case c.EnvSteps < 0 || c.Episodes < 0 || c.NextEpisode < c.Episodes:
		return fmt.Errorf("counts out of range: env_steps %d, episodes %d, next_episode %d", c.EnvSteps, c.Episodes, c.NextEpisode)
	case c.Marks.Steps < 0 || c.Marks.Episodes < 0 || c.Marks.Metrics < 0:
		return fmt.Errorf("negative log marks %+v", c.Marks)
	}
	for i := range c.EpisodeIDs {
		if c.EpisodeIDs[i] < 0 || (i < len(c.EpisodeSteps) && c.EpisodeSteps[i] < 0) {
			return fmt.Errorf("environment %d: episode %d at step %d is out of range", i, c.EpisodeIDs[i], c.EpisodeSteps[i])
		}
	}
	return nil
}
