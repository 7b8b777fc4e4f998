package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gorl/env"
	"gorl/logs"
)

// CheckpointVersion is the format version written in every checkpoint.
const CheckpointVersion = 1

// Checkpoint is everything the training loop needs to continue a run exactly: the
// agent's state (network parameters, optimiser state, random streams), the environments'
// snapshots and current observations, the loop's counters and episode bookkeeping, and
// the logs.Marks of the rows that were durable when it was written.
//
// It is stored as JSON in checkpoints/update-NNNNNNN.json of the run directory (byte
// slices in base64; float64 values round-trip exactly), written atomically.
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
	Agent         []byte     `json:"agent"`
	Marks         logs.Marks `json:"marks"`
}

// CheckpointDir is the checkpoints folder of a run directory.
func CheckpointDir(runDir string) string { return filepath.Join(runDir, "checkpoints") }

func checkpointPath(runDir string, update int) string {
	return filepath.Join(CheckpointDir(runDir), fmt.Sprintf("update-%07d.json", update))
}

// SaveCheckpoint writes c atomically into the run directory and keeps only the newest
// keep checkpoints.
func SaveCheckpoint(runDir string, c *Checkpoint, keep int) error {
	if err := os.MkdirAll(CheckpointDir(runDir), 0o755); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	c.Version = CheckpointVersion
	if err := logs.WriteJSONAtomic(checkpointPath(runDir, c.Update), c); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	paths, err := checkpointPaths(runDir)
	if err != nil {
		return err
	}
	for len(paths) > keep {
		if err := os.Remove(paths[0]); err != nil {
			return fmt.Errorf("remove old checkpoint: %w", err)
		}
		paths = paths[1:]
	}
	return nil
}

func checkpointPaths(runDir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(CheckpointDir(runDir), "update-*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths) // zero-padded update numbers sort in order
	return paths, nil
}

// ErrNoCheckpoint is returned by LatestCheckpoint for a run without checkpoints.
var ErrNoCheckpoint = errors.New("no checkpoint")

// LatestCheckpoint reads the newest checkpoint of a run directory.
func LatestCheckpoint(runDir string) (*Checkpoint, error) {
	paths, err := checkpointPaths(runDir)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: %w", runDir, ErrNoCheckpoint)
	}
	return ReadCheckpoint(paths[len(paths)-1])
}

// ReadCheckpoint reads one checkpoint file.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var c Checkpoint
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	if c.Version != CheckpointVersion {
		return nil, fmt.Errorf("read checkpoint %s: version %d, this gorl reads version %d", path, c.Version, CheckpointVersion)
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
