"""gorl with gym: environments from the command line: training through the bridge, and
every failure (unknown id, Python exception, killed worker, missing Python) as one line
with a non-zero exit, no hang and no stack trace; a failed run's status says so."""

import json
import os
import pathlib
import signal
import subprocess
import time

import pandas as pd
import pytest

from conftest import run_gorl


def one_line_error(proc, *want):
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    errors = [l for l in lines if l.startswith("gorl:") and not l.startswith("gorl: note:")]
    assert len(errors) == 1, proc.stderr
    assert "goroutine" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    for w in want:
        assert w in errors[0], errors[0]
    return errors[0]


def status(run_dir):
    return json.loads((pathlib.Path(run_dir) / "status.json").read_text())


def test_ppo_trains_through_the_bridge(gorl, tmp_path):
    d = tmp_path / "r"
    run_gorl(gorl, "train", "--env", "gym:CartPole-v1", "--steps", "1024", "--envs", "2", "--seed", "3", "--quiet",
             "--run-dir", str(d))
    eps = pd.read_parquet(d / "episodes.parquet")
    assert (eps["env_id"] == "gym:CartPole-v1").all() and eps["length"].sum() > 0
    steps = pd.read_parquet(d / "steps")
    assert len(steps["obs"].iloc[0]) == 4 and status(d)["status"] == "finished"
    # config.json says what the environment ran on, so the run can be rerun on the same.
    import gymnasium
    software = json.loads((d / "config.json").read_text())["env_software"]
    assert software["gymnasium"] == gymnasium.__version__ and software["gorl_gym_protocol"]
    # Same seed, same run: Gymnasium's resets are seeded from gorl's streams.
    d2 = tmp_path / "r2"
    run_gorl(gorl, "train", "--env", "gym:CartPole-v1", "--steps", "1024", "--envs", "2", "--seed", "3", "--quiet",
             "--run-dir", str(d2))
    pd.testing.assert_frame_equal(eps.drop(columns=["run_id", "wall_seconds"]),
                                  pd.read_parquet(d2 / "episodes.parquet").drop(columns=["run_id", "wall_seconds"]))


def test_unknown_gymnasium_id(gorl, tmp_path):
    proc = run_gorl(gorl, "rollout", "--env", "gym:NoSuchEnv-v0", "--run-dir", str(tmp_path / "r"), check=False)
    one_line_error(proc, "NameNotFound", "NoSuchEnv")


@pytest.mark.parametrize("cmd", [["rollout", "--episodes", "3"], ["train", "--steps", "4096", "--envs", "1"]])
def test_python_exception_in_step_fails_the_run(gorl, tmp_path, cmd):
    d = tmp_path / "r"
    proc = run_gorl(gorl, *cmd, "--env", "gym:gorl_gym.testenvs:GorlRaise-v0", "--env-opt", "at=5", "--quiet",
                    "--run-dir", str(d), check=False)
    one_line_error(proc, "Python raised ValueError: boom at step 5")
    assert status(d)["status"] == "failed" and "boom at step 5" in status(d)["error"]


def test_missing_python(gorl, tmp_path):
    env = dict(os.environ, GORL_PYTHON="/no/such/python")
    proc = subprocess.run([gorl, "rollout", "--env", "gym:CartPole-v1", "--run-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, timeout=60)
    one_line_error(proc, 'python "/no/such/python" not found')
    # No interpreter anywhere: no GORL_PYTHON, no .venv above the working directory or the
    # binary (built into a temporary directory), no python3 on PATH.
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    proc = subprocess.run([gorl, "rollout", "--env", "gym:CartPole-v1", "--run-dir", str(tmp_path / "r2")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    if pathlib.Path(gorl).resolve().parents[1].joinpath(".venv").exists():
        pytest.skip("the gorl binary sits beside a .venv")
    one_line_error(proc, "no Python found", "make deps")


def children(pid):
    """Child process ids, oldest first (Go starts them from any of its threads, so every
    thread's list is read)."""
    kids = []
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(p) for p in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    def started(k):  # field 22 of /proc/PID/stat: start time in clock ticks since boot
        try:
            return int(pathlib.Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1].split()[19])
        except (FileNotFoundError, ProcessLookupError):
            return 0
    return sorted(kids, key=lambda k: (started(k), k))


def test_killed_worker_fails_the_run_and_resume_refuses(gorl, tmp_path):
    d = tmp_path / "r"
    proc = subprocess.Popen([gorl, "train", "--env", "gym:CartPole-v1", "--steps", "100000000", "--envs", "2",
                             "--quiet", "--run-dir", str(d)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        # The evaluation env's worker starts first, then the training envs' one worker
        # process (--workers 1: both envs in one process); the first checkpoint is written
        # once training has started.
        ckpts = d / "checkpoints"
        while len(children(proc.pid)) < 2 or not (ckpts.is_dir() and any(ckpts.iterdir())):
            assert proc.poll() is None and time.time() < deadline, "training did not start"
            time.sleep(0.2)
        os.kill(children(proc.pid)[-1], signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    one_line_error(done, "python worker", "died: signal: killed")
    assert status(d)["status"] == "failed"
    resumed = run_gorl(gorl, "train", "--run-dir", str(d), "--resume", check=False)
    one_line_error(resumed, "cannot continue exactly")
