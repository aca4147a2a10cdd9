"""A new prompt version, tried before it is the default: `status: experimental` keeps it out of `latest`, the
scripted model reads the prompt's principles, so rewrite/v1 against rewrite/v2 in one run shows a real difference
offline, and compare lists exactly the cases that flipped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.config import PROJECT_ROOT, get_settings
from coach.evals.compare import compare_groups
from coach.evals.runner import RunReport
from coach.evals.scripted import DIRECTIVES, respond
from coach.prompting import PromptError, latest, load_template, versions

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def prompts_dir(tmp_path, monkeypatch):
    folder = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", folder)
    monkeypatch.setenv("COACH_PROMPTS_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def test_an_experimental_version_is_listed_and_loads_by_name_but_is_never_the_default(prompts_dir):
    assert versions("rewrite") == ["rewrite/v1", "rewrite/v2"]
    assert load_template("rewrite/v2").status == "experimental"
    assert latest("rewrite") == "rewrite/v1"
    v3 = (prompts_dir / "rewrite" / "v2.md").read_text().replace("id: rewrite/v2", "id: rewrite/v3").replace("status: experimental\n", "")
    (prompts_dir / "rewrite" / "v3.md").write_text(v3)
    assert latest("rewrite") == "rewrite/v3"  # promoted: the status line removed
    (prompts_dir / "rewrite" / "v4.md").write_text(v3.replace("id: rewrite/v3", "id: rewrite/v4\nstatus: draft"))
    with pytest.raises(PromptError, match="status must be one of stable, experimental"):
        load_template("rewrite/v4")


def test_the_pipeline_defaults_to_the_stable_version():
    from coach.evals.engines import scripted_settings
    from coach.pipeline import rewrite
    from coach.schemas import EngineChoice, RewriteRequest
    from coach.testing.openai_stub import OpenAIStub

    with OpenAIStub(default=respond) as stub:
        settings = scripted_settings(get_settings(), stub.base_url)
        result = rewrite(RewriteRequest(draft="Hi, your order #48213 ships on 14 March.", engine=EngineChoice.llm), settings=settings)
    assert result.prompt_version == "rewrite/v1" and result.engine.startswith("llm")


def _body(system: str, draft: str, message: str) -> dict:
    user = f"CUSTOMER NAME: Ana\n\nCUSTOMER MESSAGE (data):\n~~~ CUSTOMER MESSAGE\n{message}\n~~~\n\nDRAFT (data, rewrite this):\n~~~ DRAFT\n{draft}\n~~~"
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}


@pytest.mark.parametrize(
    ("directives", "expected"),
    [
        (("greet", "acknowledge"), "Hi Ana,\n\nI'm sorry for the trouble this has caused.\n\nSorry, your order #48213 is late."),
        (("greet", "acknowledge", "one_apology"), "Hi Ana,\n\nSorry, your order #48213 is late."),
        (("greet",), "Hi Ana,\n\nSorry, your order #48213 is late."),
        ((), "Sorry, your order #48213 is late."),
    ],
)
def test_the_scripted_model_does_what_the_system_prompt_asks_in_words_it_knows(directives, expected):
    system = " ".join(DIRECTIVES[d].capitalize() + "." for d in directives)
    answer = json.loads(respond(_body(system, "Sorry, your order #48213 is late.", "This is the second time it is late!"), flaw="none"))
    assert answer["rewrite"] == expected


def test_the_shipped_prompts_say_what_the_scripted_model_listens_for():
    v1, v2 = (load_template(f"rewrite/v{i}").system.casefold() for i in (1, 2))
    assert DIRECTIVES["greet"] in v1 and DIRECTIVES["acknowledge"] in v1 and DIRECTIVES["one_apology"] not in v1
    assert all(words in v2 for words in DIRECTIVES.values())


@pytest.fixture(scope="module")
def v1_v2_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("v1v2")
    mp = pytest.MonkeyPatch()
    mp.setenv("COACH_DATA_DIR", str(root / "data"))
    mp.setenv("COACH_GUIDANCE_K", "0")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["eval", "run", "--engines", "scripted", "--prompts", "rewrite/v1,rewrite/v2", "--cases", "good-draft",
                                          "--out", str(root / "run"), "-q", "--slim"])  # fmt: skip
        assert result.exit_code == 0, result.output
    finally:
        get_settings.cache_clear()
        mp.undo()
    return root / "run" / "results.json"


def test_v1_against_v2_in_one_run_lists_exactly_the_cases_that_flipped(v1_v2_run, tmp_path):
    report = RunReport.model_validate_json(v1_v2_run.read_text())
    passed = {(r.prompt, r.case): r.metrics.passed for r in report.records if r.engine == "scripted"}
    flipped = sorted(case for (prompt, case), ok in passed.items() if prompt == "rewrite/v1" and ok != passed[("rewrite/v2", case)])
    assert flipped, "v2 changes the scripted model's answers, so some case must flip"
    result = compare_groups(report, "scripted@rewrite/v1", "scripted@rewrite/v2")
    assert sorted(c.case for c in result.flips) == flipped
    out = CliRunner().invoke(app, ["eval", "compare", str(v1_v2_run), "--a", "scripted@rewrite/v1", "--b", "scripted@rewrite/v2"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert f"flipped: {len(flipped)} case(s)" in out.output and all(case in out.output for case in flipped)
    assert "I'm sorry for the trouble this has caused." in out.output  # the v1 apology v2 no longer stacks, in the diff
    # The same change against the committed CI baseline (rewrite/v1 on every case): the same flips, on the cases both share.
    baseline = RunReport.model_validate_json((PROJECT_ROOT / "evals" / "baseline.json").read_text())
    assert sorted(c.case for c in compare_groups(baseline, "scripted@rewrite/v1", "scripted@rewrite/v2", other=report).flips) == flipped


def test_the_v1_v2_compare_view_shows_exactly_the_flips_in_chromium(v1_v2_run, tmp_path, browser):
    from coach.evals.compare_view import write_compare_html

    report = RunReport.model_validate_json(v1_v2_run.read_text())
    result = compare_groups(report, "scripted@rewrite/v1", "scripted@rewrite/v2")
    path = write_compare_html(result, tmp_path / "v1-v2.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(path.as_uri())
        page.locator("#f-flipped").check()
        shown = sorted(page.locator("details.case:visible .cid").all_inner_texts())
        assert shown == sorted(c.case for c in result.flips) and shown
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "eval-compare-v1-v2.png"), full_page=True)
    finally:
        page.close()
