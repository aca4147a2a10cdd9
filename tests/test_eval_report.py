"""The HTML eval report: self-contained, and it renders in headless chromium (screenshot under tests/artifacts/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.config import Settings
from coach.evals.cases import Case
from coach.evals.engines import parse_engines
from coach.evals.registry import METRICS
from coach.evals.report import render_html, write_html
from coach.evals.runner import run_matrix

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

CASES = [
    Case.model_validate({
        "id": "late-again", "title": "Late again, <b>angry</b> customer", "tags": ["delivery", "repeated"],
        "draft": "hey mate, your order #48213 is late again lol. it should be there by 14 March.",
        "context": {"customer_name": "Sarah Okafor", "customer_message": "LATE AGAIN?! This is ridiculous.",
                    "history": [{"date": "2026-02-20", "note": "order #47990 arrived late, apologised"}]},
        "expect": {"keep_facts": ["#48213", "14 March"], "use_name": True, "acknowledge": ["frustration"],
                   "reference_history": ["again", "last time"], "must_not_contain": ["mate", "lol"]},
    }),
    Case.model_validate({
        "id": "good-draft", "title": "Already good", "tags": ["good-draft"],
        "draft": "Hi Tom, thank you for letting us know. Your refund of £12.50 was issued today; it should reach your card within 5 days.",
        "context": {"customer_name": "Tom Baker", "customer_message": "Thanks for sorting this out so quickly."},
        "expect": {"keep_facts": ["£12.50", "5 days"], "use_name": True, "max_length_ratio": 1.2},
    }),
]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), guidance_k=0)
    return run_matrix(CASES, ["rewrite/v1"], parse_engines("scripted", settings), settings, concurrency=2)


def test_the_report_is_self_contained(run):
    html = render_html(run)
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert not re.search(r"""<(link|img|iframe)\b|\bsrc=|@import|url\(|href=["']?https?:""", html, re.IGNORECASE)
    assert html.count("<svg") == sum(m.chart for m in METRICS.values())
    assert "&lt;b&gt;angry&lt;/b&gt;" in html and "<b>angry</b>" not in html  # case text is escaped
    assert html.count('class="case') == len(CASES)


def test_the_report_renders_in_chromium(run, browser, tmp_path):
    path = write_html(run, tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(path.as_uri())
        assert page.title() == "coach eval report"
        assert page.locator(".chart svg").count() == sum(m.chart for m in METRICS.values())
        assert page.locator("table.summary tbody tr").count() == len(run.summary) == 3
        bar = page.locator(".chart svg rect").nth(1).bounding_box()
        assert bar and bar["height"] > 5

        case = page.locator("details#case-late-again")
        assert not case.locator(".grid").is_visible()
        case.locator("> summary").click()
        assert case.locator(".grid").is_visible()
        assert case.locator(".col").count() == 1 + 3  # the context, then draft, rules, scripted
        assert case.locator(".diff ins").count() >= 1 and case.locator(".diff del").count() >= 1
        assert "Sarah" in case.locator(".col").last.inner_text()
        assert case.locator("ul.failed li").count() >= 1  # the draft baseline fails its checks, and says which

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "eval-report.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000

        page.locator("#only-failing").check()
        hidden = page.locator("details.case:not(.has-failure)")
        assert all(not hidden.nth(i).is_visible() for i in range(hidden.count()))
    finally:
        page.close()
    assert requests and all(url.startswith(("file:", "data:", "about:")) for url in requests), requests


def test_coach_eval_run_and_report_from_the_command_line(tmp_path, monkeypatch):
    from coach.config import get_settings

    cases_file = tmp_path / "cases.yaml"
    cases_file.write_text(
        "cases:\n" + "".join(
            f"  - {c.model_dump_json(exclude_none=True, exclude={'constraints'})}\n" for c in CASES
        )
    )
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_GUIDANCE_K", "0")
    get_settings.cache_clear()
    try:
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["eval", "run", "--engines", "scripted", "--cases-dir", str(cases_file), "--out", str(out), "-q"])
        assert result.exit_code == 0, result.output
        assert (out / "results.json").is_file() and (out / "report.html").is_file()
        assert "rewrite eval" in result.output and "scripted @ rewrite/v1" in result.output
        assert "6 cells" in result.output and "6 computed" not in result.output  # draft cells are never computed

        again = CliRunner().invoke(app, ["eval", "run", "--engines", "scripted", "--cases-dir", str(cases_file), "--out", str(out), "-q"])
        assert again.exit_code == 0 and "0 computed" in again.output

        rendered = CliRunner().invoke(app, ["eval", "report", str(out / "results.json"), "--out", str(tmp_path / "r.html")])
        assert rendered.exit_code == 0 and (tmp_path / "r.html").read_text().startswith("<!doctype html>")

        bad = CliRunner().invoke(app, ["eval", "run", "--engines", "gpt", "--cases-dir", str(cases_file), "--out", str(out)])
        assert bad.exit_code == 2
        tagged = CliRunner().invoke(app, ["eval", "run", "--cases", "no-such-tag", "--cases-dir", str(cases_file), "--out", str(out)])
        assert tagged.exit_code == 2
    finally:
        get_settings.cache_clear()


def test_an_unreachable_model_is_a_warning_and_fails_a_strict_run(tmp_path, monkeypatch):
    import socket

    from coach.config import get_settings

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cases_file = tmp_path / "cases.yaml"
    cases_file.write_text("cases:\n" + f"  - {CASES[1].model_dump_json(exclude_none=True, exclude={'constraints'})}\n")
    for name, value in {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_GUIDANCE_K": "0", "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
                        "OPENAI_API_KEY": "k", "COACH_MODEL_RETRIES": "0", "COACH_MODEL_TIMEOUT": "2"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        args = ["eval", "run", "--engines", "llm:m", "--cases-dir", str(cases_file), "--out", str(tmp_path / "out"), "-q", "--no-cache"]
        loose = CliRunner().invoke(app, args)
        assert loose.exit_code == 0, loose.output
        assert "warning" in loose.output and "served none of its 1 cells" in loose.output
        strict = CliRunner().invoke(app, [*args, "--strict"])
        assert strict.exit_code == 1
    finally:
        get_settings.cache_clear()


def test_a_dry_run_estimates_calls_tokens_and_cost_and_runs_nothing(tmp_path, monkeypatch):
    from coach.config import get_settings
    from coach.evals.cost import dollars, estimate, prices

    assert dollars("gpt-4o-mini", 1_000_000, 1_000_000, prices()) == 0.75 and dollars("unknown", 10, 10, prices()) is None
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["eval", "run", "--engines", "llm:gpt-4o-mini", "--dry-run", "--judge-model", "gpt-4o", "--judge-runs", "2",
                                          "--cases", "grief", "--out", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "dry run" in result.output and "judge gpt-4o × 2" in result.output and "estimated total: $" in result.output
        assert not out.exists()  # nothing ran, nothing was written
        rows = estimate(CASES, ["rewrite/v1"], parse_engines("scripted", get_settings()), get_settings(), repeat=3)
        assert [r.group for r in rows] == ["scripted @ rewrite/v1"] and rows[0].cells == 6 and rows[0].calls == 9 and rows[0].cost_usd is None
    finally:
        get_settings.cache_clear()


def test_each_model_group_reports_its_tokens_latency_and_cost(run):
    scripted = next(g for g in run.summary if g.engine == "scripted" and not g.subset)
    assert scripted.spend and scripted.spend.tokens_in > 0 and scripted.spend.tokens_out > 0
    assert scripted.spend.cells == 2 and scripted.spend.cost_usd is None  # the stub has no price
    assert next(g for g in run.summary if g.engine == "rules").spend is None


def test_the_matrix_view_holds_four_columns_at_1400_px_and_filters(browser, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", guidance_k=0)
    run = run_matrix(CASES, ["rewrite/v1"], parse_engines("scripted,scripted:obey", settings), settings, concurrency=1)
    path = write_html(run, tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(path.as_uri())
        matrix = page.locator("table.matrix")
        assert matrix.locator("thead th").count() == 1 + 4  # case, draft, rules, scripted, scripted:obey
        assert matrix.locator("tbody tr").count() == len(CASES)
        assert matrix.locator("tbody td .badge").count() == 4 * len(CASES)
        box = matrix.bounding_box()
        assert box and box["width"] <= 1400 - 32  # no sideways scrolling at 1400 px
        page.locator("#m-differ").check()
        differ = [r for r in run.cases if len({rec.rewrite for rec in run.records if rec.case == r.id and rec.engine != "draft"}) > 1]
        assert page.locator("table.matrix tbody tr:visible").count() == len(differ)
        page.locator("#m-differ").uncheck()
        page.locator("#m-a").select_option(label="draft")
        page.locator("#m-b").select_option(label="rules")
        page.locator("#m-worse").check()
        assert page.locator("table.matrix tbody tr:visible").count() == 0  # the rules engine never fails more checks than the draft here
        assert page.locator(".diff.vs").count() >= 1  # the second model's rewrite against the first's
        page.locator("#m-worse").uncheck()
        matrix.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "eval-matrix.png"), full_page=False)
    finally:
        page.close()


def test_results_keep_the_rendered_prompt_and_every_raw_answer_failed_ones_included(tmp_path):
    from coach.evals.scripted import flaw_for

    draft = next(d for i in range(200) if flaw_for(d := f"Hi Sam, your order #{48200 + i} ships on 14 March.") == "no-json")
    case = Case.model_validate({"id": "no-json", "title": "t", "tags": ["delivery"], "draft": draft,
                                "context": {"customer_name": "Sam Lee"}, "expect": {"use_name": True}})  # fmt: skip
    settings = Settings(data_dir=tmp_path / "data", guidance_k=0)
    run = run_matrix([case], ["rewrite/v1"], parse_engines("scripted", settings), settings, concurrency=1, use_cache=False)
    scripted = next(r for r in run.records if r.engine == "scripted")
    assert scripted.trace and scripted.trace[0]["attempt"] == 1 and scripted.trace[0]["step"] == "model"
    assert scripted.trace[0]["error"].startswith("malformed answer") and scripted.trace[0]["raw"].startswith("Sure! Here is")
    assert scripted.trace[0]["messages"][0]["role"] == "system" and draft in scripted.trace[0]["messages"][1]["content"]
    assert not next(r for r in run.records if r.engine == "rules").trace  # no model, no calls
    html = render_html(run)
    assert "prompt and raw answers (1)" in html and "Sure! Here is" in html
    assert all(not r.trace for r in run.slim().records)  # a slim run (the committed baseline) leaves them out
