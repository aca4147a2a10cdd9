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


def every_command() -> list[str]:
    """Every `coach` line of every bash block in the guide, examples with placeholders included."""
    text = GUIDE.read_text(encoding="utf-8")
    lines = [line.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S) for line in block.splitlines()]
    commands = [re.sub(r"^\S+=\S+ ", "", re.sub(r"^\S+=\S+ ", "", line)) for line in lines]  # OPENAI_BASE_URL=... coach ...
    return [c.split("  #")[0].strip() for c in commands if c.startswith("coach ")]


@pytest.mark.parametrize("line", every_command())
def test_each_command_in_the_guide_names_a_real_command_and_real_options(line):
    words = [w for w in shlex.split(line)[1:] if w != "..."]
    command = [w for w in words[:2] if not w.startswith("-")][:2]
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    options = [w.split("=")[0] for w in words if w.startswith("--")]
    assert options == [o for o in options if o in result.output], f"unknown option in {line!r}"


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
