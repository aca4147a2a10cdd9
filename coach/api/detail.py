"""Responses bounded by the draft, not by what the analysis found in it.

A 50 KB draft full of findings answered 1.1 MB: every finding, fact and change listed twice over. By
default each list keeps its first LIST_CAP items and a note says how many were left out; a request
with `"detail": "full"` gets everything. The rewrite and the diff are never cut.
"""

from __future__ import annotations

from typing import Literal

from coach.schemas import Analysis, RewriteResult

Detail = Literal["standard", "full"]
LIST_CAP = 30
FULL_HINT = 'send "detail": "full" for every item'


def bounded_analysis(analysis: Analysis, cut: dict[str, int] | None = None, prefix: str = "") -> Analysis:
    cut = {} if cut is None else cut
    update = {}
    for name in ("findings", "facts", "notes"):
        items = getattr(analysis, name)
        if len(items) > LIST_CAP:
            cut[f"{prefix}{name}"] = len(items)
            update[name] = items[:LIST_CAP]
    if not update:
        return analysis
    if not prefix:  # an analysis answered on its own says itself what it left out
        update["notes"] = [*update.get("notes", analysis.notes), _note(cut)]
    return analysis.model_copy(update=update)


def bounded_result(result: RewriteResult) -> RewriteResult:
    cut: dict[str, int] = {}
    draft = bounded_analysis(result.analysis.draft, cut, "analysis.draft.")
    rewrite = bounded_analysis(result.analysis.rewrite, cut, "analysis.rewrite.")
    update: dict = {}
    if draft is not result.analysis.draft or rewrite is not result.analysis.rewrite:
        update["analysis"] = result.analysis.model_copy(update={"draft": draft, "rewrite": rewrite})
    for name in ("changes", "needs_words", "notes", "placeholders"):
        items = getattr(result, name)
        if len(items) > LIST_CAP:
            cut[name] = len(items)
            update[name] = items[:LIST_CAP]
    facts = {}
    for name in ("kept", "missing", "altered", "added", "new_commitments", "protected_changed"):
        items = getattr(result.facts, name)
        if len(items) > LIST_CAP:
            cut[f"facts.{name}"] = len(items)
            facts[name] = items[:LIST_CAP]
    if facts:
        update["facts"] = result.facts.model_copy(update=facts)
    attempts = [a.model_copy(update={"violations": a.violations[:LIST_CAP]}) if len(a.violations) > LIST_CAP else a
                for a in result.attempts]  # fmt: skip
    if any(a is not b for a, b in zip(attempts, result.attempts)):
        cut["attempts.violations"] = max(len(a.violations) for a in result.attempts)
        update["attempts"] = attempts
    if not cut:
        return result
    update["notes"] = [*update.get("notes", result.notes), _note(cut)]
    return result.model_copy(update=update)


def _note(cut: dict[str, int]) -> str:
    lists = ", ".join(f"{name} ({count})" for name, count in cut.items())
    return f"Long lists show their first {LIST_CAP} items: {lists}; {FULL_HINT}."
