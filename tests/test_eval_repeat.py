"""Repeated runs (`coach eval run --repeat k`): pass^k, pass@k and 95% intervals, on the scripted server with a
seeded random answer policy; compare calls a change inside the paired interval noise."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.evals.cases import load_cases
from coach.evals.stats import holds_zero, mean_interval, paired_difference, wilson


def test_wilson_and_the_paired_difference():
    assert wilson(0, 0) is None
    lo, hi = wilson(8, 10)
    assert 0.49 < lo < 0.5 and 0.94 < hi < 0.95  # the textbook Wilson interval for 8 of 10
    assert wilson(10, 10)[1] == 1.0 and wilson(0, 10)[0] == 0.0
    assert mean_interval([1.0]) == (1.0, 1.0)
    mean, interval = paired_difference([0, 0, 1, 1], [0, 1, 1, 0])
    assert mean == 0 and holds_zero(interval)
    mean, interval = paired_difference([0] * 20, [1] * 19 + [0])
    assert mean == 0.95 and not holds_zero(interval)


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    from coach.config import get_settings

    root = tmp_path_factory.mktemp("repeat")
    cases = [c for c in load_cases() if "delivery" in c.tags][:12]
    cases_file = root / "cases.yaml"
    cases_file.write_text("cases:\n" + "".join(f"  - {c.model_dump_json(exclude_none=True, exclude={'constraints'})}\n" for c in cases))
    mp = pytest.MonkeyPatch()
    mp.setenv("COACH_DATA_DIR", str(root / "data"))
    mp.setenv("COACH_GUIDANCE_K", "0")
    get_settings.cache_clear()
    runs = {}
    try:
        for seed in (7, 8):
            out = root / f"seed-{seed}"
            result = CliRunner().invoke(app, ["eval", "run", "--engines", f"scripted:random:{seed}", "--repeat", "5", "--concurrency", "1", "--cases-dir",
                                              str(cases_file), "--out", str(out), "-q", "--no-cache"])  # fmt: skip
            assert result.exit_code == 0, result.output
            runs[seed] = (out / "results.json", result.output)
    finally:
        get_settings.cache_clear()
        mp.undo()
    return runs


def test_repeat_prints_pass_k_pass_at_k_and_intervals(two_seeds):
    path, output = two_seeds[7]
    assert "pass^k (every try)" in output and "(k=5)" in output and "pass@k (any try)" in output
    assert "12 × 5 tries" in output and "[" in output
    data = json.loads(path.read_text())
    group = next(g for g in data["summary"] if g["engine"] == "scripted:random:7" and not g.get("subset"))
    assert group["repeats"] == 5 and group["cases"] == 12
    assert group["pass_k"] <= group["metrics"]["pass_rate"] <= group["pass_at_k"]
    lo, hi = group["intervals"]["pass_rate"]
    assert lo <= group["metrics"]["pass_rate"] <= hi
    records = [r for r in data["records"] if r["engine"] == "scripted:random:7"]
    assert sorted({r["repeat"] for r in records}) == [0, 1, 2, 3, 4] and len(records) == 60
    rules = [r for r in data["records"] if r["engine"] == "rules"]
    assert len(rules) == 12  # the rules engine is deterministic: it runs once


def test_compare_calls_a_change_inside_the_paired_interval_noise(two_seeds):
    base, new = str(two_seeds[7][0]), str(two_seeds[8][0])
    args = ["eval", "compare", base, new, "--a", "scripted:random:7@rewrite/v1", "--b", "scripted:random:8@rewrite/v1"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    comparison = json.loads(result.output)
    assert comparison["noise"], "two seeds of one policy differ only by chance: some moves must be called noise"
    assert all(d["interval"][0] <= 0 <= d["interval"][1] for d in comparison["noise"])
    noisy = {(d["group"], d["metric"]) for d in comparison["noise"]}
    assert not noisy & {(d["group"], d["metric"]) for d in comparison["regressions"] + comparison["improvements"]}
    text = CliRunner().invoke(app, [*args, "--fail-on-regression"])
    assert "holds 0: not counted" in text.output
    assert text.exit_code == (1 if comparison["regressions"] or comparison["lost_facts"] else 0)
