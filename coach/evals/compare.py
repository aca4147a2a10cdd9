"""Compare two eval runs: which scores dropped, which facts were newly lost.

Groups (prompt × engine) are matched by name and compared on the cases both runs share, so adding
cases or engines never reads as a regression. A regression is a gated metric (`registry.METRICS`, those
with a threshold) that moved against its direction by more than its threshold, a judge criterion
(rescaled from 1-5 to 0-1) that dropped by more than the threshold, or any case that loses a fact it did
not lose in the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from coach.evals.metrics import GroupSummary, group_label
from coach.evals.registry import METRICS, Metric, gated
from coach.evals.runner import Record, RunReport, summarise_records


class Delta(BaseModel):
    group: str
    metric: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return round(self.after - self.before, 4)


class LostFact(BaseModel):
    group: str
    case: str
    facts: list[str]


class Comparison(BaseModel):
    threshold: float
    compared: list[str] = Field(default_factory=list, description="Groups in both runs.")
    only_baseline: list[str] = Field(default_factory=list)
    only_new: list[str] = Field(default_factory=list)
    cases_compared: dict[str, int] = Field(default_factory=dict)
    regressions: list[Delta] = Field(default_factory=list)
    improvements: list[Delta] = Field(default_factory=list)
    lost_facts: list[LostFact] = Field(default_factory=list)
    deltas: list[Delta] = Field(default_factory=list, description="Every compared score.")

    @property
    def regressed(self) -> bool:
        return bool(self.regressions or self.lost_facts)


def _scores(group: GroupSummary, limits: dict[str, float]) -> dict[str, float]:
    scores = {name: group.value(name) for name in limits if group.value(name) is not None}
    for criterion, value in group.judge.items():
        if criterion != "variance":
            scores[f"judge.{criterion}"] = round((value - 1) / 4, 4)
    return scores  # type: ignore[return-value]


def _judged(name: str, threshold: float) -> Metric:
    """A judge criterion as a metric: higher is better, gated on the run's threshold."""
    return Metric(name, name, "judge criterion, rescaled to 0-1", "higher", "score", lambda ms: None, threshold, unit=True)


def compare(baseline: RunReport, new: RunReport, threshold: float = 0.02) -> Comparison:
    out = Comparison(threshold=threshold)
    limits = gated(threshold)
    before = _by_group(baseline.records)
    after = _by_group(new.records)
    out.only_baseline = [group_label(*k) for k in before if k not in after]
    out.only_new = [group_label(*k) for k in after if k not in before]
    for key in before:
        if key not in after:
            continue
        label = group_label(*key)
        shared = before[key].keys() & after[key].keys()
        if not shared:
            out.only_baseline.append(label)
            continue
        out.compared.append(label)
        out.cases_compared[label] = len(shared)
        old = summarise_records([before[key][c] for c in sorted(shared)])[0]
        new_group = summarise_records([after[key][c] for c in sorted(shared)])[0]
        old_scores, new_scores = _scores(old, limits), _scores(new_group, limits)
        for name in old_scores.keys() & new_scores.keys():
            metric = METRICS.get(name) or _judged(name, threshold)
            limit = limits.get(name, threshold)
            delta = Delta(group=label, metric=name, before=old_scores[name], after=new_scores[name])
            out.deltas.append(delta)
            if metric.worse(delta.before, delta.after, limit):
                out.regressions.append(delta)
            elif metric.better(delta.before, delta.after, limit):
                out.improvements.append(delta)
        for case in sorted(shared):
            was, now = set(before[key][case].metrics.facts_lost), after[key][case].metrics.facts_lost
            newly = [f for f in now if f not in was]
            if newly:
                out.lost_facts.append(LostFact(group=label, case=case, facts=newly))
        for case in sorted(after[key].keys() - before[key].keys()):
            if after[key][case].metrics.facts_lost:  # a new case that loses a fact is as bad as an old one
                out.lost_facts.append(LostFact(group=label, case=case, facts=after[key][case].metrics.facts_lost))
    order = {m: i for i, m in enumerate(METRICS)}
    for items in (out.regressions, out.improvements, out.deltas):
        items.sort(key=lambda d: (d.group, order.get(d.metric, len(order)), d.metric))
    return out


def _by_group(records: Sequence[Record]) -> dict[tuple[str | None, str], dict[str, Record]]:
    groups: dict[tuple[str | None, str], dict[str, Record]] = {}
    for record in records:
        groups.setdefault((record.prompt, record.engine), {})[record.case] = record
    return groups
