"""A rewrite-eval metric is one definition (coach.evals.registry): the CLI table, the HTML report, compare
and the saved summary all take it from there."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from coach.cli import eval_run
from coach.evals.compare import compare
from coach.evals.registry import METRICS, Metric, rate, register, unregister
from coach.evals.report import render_html
from test_eval_compare import DRAFT, report

NAME = "short_rewrites"


@pytest.fixture
def short_rewrites():
    """A new metric, registered for one test: the share of rewrites under 12 words (lower is better)."""
    metric = register(Metric(NAME, "short rewrites", "rewrites under 12 words", "lower", "rate",
                             lambda ms: rate(m.words < 12 for m in ms), 0.05))  # fmt: skip
    yield metric
    unregister(NAME)


def test_one_definition_reaches_the_table_the_html_and_compare(short_rewrites, monkeypatch):
    base = report()
    new = report({"case-0": "Hi Sarah, your order #48200 ships on 14 March."})  # 8 words
    assert len(DRAFT.split()) >= 12
    assert base.summary[0].value(NAME) == 0.0 and new.summary[0].value(NAME) == 0.1

    buffer = io.StringIO()
    monkeypatch.setattr(eval_run, "console", Console(file=buffer, width=200))
    eval_run.print_summary(new.summary)
    assert "short rewrites" in buffer.getvalue() and "10%" in buffer.getvalue()

    assert "short rewrites" in render_html(new)

    result = compare(base, new)
    assert [d.metric for d in result.regressions if d.metric == NAME] == [NAME]
    assert NAME in new.model_dump()["summary"][0]["metrics"]  # and in results.json and the baseline


def test_a_lower_is_better_metric_regresses_when_it_rises():
    metric = Metric("x", "x", "x", "lower", "count", lambda ms: 0, threshold=0)
    assert metric.worse(2, 3) and not metric.worse(3, 2) and metric.better(3, 2)


def test_a_metric_is_defined_once():
    with pytest.raises(ValueError, match="defined twice"):
        register(METRICS["pass_rate"])


def test_a_summary_written_before_the_registry_still_loads():
    from coach.evals.metrics import GroupSummary

    old = {"prompt": None, "engine": "rules", "cases": 2, "passed": 1, "pass_rate": 0.5, "fallbacks": 0, "judge": {}}
    assert GroupSummary.model_validate(old).value("pass_rate") == 0.5
