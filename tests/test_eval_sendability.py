"""The deterministic sendability proxy (issue: evals, item 3) and its agreement with the round-4 hand labels."""

from __future__ import annotations

from typer.testing import CliRunner

from coach.cli import app
from coach.config import PROJECT_ROOT
from coach.evals.metrics import CaseMetrics
from coach.evals.registry import METRICS
from coach.evals.sendability import agreement, proxy_sendable, read_labels

REVIEW = PROJECT_ROOT / "evals" / "notes" / "editor-review-4.md"


def test_the_proxy_fails_a_reply_on_each_of_its_checks():
    assert proxy_sendable(CaseMetrics())
    for broken in ({"fragments_made": 1}, {"placeholders": 1}, {"forbidden_hits": ["mate"]}, {"facts_preserved": False}, {"invented": ["£5"]}):
        assert not proxy_sendable(CaseMetrics(**broken)), broken
    assert METRICS["sendable_proxy"].label == "sendable (proxy)"  # always shown as a proxy


def test_agreement_counts_and_kappa():
    labels = {"a": "send", "b": "edit", "c": "placeholder", "d": "no"}
    metrics = {"a": CaseMetrics(), "b": CaseMetrics(placeholders=1), "c": CaseMetrics(), "d": CaseMetrics()}
    result = agreement(labels, metrics)
    assert (result.items, result.agree, result.proxy_send_person_not, result.person_send_proxy_not) == (4, 3, 1, 0)
    assert result.kappa == 0.5


def test_the_proxy_agrees_with_the_round_4_hand_verdicts():
    labels = read_labels(REVIEW)
    assert len(labels) == 40 and set(labels.values()) <= {"send", "placeholder", "edit", "no"}
    result = CliRunner().invoke(app, ["eval", "sendability", str(REVIEW)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "against 40 hand verdicts: agrees on 34 (85%), Cohen's kappa 0.612" in text
