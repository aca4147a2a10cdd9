"""The load test (`coach bench --only load`), in its quick form: a real `coach serve` under a mixed
stream of good and bad requests, ramped until p95 doubles and then held.

Asserted: no 5xx, no transport error, every bad request answered 422 and every good one 200, no
traceback in the server log, and the server's memory flat over the hold. No timing is asserted.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from coach.bench.load import Outcome, describe, memory_verdict, request_mix, windows
from coach.cli import app


@pytest.mark.slow
def test_quick_load_test_holds_with_no_errors_and_flat_memory(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["bench", "--quick", "--only", "load", "--out", str(out)])
    assert result.exit_code == 0, result.output

    load = json.loads((out / "bench-quick.json").read_text())["load"]
    assert "error" not in load, load.get("error")
    assert load["failures"] == {"status_5xx": 0, "transport_errors": 0, "unexpected_status": 0, "server_tracebacks": 0}
    assert load["memory"]["flat"], load["memory"]
    assert load["passed"]
    hold = load["hold"]
    assert hold["requests"] > 50
    assert {"analyze", "rewrite-rules", "rewrite-llm", "bad-empty", "bad-json"} <= hold["by_kind"].keys()
    assert hold["llm_fallbacks"] == 0  # the stub's answer passes verification: the LLM path really served
    assert [r["clients"] for r in load["ramp"]] == load["levels"][: len(load["ramp"])]
    assert len(load["memory_samples"]) >= 5
    assert "## Load test" in (out / "bench-quick.md").read_text()
    if importlib.util.find_spec("matplotlib"):  # the plot needs the `bench` extra; CI installs `dev` only
        assert (out / "load-quick.png").stat().st_size > 0
    else:
        assert "matplotlib" in json.loads((out / "bench-quick.json").read_text())["plots_skipped"]


def test_request_mix_covers_every_kind_and_expects_422_for_bad_input():
    calls = request_mix()
    kinds = {c.kind for c in calls}
    assert kinds == {"analyze", "rewrite-rules", "rewrite-llm", "bad-empty", "bad-json"}
    assert all(c.expect == 422 for c in calls if c.kind.startswith("bad-"))
    assert all(c.expect == 200 for c in calls if not c.kind.startswith("bad-"))
    assert request_mix() == calls  # the same shuffled stream every run


def test_outcomes_are_counted_by_status():
    outcomes = [
        Outcome("analyze", 0.1, 10.0, 200, True),
        Outcome("analyze", 0.2, 12.0, 503, False),
        Outcome("bad-json", 0.3, 1.0, 200, False),
        Outcome("rewrite-llm", 1.5, 60.0, 200, True, fallback=True),
        Outcome("analyze", 1.9, 0.0, None, False),
    ]
    summary = describe(outcomes, 2.0)
    assert (summary["status_5xx"], summary["transport_errors"], summary["unexpected_status"]) == (1, 1, 2)
    assert summary["llm_fallbacks"] == 1
    assert summary["latency_ms"]["n"] == 2  # only expected answers are timed
    assert [w["requests"] for w in windows(outcomes, 2.0, 1.0)] == [3, 2]


def test_memory_verdict_flags_growth():
    flat = [(float(t), 600.0 + (t % 3)) for t in range(60)]
    assert memory_verdict(flat)["flat"]
    leaking = [(float(t), 600.0 + t) for t in range(60)]  # 1 MiB a second
    verdict = memory_verdict(leaking)
    assert not verdict["flat"]
    assert verdict["slope_mib_per_min"] == pytest.approx(60.0)
