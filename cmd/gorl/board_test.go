package main

import "testing"

func TestBoardAndSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	wantOneLineError(t, "no such directory", "board", dir+"/missing")
	wantOneLineError(t, "--addr", "board", dir, "--addr", "nonsense")
	wantOneLineError(t, "--run-dir DIR is required", "sweep", "--grid", "lr=0.1")
	wantOneLineError(t, "not a gorl train flag", "sweep", "--grid", "nope=1,2", "--run-dir", dir+"/s")
	wantOneLineError(t, "--seeds", "sweep", "--seeds", "5-1", "--run-dir", dir+"/s")
	wantOneLineError(t, "--grid lr and --lr both given", "sweep", "--grid", "lr=0.1,0.2", "--lr", "0.3", "--run-dir", dir+"/s")
	wantOneLineError(t, "--workers must be at least 1", "sweep", "--workers", "0", "--run-dir", dir+"/s")
}
