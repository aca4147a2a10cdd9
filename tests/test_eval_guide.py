"""The prompt engineers' guide (evals/PROMPT_ENGINEERS.md): every line of its walk-through runs, offline, as a
reader would type it, in a fresh folder."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.config import PROJECT_ROOT, get_settings

GUIDE = PROJECT_ROOT / "evals" / "PROMPT_ENGINEERS.md"


def walk_through() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"<!-- walk-through:[^>]*-->\s*```bash\n(.*?)```", text, re.S)
    assert block, "the guide has no walk-through block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip().startswith("coach ")]


def test_every_line_of_the_walk_through_runs(tmp_path, monkeypatch):
    lines = walk_through()
    assert len(lines) >= 5
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_GUIDANCE_K", "0")
    get_settings.cache_clear()
    try:
        for line in lines:
            result = CliRunner().invoke(app, shlex.split(line)[1:])
            assert result.exit_code == 0, f"{line}\n{result.output}"
    finally:
        get_settings.cache_clear()
    assert (tmp_path / "runs" / "compare.html").read_text().startswith("<!doctype html>")
    assert (tmp_path / "runs" / "injection" / "results.json").is_file()


@pytest.mark.parametrize("line", walk_through())
def test_each_line_names_real_options(line):
    assert CliRunner().invoke(app, [*shlex.split(line)[1:3], "--help"]).exit_code == 0


def test_the_guides_own_example_case_is_valid_and_the_rules_engine_passes_it():
    import yaml

    from coach.evals.cases import Case
    from coach.evals.metrics import score_case
    from coach.pipeline import rewrite

    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"## Add a case.*?```yaml\n(.*?)```", text, re.S)
    assert block, "the guide shows an example case"
    [item] = yaml.safe_load(block.group(1))
    case = Case.model_validate(item)
    result = rewrite(case.to_request())
    metrics = score_case(case, result.rewrite, result, engine="rules")
    assert metrics.passed, (result.rewrite, [(c.id, c.detail) for c in metrics.failed])
