"""`coach eval compare`: exit codes, the threshold, lost facts, mismatched runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.evals.cases import Case
from coach.evals.compare import compare
from coach.evals.metrics import score_case
from coach.evals.runner import Record, RunMeta, RunReport, summarise_records, write_report

DRAFT = "Hi Sarah, your order #48213 ships on 14 March. I'll email you the tracking link today."


def make_case(i: int) -> Case:
    return Case.model_validate({
        "id": f"case-{i}", "title": "t", "tags": ["delivery"], "draft": DRAFT.replace("48213", str(48200 + i)),
        "context": {"customer_name": "Sarah Okafor"}, "expect": {"use_name": True},
    })  # fmt: skip


CASES = [make_case(i) for i in range(10)]


def report(rewrites: dict[str, str] | None = None, engine: str = "rules", cases: list[Case] = CASES) -> RunReport:
    """A run where every rewrite is the draft, except those given by case id."""
    records = []
    for c in cases:
        text = (rewrites or {}).get(c.id, c.draft)
        records.append(Record(case=c.id, prompt=None, engine=engine, rewrite=text, metrics=score_case(c, text, engine=engine)))
    meta = RunMeta(created="2026-11-24T00:00:00+00:00", cases=len(cases), prompts=[], engines=[engine])
    return RunReport(meta=meta, summary=summarise_records(records), records=records)


def save(tmp_path: Path, name: str, run: RunReport) -> str:
    return str(write_report(run, tmp_path / name))


def cli(*args: str):
    return CliRunner().invoke(app, ["eval", "compare", *args])


def test_identical_runs_do_not_regress(tmp_path):
    base = save(tmp_path, "a", report())
    result = cli(base, base, "--fail-on-regression")
    assert result.exit_code == 0, result.output
    assert "no regression" in result.output


def test_a_drop_beyond_the_threshold_fails_only_with_the_flag(tmp_path):
    no_name = {"case-0": DRAFT.replace("48213", "48200").replace("Hi Sarah", "Hello")}  # name used: 1.0 -> 0.9
    base, new = save(tmp_path, "a", report()), save(tmp_path, "b", report(no_name))
    result = cli(base, new, "--fail-on-regression")
    assert result.exit_code == 1, result.output
    assert "name_used" in result.output and "pass_rate" in result.output and "REGRESSED" in result.output
    assert cli(base, new).exit_code == 0  # reported, not gating
    assert cli(base, new, "--fail-on-regression", "--threshold", "0.2").exit_code == 0
    assert cli(new, base, "--fail-on-regression").exit_code == 0  # an improvement is not a regression


def test_a_lost_fact_fails_whatever_the_threshold(tmp_path):
    lost = {"case-3": DRAFT.replace("#48213", "your order").replace("14 March", "14 March")}
    base, new = save(tmp_path, "a", report()), save(tmp_path, "b", report(lost))
    result = cli(base, new, "--fail-on-regression", "--threshold", "1.0")
    assert result.exit_code == 1
    assert "fact lost" in result.output and "case-3" in result.output and "#48203" in result.output


def test_a_fact_already_lost_in_the_baseline_is_not_new(tmp_path):
    lost = {"case-3": DRAFT.replace("#48213", "your order")}
    run = report(lost)
    assert compare(run, run).lost_facts == []
    assert compare(report(), run).lost_facts[0].case == "case-3"


def test_only_shared_cases_and_groups_are_compared(tmp_path):
    fewer = report(cases=CASES[:5])
    result = compare(report(), fewer)
    assert result.cases_compared == {"rules": 5} and not result.regressed
    other_engine = compare(report(), report(engine="scripted"))
    assert other_engine.compared == [] and other_engine.only_baseline == ["rules"] and other_engine.only_new == ["scripted"]


def test_unreadable_runs_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    base = save(tmp_path, "a", report())
    assert cli(base, str(bad)).exit_code == 2
    assert cli(base, str(tmp_path / "missing.json")).exit_code == 2


def test_json_output(tmp_path):
    base = save(tmp_path, "a", report())
    result = cli(base, base, "--json")
    assert result.exit_code == 0 and '"regressions": []' in result.output


@pytest.mark.parametrize("threshold", [0.0, 0.05])
def test_threshold_is_inclusive(threshold):
    one_in_twenty = [make_case(i) for i in range(20)]
    new = report({"case-0": DRAFT.replace("48213", "48200").replace("Hi Sarah", "Hello")}, cases=one_in_twenty)
    result = compare(report(cases=one_in_twenty), new, threshold)  # name_used drops by exactly 0.05
    assert any(d.metric == "name_used" for d in result.regressions) is (threshold < 0.05)


def test_eval_run_rejects_unknown_or_foreign_prompt_versions(tmp_path):
    for prompt in ("rewrite/v99", "judge/v1", "nonsense"):
        result = CliRunner().invoke(app, ["eval", "run", "--prompts", prompt, "--out", str(tmp_path)])
        assert result.exit_code == 2, (prompt, result.output)
