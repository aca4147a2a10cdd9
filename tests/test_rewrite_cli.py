"""`coach rewrite` as a pre-send hook or a log reads it: no colour, no noise, nothing hidden."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from coach.cli import app
from coach.diff import plain_diff

runner = CliRunner()  # stdout is not a terminal here, as in a hook


def rewrite(*args: str):
    return runner.invoke(app, ["rewrite", *args])


def test_off_a_terminal_the_diff_marks_removed_and_added_words():
    result = rewrite("hey mate, your order #48213 is delayed again lol", "--name", "Sarah")
    assert result.exit_code == 0, result.output
    assert "[-hey mate, -]{+Hi Sarah, +}" in result.output
    assert "\x1b[" not in result.output  # no colour codes in a log


def test_plain_diff_leaves_whitespace_only_edits_unmarked():
    assert plain_diff([("=", "a "), ("-", "b"), ("+", "c"), ("+", " "), ("=", "d")]) == "a [-b-]{+c+} d"


def test_an_unchanged_draft_says_no_changes():
    result = rewrite("Hello, your parcel has shipped.")
    assert result.exit_code == 0
    assert "no changes" in result.output and "diff:" not in result.output


def test_no_empty_change_is_listed():
    result = rewrite("hey mate, your order #48213 is delayed again lol", "--name", "Sarah")
    assert not re.search(r'"\s*"\s*→\s*"\s*"', result.output)


def test_findings_the_rewrite_left_open_are_printed():
    result = rewrite("Hello, your parcel has shipped.")
    assert "still open in the rewrite" in result.output
    assert "personal.no-next-step" in result.output


def test_flags_show_as_flags_in_help():
    import os
    import subprocess
    import sys
    from pathlib import Path

    coach = str(Path(sys.executable).with_name("coach"))  # the script users run
    for args in ([], ["rewrite"], ["bench"], ["eval", "retrieval"], ["train", "tone"], ["ingest"], ["lint"], ["search"]):
        done = subprocess.run([coach, *args, "--help"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "COLUMNS": "160"})  # fmt: skip
        assert done.returncode == 0 and "--help" in done.stdout
        lines = [line for line in done.stdout.splitlines() if "<bool>" in line]
        assert not lines, (args, lines)
