"""TensorBoard's own reader (EventAccumulator) reads back every scalar gorl wrote, equal
to the Parquet values: TensorBoard scalars are float32, so each equals float32(value)."""

import math

import numpy as np
import pandas as pd
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import run_gorl


def expected(run_dir, prefix=lambda seed: ""):
    """{tag: [(step, float32 value)]} from a run's episodes and metrics tables."""
    want = {}
    eps = pd.read_parquet(run_dir / "episodes.parquet")
    for _, row in eps.iterrows():
        p, step = prefix(row["seed"]), int(row["env_steps"])
        want.setdefault(p + "episode/return", []).append((step, np.float32(row["return"])))
        want.setdefault(p + "episode/length", []).append((step, np.float32(row["length"])))
    mpath = run_dir / "metrics.parquet"
    if mpath.exists():
        m = pd.read_parquet(mpath)
        names = sorted(set(m.columns) - {"run_id", "seed", "iteration", "env_steps", "wall_seconds"})
        for _, row in m.iterrows():
            for name in names:
                v = row[name]
                if not (isinstance(v, float) and math.isnan(v)):
                    want.setdefault(prefix(row["seed"]) + "metrics/" + name, []).append(
                        (int(row["env_steps"]), np.float32(v)))
    return want


def read_back(logdir):
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0})  # 0: keep every event
    acc.Reload()
    tags = acc.Tags()["scalars"]
    return {tag: [(e.step, np.float32(e.value)) for e in acc.Scalars(tag)] for tag in tags}


def read_back_file(path):
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, np.float32(e.value)) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def check_equal(got, want):
    assert sorted(got) == sorted(want)
    for tag, w in want.items():
        g = got[tag]
        assert len(g) == len(w), tag
        # EventAccumulator keeps each tag's events in file order; compare as multisets by
        # step too, so a reader that sorts would pass equally.
        assert sorted(g) == sorted(w), tag


@pytest.mark.parametrize("name", ["ppo", "td3"])
def test_export_reads_back_equal(runs, gorl, tmp_path, name):
    out = tmp_path / "tb"
    run_gorl(gorl, "logs", "export", str(runs / name), "--format", "tensorboard", "--out", str(out))
    got = read_back(out)
    want = expected(runs / name)
    assert "episode/return" in want and any(t.startswith("metrics/") for t in want)
    check_equal(got, want)


def test_export_of_several_seeds_tags_each(runs, gorl, tmp_path):
    out = tmp_path / "tb"
    run_gorl(gorl, "logs", "export", str(runs / "cue"), "--format", "tensorboard", "--out", str(out))
    got = read_back(out)
    want = expected(runs / "cue", prefix=lambda seed: f"seed_{seed}/")
    assert {t.split("/")[0] for t in want} == {"seed_1", "seed_2"}
    check_equal(got, want)


def test_export_refuses_to_overwrite_without_force(runs, gorl, tmp_path):
    out = tmp_path / "tb"
    run_gorl(gorl, "logs", "export", str(runs / "ppo"), "--format", "tensorboard", "--out", str(out))
    proc = run_gorl(gorl, "logs", "export", str(runs / "ppo"), "--format", "tensorboard", "--out", str(out),
                    check=False)
    assert proc.returncode != 0 and "--force" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    run_gorl(gorl, "logs", "export", str(runs / "ppo"), "--format", "tensorboard", "--out", str(out), "--force")
    check_equal(read_back(out), expected(runs / "ppo"))


@pytest.mark.parametrize("algo", ["ppo", "td3"])
def test_train_tensorboard_reads_back_equal(gorl, tmp_path, algo):
    """gorl train --tensorboard writes the scalars while training; at the end they equal
    the run's Parquet tables."""
    d, tb = tmp_path / "run", tmp_path / "tb"
    args = ["--env", "CartPole-v1", "--steps", "2048"] if algo == "ppo" else \
        ["--algo", "td3", "--env", "Pendulum-v1", "--steps", "500", "--warm-up", "200", "--metrics-every", "100",
         "--hidden", "16,16"]
    run_gorl(gorl, "train", *args, "--quiet", "--run-dir", str(d), "--tensorboard", str(tb))
    got, want = read_back(tb), expected(d)
    assert len(want["episode/return"]) > 1 and any(t.startswith("metrics/") for t in want)
    check_equal(got, want)


def test_resumed_run_reads_back_each_row_once(tmp_path):
    """logs/tensorboard's Go test kills a run after rows past its checkpoint reached the
    event file and resumes it; TensorBoard must show each row once (the resumed writer's
    SessionLog START drops the rows logged again)."""
    import os
    import subprocess
    from conftest import REPO
    env = dict(os.environ, GORL_TB_KEEP=str(tmp_path))
    subprocess.run(["go", "test", "-count=1", "-run", "^TestResumedRunShowsEachRowOnce$", "./logs/tensorboard"],
                   cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    files = sorted((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert len(files) == 2
    want = expected(tmp_path / "run")
    assert len(want["episode/return"]) == 10
    check_equal(read_back(tmp_path / "tb"), want)
    # Without the restart event the first file's rows after the checkpoint would count twice.
    first_only = read_back_file(files[0])
    assert len(first_only["episode/return"]) == 8
