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


def _cut(model, names: tuple[str, ...], prefix: str, cut: dict[str, int]) -> dict:
    """The listed fields of `model` longer than LIST_CAP, shortened; each is recorded in `cut` with its length."""
    update = {}
    for name in names:
        items = getattr(model, name)
        if len(items) > LIST_CAP:
            cut[f"{prefix}{name}"] = len(items)
            update[name] = items[:LIST_CAP]
    return update


def bounded_analysis(analysis: Analysis, cut: dict[str, int] | None = None, prefix: str = "") -> Analysis:
    cut = {} if cut is None else cut
    update = _cut(analysis, ("findings", "facts", "notes"), prefix, cut)
    if not update:
        return analysis
    if not prefix:  # an analysis answered on its own says itself what it left out
        update["notes"] = [*update.get("notes", analysis.notes), _note(cut)]
    return analysis.model_copy(update=update)


def bounded_result(result: RewriteResult) -> RewriteResult:
    cut: dict[str, int] = {}
    draft = bounded_analysis(result.analysis.draft, cut, "analysis.draft.")
    rewrite = bounded_analysis(result.analysis.rewrite, cut, "analysis.rewrite.")
    update = _cut(result, ("changes", "needs_words", "notes", "placeholders"), "", cut)
    if draft is not result.analysis.draft or rewrite is not result.analysis.rewrite:
        update["analysis"] = result.analysis.model_copy(update={"draft": draft, "rewrite": rewrite})
    facts = _cut(result.facts, ("kept", "missing", "altered", "added", "new_commitments", "protected_changed"), "facts.", cut)
    if facts:
        update["facts"] = result.facts.model_copy(update=facts)
    longest: dict[str, int] = {}
    attempts = [a.model_copy(update=_cut(a, ("violations",), "attempts.", longest)) if len(a.violations) > LIST_CAP else a
                for a in result.attempts]  # fmt: skip
    if longest:
        cut["attempts.violations"] = max(len(a.violations) for a in result.attempts)
        update["attempts"] = attempts
    if not cut:
        return result
    update["notes"] = [*update.get("notes", result.notes), _note(cut)]
    return result.model_copy(update=update)


def _note(cut: dict[str, int]) -> str:
    lists = ", ".join(f"{name} ({count})" for name, count in cut.items())
    return f"Long lists show their first {LIST_CAP} items: {lists}; {FULL_HINT}."
