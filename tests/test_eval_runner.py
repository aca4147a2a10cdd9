"""The eval runner: the matrix, the cache, model failures as failed cases, the scripted engine, the judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach import pipeline
from coach.config import Settings
from coach.evals.cache import DiskCache
from coach.evals.cases import Case
from coach.evals.engines import EngineError, EngineSession, parse_engines
from coach.evals.judge import Judge, parse_verdict, JudgeError
from coach.evals.runner import read_report, run_matrix, write_report
from coach.evals.scripted import flaw_for
from coach.testing.openai_stub import OpenAIStub, Reply


def case(case_id: str, draft: str, **expect) -> Case:
    return Case.model_validate({
        "id": case_id, "title": case_id, "tags": ["delivery"], "draft": draft,
        "context": {"customer_name": "Sarah Okafor", "customer_message": "Where is my order? This is frustrating!"},
        "expect": {"use_name": True, "max_length_ratio": 3.0, **expect},
    })  # fmt: skip


def drafts_with_flaw(flaw: str, count: int = 1) -> list[str]:
    """Drafts the scripted model treats with `flaw` (it picks a flaw by a hash of the draft)."""
    found, i = [], 0
    while len(found) < count:
        draft = f"Your order #{48200 + i} ships on 14 March. We will email the tracking link."
        if flaw_for(draft) == flaw:
            found.append(draft)
        i += 1
    return found


@pytest.fixture
def eval_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", guidance_k=0, model_retries=0, model_timeout=10)


def test_engines_always_include_the_baselines(eval_settings):
    assert [s.id for s in parse_engines("scripted", eval_settings)] == ["draft", "rules", "scripted"]
    assert [s.id for s in parse_engines("llm:m1,rules", eval_settings)] == ["draft", "rules", "llm:m1"]
    with pytest.raises(EngineError):
        parse_engines("gpt", eval_settings)
    with pytest.raises(EngineError):
        parse_engines("llm", eval_settings)  # no COACH_MODEL


def test_the_matrix_runs_prompt_versions_only_for_model_engines(eval_settings, tmp_path):
    prompts_dir = tmp_path / "prompts"
    (prompts_dir / "rewrite").mkdir(parents=True)
    v1 = (Path(__file__).parent.parent / "prompts" / "rewrite" / "v1.md").read_text()
    (prompts_dir / "rewrite" / "v1.md").write_text(v1)
    (prompts_dir / "rewrite" / "v2.md").write_text(v1.replace("id: rewrite/v1", "id: rewrite/v2").replace("You are coach", "You are coach v2"))
    settings = eval_settings.model_copy(update={"prompts_dir": prompts_dir})
    cases = [case("a", drafts_with_flaw("none")[0], keep_facts=["14 March"])]
    report = run_matrix(cases, ["rewrite/v1", "rewrite/v2"], parse_engines("scripted", settings), settings, concurrency=2)
    cells = sorted((r.engine, r.prompt or "-") for r in report.records)
    assert cells == [("draft", "-"), ("rules", "-"), ("scripted", "rewrite/v1"), ("scripted", "rewrite/v2")]
    assert {g.label for g in report.summary} == {"draft", "rules", "scripted @ rewrite/v1", "scripted @ rewrite/v2"}
    scripted = [r for r in report.records if r.engine == "scripted"]
    assert all(r.result and r.result.engine == "llm:coach-scripted" and r.result.fallback is None for r in scripted)
    assert all(r.rewrite.startswith("Hi Sarah Okafor,") and r.metrics.passed for r in scripted), [r.metrics.failed for r in scripted]
    assert {r.result.prompt_version for r in scripted} == {"rewrite/v1", "rewrite/v2"}


def test_a_second_run_is_served_from_the_cache(eval_settings, monkeypatch):
    cases = [case(f"c{i}", d, keep_facts=["14 March"]) for i, d in enumerate(drafts_with_flaw("none", 2) + drafts_with_flaw("invents-refund"))]
    engines = parse_engines("scripted", eval_settings)
    first = run_matrix(cases, ["rewrite/v1"], engines, eval_settings)
    assert first.meta.computed == 6 and first.meta.cache_hits == 0

    def no_backend(*args, **kwargs):
        raise AssertionError("a cached run must not call the pipeline")

    monkeypatch.setattr(pipeline, "rewrite", no_backend)
    monkeypatch.setattr(EngineSession, "_start", lambda self: (_ for _ in ()).throw(AssertionError("no engine may start")))
    second = run_matrix(cases, ["rewrite/v1"], engines, eval_settings)
    assert second.meta.computed == 0 and second.meta.cache_hits == 6
    assert [r.rewrite for r in second.records] == [r.rewrite for r in first.records]
    assert [r.metrics for r in second.records] == [r.metrics for r in first.records]

    # --no-cache recomputes: here the pipeline is broken, so every engine cell is a recorded failure
    monkeypatch.undo()
    monkeypatch.setattr(pipeline, "rewrite", no_backend)
    third = run_matrix(cases, ["rewrite/v1"], engines, eval_settings, use_cache=False)
    assert third.meta.computed == 6
    assert all(r.error and "must not call" in r.error and not r.metrics.passed for r in third.records if r.engine != "draft")


def test_changing_the_case_or_the_prompt_misses_the_cache(eval_settings, tmp_path):
    base = case("a", drafts_with_flaw("none")[0])
    engines = parse_engines("rules", eval_settings)
    run_matrix([base], [], engines, eval_settings)
    edited_expectations = base.model_copy(update={"title": "renamed", "notes": "new note"})
    assert run_matrix([edited_expectations], [], engines, eval_settings).meta.cache_hits == 1  # only scores change
    edited_draft = base.model_copy(update={"draft": base.draft + " Thanks."})
    assert run_matrix([edited_draft], [], engines, eval_settings).meta.cache_hits == 0


def test_a_model_that_answers_500_is_a_failed_case_not_a_crash(eval_settings):
    cases = [case("a", drafts_with_flaw("none")[0], keep_facts=["14 March"]), case("b", drafts_with_flaw("none", 2)[1])]
    with OpenAIStub(default=Reply(status=500)) as stub:
        settings = eval_settings.model_copy(update={"openai_base_url": stub.base_url, "openai_api_key": "test"})
        report = run_matrix(cases, ["rewrite/v1"], parse_engines("llm:broken-model", settings), settings)
        calls = len(stub.chat_requests)
        again = run_matrix(cases, ["rewrite/v1"], parse_engines("llm:broken-model", settings), settings)
        assert len(stub.chat_requests) == 2 * calls  # failures are never cached
    llm = [r for r in report.records if r.engine == "llm:broken-model"]
    assert len(llm) == 2 and calls == 2
    for record in llm:
        assert record.error is None and record.result is not None
        assert record.result.engine == "rules" and "HTTP 500" in record.result.fallback
        assert not record.metrics.passed and "HTTP 500" in next(c.detail for c in record.metrics.failed if c.id == "engine")
    group = report.group("rewrite/v1", "llm:broken-model")
    assert group.value("fallbacks") == 2 and group.value("pass_rate") == 0.0
    assert again.meta.cache_hits == 2  # the draft cells are not cached at all; the rules cells are


def test_a_crashing_cell_is_recorded_and_the_rest_still_run(eval_settings, monkeypatch):
    cases = [case("ok", drafts_with_flaw("none")[0]), case("boom", drafts_with_flaw("none", 2)[1])]
    real = EngineSession.rewrite

    def sometimes(self, c, prompt):
        if c.id == "boom":
            raise RuntimeError("engine exploded")
        return real(self, c, prompt)

    monkeypatch.setattr(EngineSession, "rewrite", sometimes)
    report = run_matrix(cases, [], parse_engines("rules", eval_settings), eval_settings)
    by = {(r.engine, r.case): r for r in report.records}
    assert by[("rules", "boom")].error == "RuntimeError: engine exploded" and not by[("rules", "boom")].metrics.passed
    assert by[("rules", "ok")].error is None and by[("rules", "ok")].result is not None
    assert report.group(None, "rules").value("errors") == 1


def test_the_scripted_engine_exercises_repair_and_fallback(eval_settings):
    flaws = ["none", "invents-refund", "no-json", "drops-fact"]
    cases = [case(flaw, drafts_with_flaw(flaw)[0], keep_facts=["14 March"]) for flaw in flaws]
    report = run_matrix(cases, ["rewrite/v1"], parse_engines("scripted", eval_settings), eval_settings, concurrency=4)
    by = {r.case: r for r in report.records if r.engine == "scripted"}
    assert [a.ok for a in by["none"].result.attempts] == [True]
    repaired = by["invents-refund"].result
    assert [a.ok for a in repaired.attempts] == [False, True] and repaired.engine == "llm:coach-scripted"
    assert any("refund" in v for v in repaired.attempts[0].violations) and "refund" not in repaired.rewrite
    assert "malformed" in by["no-json"].result.fallback and by["no-json"].result.engine == "rules"
    assert "after one repair" in by["drops-fact"].result.fallback
    assert all(r.metrics.facts_preserved for r in by.values())  # the pipeline never ships a lost fact
    assert report.group("rewrite/v1", "scripted").value("fallbacks") == 2


def test_results_json_round_trips(eval_settings, tmp_path):
    report = run_matrix([case("a", drafts_with_flaw("none")[0])], [], parse_engines("rules", eval_settings), eval_settings)
    path = write_report(report, tmp_path / "out")
    data = json.loads(path.read_text())
    assert {"meta", "summary", "cases", "records"} <= data.keys()
    assert {"case", "prompt", "engine", "rewrite", "metrics", "result"} <= data["records"][0].keys()
    assert read_report(path) == report
    slim = read_report(write_report(report, tmp_path / "slim", slim=True))
    assert all(r.result is None for r in slim.records) and slim.summary == report.summary


# --- the judge ------------------------------------------------------------------------------------


def test_parse_verdict_accepts_prose_around_json_and_rejects_bad_scores():
    run = parse_verdict('Sure: {"personal": 4, "respectful": 5, "not_over_familiar": 5, "faithful": 3, "reason": "ok"} done')
    assert run.scores == {"personal": 4, "respectful": 5, "not_over_familiar": 5, "faithful": 3}
    for bad in ('{"personal": 6, "respectful": 5, "not_over_familiar": 5, "faithful": 3}', '{"personal": 4}', "no json", '{"personal": "4", "respectful": 5, "not_over_familiar": 5, "faithful": 3}'):
        with pytest.raises(JudgeError):
            parse_verdict(bad)


def _verdict(personal: int) -> str:
    return json.dumps({"personal": personal, "respectful": 5, "not_over_familiar": 4, "faithful": 5, "reason": "fine"})


def test_the_judge_averages_runs_reports_variance_and_caches(eval_settings):
    target = case("a", drafts_with_flaw("none")[0])
    with OpenAIStub([_verdict(3), "not json at all", _verdict(5), _verdict(4)]) as stub:
        settings = eval_settings.model_copy(update={"openai_base_url": stub.base_url, "openai_api_key": "test"})
        judge = Judge("judge-model", settings, runs=3, cache=DiskCache.for_settings(settings))
        from coach.models import Backend

        assert isinstance(judge.backend, Backend)  # the same backend interface as the rewriter, not a raw client
        scores = judge.score(target, "Hi Sarah, your order ships on 14 March.")
        assert judge.calls == 4  # the malformed answer got one repair request
        request = stub.chat_requests[0]
        assert request["model"] == "judge-model" and "REPLY" in request["messages"][1]["content"]
        assert "Hi Sarah, your order ships on 14 March." in request["messages"][1]["content"]
        assert [s.scores["personal"] for s in scores.samples] == [3, 5, 4]
        assert scores.mean["personal"] == 4.0 and scores.variance["personal"] == pytest.approx(2 / 3, abs=1e-3)
        assert scores.mean["respectful"] == 5.0 and scores.variance["respectful"] == 0.0
        assert scores.summary()["overall"] == pytest.approx((4 + 5 + 4 + 5) / 4)

        again = Judge("judge-model", settings, runs=3, cache=DiskCache.for_settings(settings))
        assert again.score(target, "Hi Sarah, your order ships on 14 March.") == scores and again.calls == 0


def test_judge_failures_are_gaps_not_crashes(eval_settings):
    target = case("a", drafts_with_flaw("none")[0])
    with OpenAIStub([Reply(status=500), "nonsense", "still nonsense", _verdict(2)]) as stub:
        settings = eval_settings.model_copy(update={"openai_base_url": stub.base_url, "openai_api_key": "test"})
        scores = Judge("judge-model", settings, runs=3).score(target, "Hello.")
    assert len(scores.samples) == 1 and len(scores.errors) == 2
    assert "HTTP 500" in scores.errors[0] and "unusable" in scores.errors[1]
    assert scores.mean["personal"] == 2.0 and scores.variance["personal"] == 0.0


def test_the_runner_adds_judge_scores_to_records_and_summary(eval_settings):
    cases = [case("a", drafts_with_flaw("none")[0]), case("b", drafts_with_flaw("none", 2)[1])]
    with OpenAIStub(default=Reply(_verdict(4))) as stub:
        settings = eval_settings.model_copy(update={"openai_base_url": stub.base_url, "openai_api_key": "test"})
        judge = Judge("judge-model", settings, runs=2)
        report = run_matrix(cases, [], parse_engines("rules", settings), settings, judge=judge)
    assert all(r.judge and r.judge.mean["personal"] == 4.0 for r in report.records)
    assert report.group(None, "rules").judge["personal"] == 4.0 and report.group(None, "draft").judge["variance"] == 0.0
    assert report.meta.judge == {"model": "judge-model", "runs": 2, "prompt": "judge/v1"}


def test_judge_from_the_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from coach.cli import app
    from coach.config import get_settings

    cases_file = tmp_path / "cases.yaml"
    cases_file.write_text("cases:\n" + "".join(
        f"  - {c.model_dump_json(exclude_none=True)}\n" for c in [case("a", drafts_with_flaw("none")[0])]
    ))  # fmt: skip
    with OpenAIStub(default=Reply(_verdict(4))) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("COACH_MODEL", raising=False)
        get_settings.cache_clear()
        try:
            args = ["eval", "run", "--engines", "rules", "--judge-model", "judge-model", "--judge-runs", "2",
                    "--cases-dir", str(cases_file), "--out", str(tmp_path / "out"), "-q"]  # fmt: skip
            result = CliRunner().invoke(app, args)
        finally:
            get_settings.cache_clear()
        assert len(stub.chat_requests) == 4  # 2 replies (draft, rules) x 2 runs
    assert result.exit_code == 0, result.output
    assert "judge overall" in result.output and "judge variance" in result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["meta"]["judge"]["runs"] == 2
    assert all(r["judge"]["mean"]["personal"] == 4.0 for r in data["records"])


def test_the_sendability_rubric_asks_send_edit_or_no_and_facts_apart_and_reports_run_agreement(eval_settings):
    target = case("a", drafts_with_flaw("none")[0])
    answers = [json.dumps({"verdict": v, "facts_kept": True, "invented": inv, "reason": f"because {v}"}) for v, inv in
               (("send", False), ("edit", False), ("send", False), ("maybe", False))]  # fmt: skip
    with OpenAIStub([*answers[:2], answers[3], answers[2]]) as stub:  # the third run answers badly once, then well
        settings = eval_settings.model_copy(update={"openai_base_url": stub.base_url, "openai_api_key": "test"})
        judge = Judge("judge-model", settings, runs=3, prompt="judge/v2")
        scores = judge.score(target, "Hi Sarah, your order ships on 14 March.")
        assert "would do with the REPLY" in stub.chat_requests[0]["messages"][0]["content"]
    assert [s.scores["sendable"] for s in scores.samples] == [5, 3, 5]
    assert scores.mean["facts_kept"] == 5.0 and scores.mean["nothing_invented"] == 5.0
    assert scores.agreement == round((2 / 3 + 1 + 1) / 3, 3)  # the verdicts split 2-1; the two yes/no answers agree
    assert [s.reason for s in scores.samples] == ["because send", "because edit", "because send"]
    assert scores.summary()["agreement"] == scores.agreement


# --- the scripted judge: offline, graded by coach's own checks, noisy only above temperature 0 ----------------


def test_the_scripted_judge_grades_with_coachs_checks_and_is_noisy_only_above_temperature_0(eval_settings):
    target = case("a", "Hi Sarah, your order #48213 ships on 14 March.")
    good, lost = "Hi Sarah, your order #48213 ships on 14 March. I'm sorry for the wait.", "Hi Sarah, your order ships soon."
    judge = Judge("scripted", eval_settings, runs=8, prompt="judge/v2", temperature=0.7)
    try:
        assert str(judge.backend.chat.openai_api_base).startswith("http://127.0.0.1")  # its own stub, whatever the configured endpoint
        kept, dropped = judge.score(target, good), judge.score(target, lost)
    finally:
        judge.close()
    assert not kept.errors and len(kept.samples) == 8
    assert {s.scores["facts_kept"] for s in kept.samples} == {5} and kept.mean["nothing_invented"] == 5.0
    assert kept.variance["sendable"] > 0 and kept.agreement < 1  # its runs differ, as a model's at 0.7 would
    assert {s.scores["sendable"] for s in dropped.samples} == {1} and dropped.mean["facts_kept"] == 1.0  # a lost fact: "no", every run
    steady = Judge("scripted", eval_settings, runs=4, prompt="judge/v1", temperature=0.0)
    try:
        scores = steady.score(target, good)
    finally:
        steady.close()
    assert all(v == 0.0 for v in scores.variance.values()) and scores.mean["faithful"] == 5.0 and scores.mean["personal"] == 4.0
