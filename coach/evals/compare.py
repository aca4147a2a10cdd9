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
from coach.evals.metrics import GroupSummary, group_label
from coach.evals.registry import METRICS, Metric, gated
from coach.evals.runner import UNSERVED_ENGINES, Record, RunReport, by_case, by_group, case_value, summarise_records
from coach.evals.stats import holds_zero, paired_difference


class Delta(BaseModel):
    group: str
    metric: str
    before: float
    after: float
    interval: tuple[float, float] | None = Field(None, description="95% interval of the paired difference (repeated runs).")

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
    tries: tuple[int, int] = Field((1, 1), description="Tries of the case before and after (--repeat).")

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
    gate_judge: bool = Field(False, description="Judge scores gate too (their limit is two standard errors of the difference).")
    judge_runs: int = 1
    compared: list[str] = Field(default_factory=list, description="Groups in both runs.")
    only_baseline: list[str] = Field(default_factory=list)
    only_new: list[str] = Field(default_factory=list)
    cases_compared: dict[str, int] = Field(default_factory=dict)
    regressions: list[Delta] = Field(default_factory=list)
    improvements: list[Delta] = Field(default_factory=list)
    lost_facts: list[LostFact] = Field(default_factory=list)
    deltas: list[Delta] = Field(default_factory=list, description="Every compared score.")
    cases: list[CaseChange] = Field(default_factory=list, description="Cases that flipped or whose metrics moved.")
    noise: list[Delta] = Field(default_factory=list, description="Moves beyond the threshold whose paired 95% interval holds 0.")

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
        if criterion not in ("variance", "agreement"):
            scores[f"judge.{criterion}"] = round((value - 1) / 4, 4)
    return scores  # type: ignore[return-value]


def _judged(name: str, threshold: float) -> Metric:
    """A judge criterion as a metric: higher is better, rescaled to 0-1."""
    return Metric(name, name, "judge criterion, rescaled to 0-1", "higher", "score", lambda ms: None, threshold, unit=True)


def _judge_limit(old: GroupSummary, new: GroupSummary, old_n: int, new_n: int, runs: int, threshold: float) -> float:
    """A judge score moves only beyond two standard errors of the difference of the two group means (each reply
    averaged over `runs` judge runs), and never less than the threshold: one noisy judge run gates nothing."""
    se = lambda g, n: (g.judge.get("variance", 0.0) / max(1, runs * n)) ** 0.5 / 4  # noqa: E731 - rescaled to 0-1
    return max(threshold, round(2 * (se(old, old_n) ** 2 + se(new, new_n) ** 2) ** 0.5, 4))


def compare(baseline: RunReport, new: RunReport, threshold: float = 0.02, gate_judge: bool = False) -> Comparison:
    runs = min((r.meta.judge or {}).get("runs", 1) for r in (baseline, new))
    out = Comparison(threshold=threshold, gate_judge=gate_judge, judge_runs=runs)
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
        shared = sorted(before[key].keys() & after[key].keys())
        if not shared:
            out.only_baseline.append(label)
            continue
        out.compared.append(label)
        out.cases_compared[label] = len(shared)
        _score_deltas(out, label, {c: before[key][c] for c in shared}, {c: after[key][c] for c in shared}, limits, threshold)
        served = [c for c in shared if all(map(_served, before[key][c] + after[key][c]))]
        if key[1] not in UNSERVED_ENGINES and served and len(served) < len(shared):
            # the cells the model served on both sides: a prompt that breaks most answers shows here, not as a gain
            _score_deltas(out, f"{label} (served)", {c: before[key][c] for c in served}, {c: after[key][c] for c in served}, limits, threshold)
        out.cases += [change for case in shared if (change := _case_change(label, before[key][case], after[key][case], cases, limits))]
        for case in shared:
            was = {f for r in before[key][case] for f in r.metrics.facts_lost}
            newly = list(dict.fromkeys(f for r in after[key][case] for f in r.metrics.facts_lost if f not in was))
            if newly:
                out.lost_facts.append(LostFact(group=label, case=case, facts=newly))
        for case in sorted(after[key].keys() - before[key].keys()):
            lost = list(dict.fromkeys(f for r in after[key][case] for f in r.metrics.facts_lost))
            if lost:  # a new case that loses a fact is as bad as an old one
                out.lost_facts.append(LostFact(group=label, case=case, facts=lost))
    order = {m: i for i, m in enumerate(METRICS)}
    for items in (out.regressions, out.improvements, out.deltas, out.noise):
        items.sort(key=lambda d: (d.group, order.get(d.metric, len(order)), d.metric))
    return out


def _score_deltas(out: Comparison, label: str, old: dict[str, list[Record]], new: dict[str, list[Record]],
                  limits: dict[str, float], threshold: float) -> None:  # fmt: skip
    """Each gated score of the group before and after. With repeated tries on either side, a move whose paired
    difference (the same cases, before against after) has a 95% interval holding 0 is noise, not a change."""
    old_flat, new_flat = [r for rs in old.values() for r in rs], [r for rs in new.values() for r in rs]
    old_group, new_group = summarise_records(old_flat)[0], summarise_records(new_flat)[0]
    old_scores, new_scores = _scores(old_group, limits), _scores(new_group, limits)
    repeated = max(map(len, [*old.values(), *new.values()]), default=1) > 1
    judge_limit = _judge_limit(old_group, new_group, len(old_flat), len(new_flat), out.judge_runs, threshold)
    for name in old_scores.keys() & new_scores.keys():
        metric = METRICS.get(name) or _judged(name, threshold)
        limit = limits.get(name, judge_limit)
        delta = Delta(group=label, metric=name, before=old_scores[name], after=new_scores[name])
        out.deltas.append(delta)
        if name.startswith("judge.") and not out.gate_judge:
            continue  # reported, never gated unless asked (--gate-judge)
        moved = metric.worse(delta.before, delta.after, limit) or metric.better(delta.before, delta.after, limit)
        if moved and repeated and name in METRICS:
            pairs = [(a, b) for c in old if (a := case_value(metric, old[c])) is not None and (b := case_value(metric, new[c])) is not None]
            paired = paired_difference([a for a, _ in pairs], [b for _, b in pairs])
            if paired and holds_zero(paired[1]):
                out.noise.append(delta.model_copy(update={"interval": paired[1]}))
                continue
        if metric.worse(delta.before, delta.after, limit):
            out.regressions.append(delta)
        elif metric.better(delta.before, delta.after, limit):
            out.improvements.append(delta)


def _served(record: Record) -> bool:
    return not record.metrics.fallback and not record.metrics.error


def _by_group(records: Sequence[Record]) -> dict[tuple[str | None, str], dict[str, list[Record]]]:
    """(prompt, engine) -> case -> its tries."""
    return {key: by_case(group) for key, group in by_group(records).items()}


def _case_change(group: str, before: list[Record], after: list[Record], cases: dict, limits: dict[str, float]) -> CaseChange | None:
    """The case's change from `before` to `after` (each its tries), when it flipped or one of its own gated
    metrics moved. A case passes when every try passes (pass^k); in a critical tag any failed try is a flip."""
    moved = []
    for name, limit in limits.items():
        metric = METRICS[name]
        old, new = case_value(metric, before), case_value(metric, after)
        if old is not None and new is not None and (metric.worse(old, new, limit) or metric.better(old, new, limit)):
            moved.append(Delta(group=group, metric=name, before=round(old, 4), after=round(new, 4)))
    was, now = all(r.metrics.passed for r in before), all(r.metrics.passed for r in after)
    if was == now and not moved:
        return None
    info = cases.get(after[0].case)
    failed_before = list(dict.fromkeys(c.id for r in before for c in r.metrics.failed))
    failed_after = list(dict.fromkeys(c.id for r in after for c in r.metrics.failed))
    tags = list(info.tags) if info else []
    newly = set(failed_after) - set(failed_before)
    critical = was and not now and bool(CRITICAL_TAGS & set(tags) or CRITICAL_CHECKS & newly)
    shown_before = before[0]
    shown_after = next((r for r in after if not r.metrics.passed), after[0])  # a failing try, when there is one
    return CaseChange(
        group=group, case=shown_after.case, title=info.title if info else "", tags=tags, draft=info.draft if info else "",
        before=shown_before.rewrite, after=shown_after.rewrite, passed_before=was, passed_after=now, failed_before=failed_before,
        failed_after=failed_after, moved=moved, diff=word_diff(shown_before.rewrite, shown_after.rewrite), critical=critical,
        tries=(len(before), len(after)),
    )  # fmt: skip


def parse_group(text: str) -> tuple[str | None, str]:
    """ "llm:m@rewrite/v1" or "llm:m @ rewrite/v1" -> ("rewrite/v1", "llm:m"); "rules" -> (None, "rules")."""
    engine, _, prompt = text.partition("@")
    return (prompt.strip() or None, engine.strip())


def compare_groups(report: RunReport, a: str, b: str, threshold: float = 0.02, other: RunReport | None = None, gate_judge: bool = False) -> Comparison:
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
    return compare(sides[0], sides[1], threshold, gate_judge)
