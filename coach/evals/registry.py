"""Every rewrite-eval metric, defined once: its name, label, direction, kind, scoring function and threshold.

The CLI table (`coach eval run`), the HTML report's table and charts, `coach eval compare` and the summary
in results.json and the baseline all read `METRICS`; a new metric is one `register(Metric(...))` call.

* direction: "higher" or "lower" is better;
* kind: "rate" (a share of the cases in [0, 1], shown as a percentage), "count" (summed over the cases)
  or "score" (a mean);
* score: the group's value from its cases' `CaseMetrics` (None when no case applied);
* threshold: when set, compare calls a move against the direction by more than this a regression (for a
  metric in [0, 1], `--threshold` overrides it); None leaves the metric out of the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from coach.evals.metrics import CaseMetrics

Value = float | int | None
RATE_THRESHOLD = 0.02


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    direction: Literal["higher", "lower"]
    kind: Literal["rate", "count", "score"]
    score: Callable[[Sequence[CaseMetrics]], Value]
    threshold: float | None = None
    digits: int = 2  # for a score
    scale: float = 1.0  # a score is shown multiplied by this ("personalisation" 0-1 shown 0-100)
    chart: bool = False  # drawn as a bar chart in the HTML report
    chart_max: float | None = None
    unit: bool = False  # a score in [0, 1] (rates always are): `--threshold` applies to it as to a rate

    @property
    def in_unit_interval(self) -> bool:
        return self.kind == "rate" or self.unit

    def display(self, value: Value) -> str:
        if value is None:
            return "–"
        if self.kind == "rate":
            return f"{value:.0%}"
        if self.kind == "count":
            return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
        return f"{value * self.scale:.{self.digits}f}"

    def worse(self, before: float, after: float, threshold: float | None = None) -> bool:
        limit = self.threshold if threshold is None else threshold
        change = after - before if self.direction == "higher" else before - after
        return limit is not None and change < -limit - 1e-9

    def better(self, before: float, after: float, threshold: float | None = None) -> bool:
        limit = self.threshold if threshold is None else threshold
        change = after - before if self.direction == "higher" else before - after
        return limit is not None and change > limit + 1e-9


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in METRICS:
        raise ValueError(f"metric {metric.name!r} is defined twice")
    METRICS[metric.name] = metric
    return metric


def unregister(name: str) -> None:
    METRICS.pop(name, None)


def gated(threshold: float | None = None) -> dict[str, float]:
    """The metrics compare gates on, with their thresholds (`threshold` replaces those of the metrics in [0, 1])."""
    return {
        m.name: (threshold if threshold is not None and m.in_unit_interval else m.threshold)  # type: ignore[misc]
        for m in METRICS.values() if m.threshold is not None
    }  # fmt: skip


def rate(values: Iterable[bool | None]) -> float | None:
    """The share of True among the values that applied (not None), rounded to 4 places."""
    applicable = [v for v in values if v is not None]
    return round(sum(applicable) / len(applicable), 4) if applicable else None


def total(values: Iterable[int]) -> int:
    return sum(values)


def mean(values: Iterable[float], digits: int = 4) -> float:
    items = list(values)
    return round(fmean(items), digits) if items else 0.0


def _top_opener_share(ms: Sequence[CaseMetrics]) -> float | None:
    openers = [m.opener for m in ms if m.opener]
    if not openers:
        return None
    return round(max(openers.count(o) for o in set(openers)) / len(openers), 4)


def _proxy(m: CaseMetrics) -> bool:
    from coach.evals.sendability import proxy_sendable

    return proxy_sendable(m)


def _length_check(m: CaseMetrics) -> bool | None:
    return next((c.passed for c in m.checks if c.id == "length"), None)


for _metric in (
    Metric("pass_rate", "pass rate", "cases passing every check", "higher", "rate",
           lambda ms: rate(m.passed for m in ms) or 0.0, RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("name_used", "name used", "name used (cases that expect it)", "higher", "rate",
           lambda ms: rate(m.name_used for m in ms), RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("emotion_acknowledged", "emotion acknowledged", "every expected emotion acknowledged", "higher", "rate",
           lambda ms: rate(m.emotion_acknowledged for m in ms), RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("history_referenced", "history referenced", "history or a given detail referenced", "higher", "rate",
           lambda ms: rate(m.history_referenced for m in ms), RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("facts_preserved", "facts preserved", "every fact kept (keep_facts verbatim + fact guard)", "higher", "rate",
           lambda ms: rate(m.facts_preserved for m in ms) or 0.0, RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("facts_lost", "facts lost", "facts lost, summed over cases", "lower", "count",
           lambda ms: total(len(m.facts_lost) for m in ms)),
    Metric("nothing_invented", "nothing invented", "no invented fact or commitment", "higher", "rate",
           lambda ms: rate(not m.invented for m in ms) or 0.0, RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("invented", "invented", "invented facts and commitments, summed", "lower", "count",
           lambda ms: total(len(m.invented) for m in ms), chart=True),
    Metric("no_familiarity", "no familiarity", "no error/warning finding in a risk category (rules or tone model)", "higher", "rate",
           lambda ms: rate(m.familiarity_findings == 0 for m in ms) or 0.0, RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("familiarity_findings", "familiarity findings", "error/warning risk findings, summed", "lower", "count",
           lambda ms: total(m.familiarity_findings for m in ms), chart=True),
    Metric("dismissive_left", "dismissive left", "findings of the dismissive category, any level, summed", "lower", "count",
           lambda ms: total(m.dismissive_left for m in ms)),
    Metric("no_forbidden", "no forbidden", "no must_not_contain / must_not_mention hit", "higher", "rate",
           lambda ms: rate(not m.forbidden_hits for m in ms) or 0.0, RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("forbidden_hits", "forbidden hits", "must_not_contain and must_not_mention hits, summed", "lower", "count",
           lambda ms: total(len(m.forbidden_hits) for m in ms)),
    Metric("contains_ok", "must-contain met", "every must_contain phrase present (cases that list some)", "higher", "rate",
           lambda ms: rate((not m.missing) if any(c.id == "contains" for c in m.checks) else None for m in ms), RATE_THRESHOLD,
           chart=True, chart_max=1.0),
    Metric("length_ok", "length ok", "within max_length_ratio and max_words", "higher", "rate",
           lambda ms: rate(_length_check(m) for m in ms), RATE_THRESHOLD, chart=True, chart_max=1.0),
    Metric("length_ratio", "length ratio", "mean words(rewrite) / words(draft), quoted lines excluded", "lower", "score",
           lambda ms: mean((m.length_ratio for m in ms), 3), chart=True),
    Metric("readability", "readability", "mean Flesch reading ease", "higher", "score",
           lambda ms: mean((m.readability for m in ms), 1), digits=0, chart=True, chart_max=100),
    Metric("personalisation", "personalisation", "mean analysis personalisation / 100", "higher", "score",
           lambda ms: mean(m.personalisation / 100 for m in ms), RATE_THRESHOLD, digits=0, scale=100, chart=True, chart_max=1.0, unit=True),
    Metric("low_risk", "low risk", "1 - mean analysis familiarity risk / 100", "higher", "score",
           lambda ms: round(1 - mean(m.familiarity_risk for m in ms) / 100, 4) if ms else 0.0, RATE_THRESHOLD,
           digits=0, scale=100, chart=True, chart_max=1.0, unit=True),
    Metric("fragments_made", "fragments made", "sentences of the rewrite that are fragments (coach.evals.fragments) and were not in the draft", "lower", "count",
           lambda ms: total(m.fragments_made for m in ms), chart=True),
    Metric("placeholder_rate", "placeholders", "rewrites holding a placeholder for the agent (at most 25%)", "lower", "rate",
           lambda ms: rate(m.placeholders > 0 for m in ms) or 0.0),
    Metric("top_opener_share", "top opener", "share of the changed rewrites that open with the most common first sentence (at most 20%)", "lower", "rate",
           _top_opener_share),
    Metric("history_when_relevant", "history when relevant", "history referenced, in the cases whose history is marked relevant", "higher", "rate",
           lambda ms: rate(m.history_referenced for m in ms if m.history_relevant), RATE_THRESHOLD),
    Metric("sendable_proxy", "sendable (proxy)", "passes the fragment, placeholder, forbidden-phrase and fact checks: a proxy for "
           "'a support lead would send it', which cannot see a generic line or an unanswered question", "higher", "rate",
           lambda ms: rate(_proxy(m) for m in ms) or 0.0),
    Metric("fallbacks", "fallbacks", "rewrites where the rules engine stood in for the model (more is a regression)", "lower", "count",
           lambda ms: sum(1 for m in ms if m.fallback), 0),
    Metric("fallback_rate", "fallback rate", "share of the engine's cells the model did not serve itself", "lower", "rate",
           lambda ms: rate(bool(m.fallback) for m in ms if m.engine_served is not None), RATE_THRESHOLD),
    Metric("errors", "errors", "cells whose engine crashed (more is a regression)", "lower", "count",
           lambda ms: sum(1 for m in ms if m.error), 0),
):  # fmt: skip
    register(_metric)
