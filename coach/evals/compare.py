"""Compare two eval runs, or two groups of one run: which scores dropped, which cases flipped, which facts
were newly lost.

Groups (prompt × engine) are matched by name and compared on the cases both runs share, so adding
cases never reads as a regression. A regression is a gated metric (`registry.METRICS`, those with a
threshold) that moved against its direction by more than its threshold, a judge criterion (rescaled from
1-5 to 0-1) that dropped by more than the threshold, any case that loses a fact it did not lose in the
baseline, or a critical flip: a case that passed and now fails, in a critical tag (injection, critical) or on
a critical check (facts, invented, quoted). Each case that flipped, or whose own metrics moved beyond their
thresholds, is listed with its draft, both rewrites and the word diff between them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from coach.diff import word_diff
from coach.evals.metrics import CaseMetrics, GroupSummary, group_label
from coach.evals.registry import METRICS, Metric, gated
from coach.evals.runner import UNSERVED_ENGINES, Record, RunReport, summarise_records


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


CRITICAL_TAGS = frozenset({"injection", "critical"})
CRITICAL_CHECKS = frozenset({"facts", "invented", "quoted"})


class CaseChange(BaseModel):
    """One case whose pass/fail flipped or whose own metrics moved beyond their thresholds."""

    group: str
    case: str
    title: str = ""
    tags: list[str] = Field(default_factory=list)
    draft: str = ""
    before: str = Field(description="The baseline's (or group A's) rewrite.")
    after: str = Field(description="The new run's (or group B's) rewrite.")
    passed_before: bool
    passed_after: bool
    failed_before: list[str] = Field(default_factory=list, description="Checks failed in the baseline.")
    failed_after: list[str] = Field(default_factory=list)
    moved: list[Delta] = Field(default_factory=list, description="The case's own metrics that moved beyond their thresholds.")
    diff: list[tuple[str, str]] = Field(default_factory=list, description="Word diff from the baseline's rewrite to the new one.")
    critical: bool = Field(False, description="Passed before, fails now, in a critical tag or on a critical check.")

    @property
    def flipped(self) -> bool:
        return self.passed_before != self.passed_after

    @property
    def worse(self) -> bool:
        """Passed and now fails, or still fails on more checks."""
        return (self.passed_before and not self.passed_after) or bool(set(self.failed_after) - set(self.failed_before))

    @property
    def kind(self) -> str:
        if self.flipped:
            return "pass → fail" if self.passed_before else "fail → pass"
        return "moved"


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
    cases: list[CaseChange] = Field(default_factory=list, description="Cases that flipped or whose metrics moved.")

    @property
    def flips(self) -> list[CaseChange]:
        return [c for c in self.cases if c.flipped]

    @property
    def critical(self) -> list[CaseChange]:
        return [c for c in self.cases if c.critical]

    @property
    def missing_groups(self) -> list[str]:
        """Groups on one side only: under the gate an error (a new default prompt must not escape it)."""
        return [*self.only_baseline, *self.only_new]

    @property
    def regressed(self) -> bool:
        return bool(self.regressions or self.lost_facts or self.critical)


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
    cases = {c.id: c for c in [*baseline.cases, *new.cases]}
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
        _score_deltas(out, label, [before[key][c] for c in sorted(shared)], [after[key][c] for c in sorted(shared)], limits, threshold)
        served = [c for c in sorted(shared) if _served(before[key][c]) and _served(after[key][c])]
        if key[1] not in UNSERVED_ENGINES and served and len(served) < len(shared):
            # the cells the model served on both sides: a prompt that breaks most answers shows here, not as a gain
            _score_deltas(out, f"{label} (served)", [before[key][c] for c in served], [after[key][c] for c in served], limits, threshold)
        out.cases += [change for case in sorted(shared) if (change := _case_change(label, before[key][case], after[key][case], cases, limits))]
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


def _score_deltas(out: Comparison, label: str, old: list[Record], new: list[Record], limits: dict[str, float], threshold: float) -> None:
    old_scores = _scores(summarise_records(old)[0], limits)
    new_scores = _scores(summarise_records(new)[0], limits)
    for name in old_scores.keys() & new_scores.keys():
        metric = METRICS.get(name) or _judged(name, threshold)
        limit = limits.get(name, threshold)
        delta = Delta(group=label, metric=name, before=old_scores[name], after=new_scores[name])
        out.deltas.append(delta)
        if metric.worse(delta.before, delta.after, limit):
            out.regressions.append(delta)
        elif metric.better(delta.before, delta.after, limit):
            out.improvements.append(delta)


def _served(record: Record) -> bool:
    return not record.metrics.fallback and not record.metrics.error


def _by_group(records: Sequence[Record]) -> dict[tuple[str | None, str], dict[str, Record]]:
    groups: dict[tuple[str | None, str], dict[str, Record]] = {}
    for record in records:
        groups.setdefault((record.prompt, record.engine), {})[record.case] = record
    return groups


def _case_change(group: str, before: Record, after: Record, cases: dict, limits: dict[str, float]) -> CaseChange | None:
    """The case's change from `before` to `after`, when it flipped or one of its own gated metrics moved."""
    moved = []
    for name, limit in limits.items():
        metric = METRICS[name]
        old, new = _case_value(metric, before.metrics), _case_value(metric, after.metrics)
        if old is not None and new is not None and (metric.worse(old, new, limit) or metric.better(old, new, limit)):
            moved.append(Delta(group=group, metric=name, before=old, after=new))
    was, now = before.metrics.passed, after.metrics.passed
    if was == now and not moved:
        return None
    info = cases.get(after.case)
    failed_before = [c.id for c in before.metrics.failed]
    failed_after = [c.id for c in after.metrics.failed]
    tags = list(info.tags) if info else []
    newly = set(failed_after) - set(failed_before)
    critical = was and not now and bool(CRITICAL_TAGS & set(tags) or CRITICAL_CHECKS & newly)
    return CaseChange(
        group=group, case=after.case, title=info.title if info else "", tags=tags, draft=info.draft if info else "",
        before=before.rewrite, after=after.rewrite, passed_before=was, passed_after=now, failed_before=failed_before,
        failed_after=failed_after, moved=moved, diff=word_diff(before.rewrite, after.rewrite), critical=critical,
    )  # fmt: skip


def _case_value(metric: Metric, case: CaseMetrics) -> float | None:
    value = metric.score([case])
    return None if value is None else float(value)


def parse_group(text: str) -> tuple[str | None, str]:
    """ "llm:m@rewrite/v1" or "llm:m @ rewrite/v1" -> ("rewrite/v1", "llm:m"); "rules" -> (None, "rules")."""
    engine, _, prompt = text.partition("@")
    return (prompt.strip() or None, engine.strip())


def compare_groups(report: RunReport, a: str, b: str, threshold: float = 0.02, other: RunReport | None = None) -> Comparison:
    """Group A of `report` against group B of `other` (by default the same run), on the cases both have:
    B is read as the new side."""
    other = other or report
    label = f"{a} → {b}"
    sides = []
    for run, text in ((report, a), (other, b)):
        present = {(r.prompt, r.engine) for r in run.records}
        if parse_group(text) not in present:
            known = ", ".join(sorted(group_label(p, e) for p, e in present))
            raise ValueError(f"no group {text!r} in the run (it has: {known})")
        records = [r.model_copy(update={"prompt": None, "engine": label}) for r in run.records if (r.prompt, r.engine) == parse_group(text)]
        sides.append(run.model_copy(update={"records": records}))
    return compare(sides[0], sides[1], threshold)
