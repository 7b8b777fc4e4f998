"""Every table gorl writes opens in pandas (pyarrow) and polars with the documented
columns and plain dtypes, and the README's pandas snippets run as written."""

import json
import pathlib
import re

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from conftest import REPO

STEP_COLUMNS = ["run_id", "env_id", "episode", "step", "obs", "action", "reward", "terminated", "truncated",
                "context", "log_prob", "value", "body_pos", "body_quat"]
EPISODE_COLUMNS = ["run_id", "env_id", "episode", "seed", "return", "length", "terminated", "truncated",
                   "env_steps", "wall_seconds", "context", "progress", "heading", "alive", "control"]
TERM_COLUMNS = ["progress", "heading", "alive", "control"]  # 3D tasks' reward terms, null elsewhere
METRIC_FIXED = {"run_id", "seed", "iteration", "env_steps", "wall_seconds"}
LIST_COLUMNS = ["obs", "action", "body_pos", "body_quat"]
INT_COLUMNS = ["episode", "step", "seed", "length", "env_steps", "iteration"]

RUNS = ["ppo", "cue", "hopper", "td3"]


def tables(run_dir):
    """(name, path) of every table file of a run directory."""
    out = [("steps", p) for p in sorted((run_dir / "steps").glob("part-*.parquet"))]
    for name in ("episodes", "metrics"):
        p = run_dir / f"{name}.parquet"
        if p.exists():
            out.append((name, p))
    return out


def no_unsigned(schema):
    import pyarrow as pa
    for field in schema:
        t = field.type
        while pa.types.is_list(t):
            t = t.value_type
        assert not pa.types.is_unsigned_integer(t), f"{field.name}: unsigned {t}"


@pytest.mark.parametrize("name", RUNS)
def test_every_table_reads_with_pandas(runs, name):
    run_dir = runs / name
    found = tables(run_dir)
    assert any(t == "steps" for t, _ in found) and any(t == "episodes" for t, _ in found)
    for table, path in found:
        no_unsigned(pq.read_schema(path))
        df = pd.read_parquet(path)
        assert len(df) > 0, path
        assert (df["run_id"] == name).all()
        for col in INT_COLUMNS:
            if col in df:
                assert df[col].dtype == np.int64, (path, col, df[col].dtype)
        if table == "steps":
            assert list(df.columns) == STEP_COLUMNS
            for col in LIST_COLUMNS:
                for v in df[col].head(50):
                    assert isinstance(v, np.ndarray) and v.dtype == np.float64, (col, type(v))
            assert df["reward"].dtype == np.float64
            assert df["terminated"].dtype == bool and df["truncated"].dtype == bool
            assert (df.groupby("episode")["step"].min() == 0).all()
        elif table == "episodes":
            assert list(df.columns) == EPISODE_COLUMNS
            assert df["episode"].is_unique
            assert df["return"].dtype == np.float64 and df["wall_seconds"].dtype == np.float64
            for col in TERM_COLUMNS:
                assert df[col].dtype == np.float64, (path, col, df[col].dtype)
        else:
            assert METRIC_FIXED <= set(df.columns)
            for col in set(df.columns) - METRIC_FIXED:
                assert df[col].dtype == np.float64, (col, df[col].dtype)


def test_steps_directory_reads_in_part_order(runs):
    steps = pd.read_parquet(runs / "ppo" / "steps")
    parts = pd.concat([pd.read_parquet(p) for _, p in tables(runs / "ppo") if _ == "steps"], ignore_index=True)
    pd.testing.assert_frame_equal(steps.reset_index(drop=True), parts)


def test_steps_agree_with_episodes(runs):
    """Summing step rewards per episode gives the episode table's return and length."""
    for name in ("ppo", "cue", "hopper"):
        steps = pd.read_parquet(runs / name / "steps")
        eps = pd.read_parquet(runs / name / "episodes.parquet").set_index("episode")
        per = steps.groupby("episode").agg(ret=("reward", "sum"), n=("step", "size"))
        both = per.join(eps, how="inner")
        assert len(both) > 0
        np.testing.assert_allclose(both["ret"], both["return"], rtol=1e-9, atol=1e-9)
        assert (both["n"] == both["length"]).all()


def test_context_and_poses(runs):
    cue = pd.read_parquet(runs / "cue" / "episodes.parquet")
    assert cue["context"].dtype == np.int64 and cue["context"].notna().all()
    ppo = pd.read_parquet(runs / "ppo" / "episodes.parquet")
    assert ppo["context"].isna().all()
    hop = pd.read_parquet(runs / "hopper" / "steps")
    nb = len(hop["body_pos"].iloc[0]) // 3
    assert nb > 0 and all(len(q) == 4 * nb for q in hop["body_quat"])


@pytest.mark.parametrize("name", RUNS)
def test_every_table_reads_with_polars(runs, name):
    for table, path in tables(runs / name):
        df = pl.read_parquet(path)
        ref = pd.read_parquet(path)
        assert df.columns == list(ref.columns)
        assert df.height == len(ref)
        for col, dtype in df.schema.items():
            assert not dtype.is_unsigned_integer(), (path, col, dtype)
            if col in LIST_COLUMNS:
                assert dtype == pl.List(pl.Float64), (col, dtype)
            if col in INT_COLUMNS:
                assert dtype == pl.Int64, (col, dtype)
        if table == "episodes":
            np.testing.assert_array_equal(df["return"].to_numpy(), ref["return"].to_numpy())
    steps = pl.scan_parquet(str(runs / name / "steps" / "*.parquet"))
    lens = steps.select(pl.col("obs").list.len().unique()).collect()
    assert lens.height == 1  # one observation size per run


def readme_snippets():
    """The pandas code of the README files: logs/README.md's ```python block under
    '## pandas' and the top README's inline pd.read_parquet(...) call."""
    logs_readme = (REPO / "logs" / "README.md").read_text()
    section = logs_readme.split("## pandas", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    inline = re.findall(r"`(pd\.read_parquet\([^`]*\))`", (REPO / "README.md").read_text())
    assert inline, "README.md lost its pandas line"
    return block, inline


def test_readme_pandas_snippets_run_as_written(runs, tmp_path, monkeypatch):
    block, inline = readme_snippets()
    (tmp_path / "runs").mkdir()
    # The snippets name runs/demo and runs/demo-ppo: give those names to a PPO run.
    for name in set(re.findall(r"runs/([\w.-]+)", block + " ".join(inline))):
        dst = tmp_path / "runs" / name
        dst.symlink_to(runs / "ppo", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(block, "logs/README.md", "exec"), scope)
    assert len(scope["eps"]) > 0 and len(scope["steps"]) > 0 and len(scope["metrics"]) > 0
    assert set(EPISODE_COLUMNS) <= set(scope["eps"].columns)
    for expr in inline:
        df = eval(expr, {"pd": pd})
        assert len(df) > 0 and "return" in df


def test_config_json_is_plain_json(runs):
    for name in RUNS:
        cfg = json.loads((runs / name / "config.json").read_text())
        assert isinstance(cfg, dict) and cfg
