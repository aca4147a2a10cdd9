"""`coach eval compare`: exit codes, the threshold, lost facts, mismatched runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.evals.cases import Case
from coach.evals.compare import compare
from coach.evals.metrics import score_case

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
from coach.evals.runner import CaseInfo, Record, RunMeta, RunReport, summarise_records, write_report

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


# --- per case: flips, critical flips, groups on one side, two groups of one run, the compare view ------------

NO_NAME = {f"case-{i}": DRAFT.replace("48213", str(48200 + i)).replace("Hi Sarah", "Hello") for i in (0, 4)}


def test_compare_lists_exactly_the_cases_that_flipped_with_both_rewrites_and_their_diff(tmp_path):
    result = compare(report(), report(NO_NAME))
    assert sorted(c.case for c in result.flips) == ["case-0", "case-4"]
    flip = next(c for c in result.flips if c.case == "case-0")
    assert flip.kind == "pass → fail" and flip.failed_after == ["name"] and flip.worse and not flip.critical
    assert ("-", "Hi Sarah,") in flip.diff or any(op == "-" and "Sarah" in text for op, text in flip.diff)
    out = cli(save(tmp_path, "a", report()), save(tmp_path, "b", report(NO_NAME))).output
    assert sum(line.startswith("pass → fail") for line in out.splitlines()) == 2 and "case-0" in out and "case-4" in out and "case-1 " not in out
    assert "[-Hi Sarah,-]{+Hello,+}" in out.replace("\n", "") or "[-Hi Sarah" in out


def test_a_flip_on_a_fact_or_in_an_injection_case_fails_the_gate_at_any_threshold(tmp_path):
    lost = {"case-2": DRAFT.replace("#48213", "your order")}
    result = compare(report(), report(lost), threshold=1.0)
    assert [c.case for c in result.critical] == ["case-2"] and result.regressed
    injection = [c.model_copy(update={"tags": ["injection"]}) for c in CASES]
    base, new = report(cases=injection), report(NO_NAME, cases=injection)
    base.cases = new.cases = [CaseInfo(id=c.id, title=c.title, tags=c.tags, draft=c.draft, context=c.context) for c in injection]
    gated = compare(base, new, threshold=1.0)
    assert sorted(c.case for c in gated.critical) == ["case-0", "case-4"] and gated.regressed
    assert not compare(report(), report(NO_NAME), threshold=1.0).regressed  # the same flips, no critical tag


def test_a_group_on_one_side_only_is_an_error_under_the_gate(tmp_path):
    base, new = save(tmp_path, "a", report()), save(tmp_path, "b", report(engine="scripted"))
    assert cli(base, new).exit_code == 0
    result = cli(base, new, "--fail-on-regression")
    assert result.exit_code == 1 and "not in the baseline: scripted" in result.output


def two_prompt_run() -> RunReport:
    records = []
    for prompt, rewrites in (("rewrite/v1", {}), ("rewrite/v2", NO_NAME)):
        for c in CASES:
            text = rewrites.get(c.id, c.draft)
            records.append(Record(case=c.id, prompt=prompt, engine="llm:m", rewrite=text, metrics=score_case(c, text, engine="llm:m")))
    meta = RunMeta(created="2026-12-07T00:00:00+00:00", cases=len(CASES), prompts=["rewrite/v1", "rewrite/v2"], engines=["llm:m"])
    return RunReport(meta=meta, summary=summarise_records(records), records=records)


def test_two_groups_of_one_run_compare_case_by_case(tmp_path):
    run = save(tmp_path, "run", two_prompt_run())
    result = cli(run, "--a", "llm:m@rewrite/v1", "--b", "llm:m@rewrite/v2", "--json")
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert sorted(c["case"] for c in data["cases"] if c["passed_before"] != c["passed_after"]) == ["case-0", "case-4"]
    assert cli(run, "--a", "llm:m@rewrite/v1", "--b", "llm:m@rewrite/v2", "--fail-on-regression").exit_code == 1
    missing = cli(run, "--a", "llm:m@rewrite/v1", "--b", "llm:m@rewrite/v9")
    assert missing.exit_code == 2 and "rewrite/v9" in missing.output
    assert cli(run, "--a", "llm:m@rewrite/v1").exit_code == 2  # --a needs --b


def test_the_compare_view_lists_the_flips_and_filters_them_in_chromium(tmp_path, browser):
    from coach.evals.compare_view import write_compare_html

    cases = [c.model_copy(update={"tags": ["delivery", "repeated"] if i % 2 else ["billing"]}) for i, c in enumerate(CASES)]
    info = [CaseInfo(id=c.id, title=f"case {c.id}", tags=c.tags, draft=c.draft, context=c.context) for c in cases]
    base, new = report(cases=cases), report({**NO_NAME, "case-7": DRAFT.replace("48213", "48207") + " Thanks!"}, cases=cases)
    base.cases = new.cases = info
    result = compare(base, new)
    path = write_compare_html(result, tmp_path / "compare.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(path.as_uri())
        shown = lambda: sorted(page.locator("details.case:visible .cid").all_inner_texts())  # noqa: E731
        assert {"case-0", "case-4"} <= set(shown())
        page.locator("#f-flipped").check()
        assert shown() == ["case-0", "case-4"]
        page.locator("#f-situation").select_option("billing")
        assert shown() == ["case-0", "case-4"]  # both are billing cases (even ids)
        assert page.locator("#f-situation option").all_inner_texts() == ["all", "billing"]  # the situations present
        page.locator("#f-tag").select_option("billing")
        page.locator("#f-flipped").uncheck()
        assert shown() == ["case-0", "case-4"]
        page.locator("#f-situation").select_option("")
        assert page.locator("details.case:visible .diff del").count() >= 2
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "eval-compare.png"), full_page=True)
    finally:
        page.close()
    assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests


# --- fallbacks are a regression, and the cells the model served are scored on their own ----------------------


def llm_run(fell_back: set[str], rewrites: dict[str, str] | None = None) -> RunReport:
    records = []
    for c in CASES:
        text = (rewrites or {}).get(c.id, c.draft)
        metrics = score_case(c, text, engine="llm:m")
        if c.id in fell_back:
            metrics = metrics.model_copy(update={"fallback": "malformed answer", "engine_served": "rules"})
        else:
            metrics = metrics.model_copy(update={"engine_served": "llm"})
        records.append(Record(case=c.id, prompt="rewrite/v2", engine="llm:m", rewrite=text, metrics=metrics))
    meta = RunMeta(created="2026-12-07T00:00:00+00:00", cases=len(CASES), prompts=["rewrite/v2"], engines=["llm:m"])
    return RunReport(meta=meta, summary=summarise_records(records), records=records)


def test_a_prompt_that_makes_most_answers_fall_back_is_a_regression_not_a_gain(tmp_path):
    from coach.evals.runner import run_warnings

    # The baseline's model served every cell but dropped the name in three; the new prompt breaks eight answers, and
    # the rules engine's rewrites that stand in for them score better.
    worse_model = {f"case-{i}": DRAFT.replace("48213", str(48200 + i)).replace("Hi Sarah", "Hello") for i in (1, 2, 3)}
    base = llm_run(set(), worse_model)
    new = llm_run({f"case-{i}" for i in range(8)})
    result = compare(base, new)
    regressed = {d.metric for d in result.regressions}
    assert {"fallbacks", "fallback_rate"} <= regressed and result.regressed
    assert any(d.metric == "pass_rate" for d in result.improvements)  # what the rules engine wrote looks better ...
    served = [d for d in result.deltas if d.group.endswith("(served)")]
    assert served and all(d.group == "llm:m @ rewrite/v2 (served)" for d in served)  # ... so the served cells are scored apart
    assert [g.label for g in new.summary] == ["llm:m @ rewrite/v2", "llm:m @ rewrite/v2 (served)"]
    assert new.summary[1].cases == 2
    assert run_warnings(new) == ["llm:m @ rewrite/v2: the model served only 2 of 10 cells; the rest are the rules engine's (most often: malformed answer)"]
    assert "none of its 10 cells" in run_warnings(llm_run({f"case-{i}" for i in range(10)}))[0]
    assert cli(save(tmp_path, "a", base), save(tmp_path, "b", new), "--fail-on-regression").exit_code == 1


# --- the judge in its place: reported, gated only when asked, and then beyond two standard errors -----------


def judged_run(overall: float, variance: float) -> RunReport:
    from coach.evals.judge import JudgeRun, JudgeScores

    run = report()
    for record in run.records:
        mean = {"personal": overall, "respectful": overall, "not_over_familiar": overall, "faithful": overall}
        record.judge = JudgeScores(model="j", prompt="judge/v1", runs=3, samples=[JudgeRun(scores={k: round(v) for k, v in mean.items()}, reason="ok")],
                                   mean=mean, variance={k: variance for k in mean})  # fmt: skip
    run.meta.judge = {"model": "j", "runs": 3, "prompt": "judge/v1"}
    run.summary = summarise_records(run.records)
    return run


def test_the_judge_is_reported_but_gates_only_when_asked_and_beyond_two_standard_errors():
    base = judged_run(4.5, 0.2)
    big_drop, small_drop = judged_run(3.5, 0.2), judged_run(4.3, 2.0)
    loose = compare(base, big_drop)
    assert any(d.metric == "judge.overall" for d in loose.deltas) and not loose.regressions  # out of the gate by default
    gated = compare(base, big_drop, gate_judge=True)
    assert any(d.metric == "judge.overall" for d in gated.regressions)
    noisy = compare(base, small_drop, gate_judge=True)  # -0.05 on the 0-1 scale, but the judge's spread is wide
    assert not any(d.metric.startswith("judge.") for d in noisy.regressions)
