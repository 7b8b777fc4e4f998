"""env/classic's Go test replays trajectories recorded from Gymnasium into
env/classic/testdata/gymnasium.json; this test re-records them with the installed (pinned)
Gymnasium and checks the committed file is what it produces now."""

import importlib.util
import json
import math

from conftest import REPO


def load_recorder():
    path = REPO / "python" / "tools" / "record_classic.py"
    spec = importlib.util.spec_from_file_location("record_classic", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def close(a, b, path="$"):
    """Structural equality; floats within 1e-12 relative (NumPy's sin and cos may differ
    in the last bit between CPUs)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), path
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (path, a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)


def test_fixture_is_what_installed_gymnasium_records():
    rec = load_recorder()
    committed = json.loads((REPO / "env" / "classic" / "testdata" / "gymnasium.json").read_text())
    import gymnasium
    assert committed["gymnasium"] == gymnasium.__version__, "re-record with python/tools/record_classic.py"
    fresh = {"gymnasium": gymnasium.__version__, "numpy": committed["numpy"], "steps": rec.STEPS,
             "envs": {e: rec.record(e) for e in committed["envs"]}}
    close(fresh, committed)
    assert sum(len(t["steps"]) for e in committed["envs"].values() for t in e["trajectories"]) > 1000
