package logs

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Episode rows keep their reward terms through episodes.parquet (null columns for rows
// without), the table view lists them only when some row has them, and NewRewardTerms
// picks the terms by name.
func TestEpisodeRewardTerms(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(dir, map[string]any{}, Options{EnvID: "sgrl/hopper-3"})
	if err != nil {
		t.Fatal(err)
	}
	terms := &RewardTerms{Progress: 12.5, Heading: -0.25, Alive: 40, Control: -0.125}
	rows := []EpisodeRow{
		{Episode: 0, Return: 52.125, Length: 40, EnvSteps: 40, Context: NoContext, Terms: terms},
		{Episode: 1, Return: 3, Length: 3, EnvSteps: 43, Context: NoContext},
	}
	for _, e := range rows {
		if err := r.LogEpisode(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadEpisodes(dir)
	if err != nil || len(got) != 2 {
		t.Fatalf("read %d episodes: %v", len(got), err)
	}
	if got[0].Terms == nil || *got[0].Terms != *terms {
		t.Fatalf("episode 0 terms %+v, want %+v", got[0].Terms, *terms)
	}
	if got[1].Terms != nil {
		t.Fatalf("episode 1 terms %+v, want none", *got[1].Terms)
	}
	tab, err := EpisodesTable(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(append(append([]string(nil), EpisodeColumns...), RewardTermColumns...), ","); strings.Join(tab.Columns, ",") != want {
		t.Fatalf("columns %v, want %s", tab.Columns, want)
	}
	n := len(EpisodeColumns)
	if !reflect.DeepEqual(tab.Rows[0][n:], []any{12.5, -0.25, 40.0, -0.125}) || !reflect.DeepEqual(tab.Rows[1][n:], []any{nil, nil, nil, nil}) {
		t.Fatalf("term cells %v and %v", tab.Rows[0][n:], tab.Rows[1][n:])
	}
	if len(EpisodeColumns) != 11 {
		t.Fatalf("EpisodeColumns changed: %v", EpisodeColumns)
	}

	// Without terms in any row the table keeps the base columns.
	dir2 := filepath.Join(t.TempDir(), "run2")
	r2, err := Create(dir2, map[string]any{}, Options{EnvID: "CartPole-v1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.LogEpisode(rows[1]); err != nil {
		t.Fatal(err)
	}
	if err := r2.Close(); err != nil {
		t.Fatal(err)
	}
	if tab, err := EpisodesTable(dir2); err != nil || len(tab.Columns) != len(EpisodeColumns) {
		t.Fatalf("columns %v, %v", tab.Columns, err)
	}

	if got := NewRewardTerms([]string{"alive", "progress", "control", "heading"}, []float64{1, 2, 3, 4}); got == nil ||
		*got != (RewardTerms{Progress: 2, Heading: 4, Alive: 1, Control: 3}) {
		t.Fatalf("NewRewardTerms by name: %+v", got)
	}
	if got := NewRewardTerms([]string{"x"}, []float64{1}); got != nil {
		t.Fatalf("NewRewardTerms of unknown names: %+v", *got)
	}
}
