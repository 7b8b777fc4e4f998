"""Shared fixtures: a gorl binary and a few small run directories made with it.

The binary is $GORL_BIN when set (make test builds none), otherwise built from the
repository with `go build` into the session's temporary directory.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def gorl(tmp_path_factory):
    path = os.environ.get("GORL_BIN")
    if path:
        return str(pathlib.Path(path).resolve())
    if shutil.which("go") is None:
        pytest.fail("go is not on PATH and GORL_BIN is not set: cannot build gorl")
    out = tmp_path_factory.mktemp("bin") / "gorl"
    subprocess.run(["go", "build", "-o", str(out), "./cmd/gorl"], cwd=REPO, check=True)
    return str(out)


def run_gorl(gorl, *args, cwd=None, check=True):
    """Runs gorl quietly and returns the completed process (stdout and stderr as text)."""
    proc = subprocess.run([gorl, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"gorl {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


@pytest.fixture(scope="session")
def runs(gorl, tmp_path_factory):
    """Run directories covering every table and column kind gorl writes.

    ppo: steps with log_prob/value, episodes, metrics of PPO's losses; cue: an LMDP run
    with the latent context in steps and episodes and regret metrics; hopper: a 3D
    rollout with body_pos/body_quat and no metrics file; td3: TD3's metrics.
    """
    root = tmp_path_factory.mktemp("runs")
    run_gorl(gorl, "train", "--env", "CartPole-v1", "--steps", "2048", "--seed", "1", "--quiet",
             "--run-dir", str(root / "ppo"))
    run_gorl(gorl, "lmdp", "run", "--family", "cue", "--K", "64", "--seeds", "2", "--run-dir", str(root / "cue"))
    run_gorl(gorl, "rollout", "--env", "sgrl/hopper-3", "--episodes", "2", "--quiet",
             "--run-dir", str(root / "hopper"))
    run_gorl(gorl, "train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "600", "--warm-up", "200",
             "--metrics-every", "100", "--hidden", "16,16", "--quiet", "--run-dir", str(root / "td3"))
    return root
