"""The fact guard: compare a rewrite with its draft.

Reports facts kept, missing (dropped), altered (a fact of the same family changed value),
added (in the rewrite but neither in the draft nor in the context), new commitments (a kind of
promise the draft did not make), and protected regions (quoted lines, signature) that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from coach.analysis.blocks import BlockMemo, block_spans, by_block, moved
from coach.analysis.commitments import find_commitments, kinds_made
from coach.analysis.facts import FAMILY, extract_facts, same_fact
from coach.analysis.regions import Region, mask, protected_regions
from coach.schemas import Commitment, Context, Fact, FactChange, FactCheck


def compare_facts(
    draft: str,
    rewrite: str,
    context: Context | None = None,
    *,
    draft_facts: list[Fact] | None = None,
    rewrite_facts: list[Fact] | None = None,
) -> FactCheck:
    """`draft_facts` / `rewrite_facts`: what `extract_facts` gave for those texts with the context's locale,
    when the caller has it already (an `Analysis` holds exactly that), so it is not extracted twice."""
    context = context or Context()
    locale = context.locale
    draft_facts = _unique(extract_facts(draft, locale) if draft_facts is None else draft_facts)
    rewrite_facts = _unique(extract_facts(rewrite, locale) if rewrite_facts is None else rewrite_facts)
    in_rewrite, in_draft = _Known(rewrite_facts), _Known(draft_facts)

    kept = [f for f in draft_facts if f in in_rewrite]
    lost = [f for f in draft_facts if f not in in_rewrite]
    new = [r for r in rewrite_facts if r not in in_draft]
    if new:  # the context is read only for what the draft does not have
        in_context = _Known(_context_facts(context))
        new = [r for r in new if r not in in_context]
    altered, missing, added = _pair_changes(lost, new)

    return FactCheck(
        kept=kept,
        missing=missing,
        altered=altered,
        added=added,
        new_commitments=_new_commitments(draft, rewrite, draft_facts, locale),
        protected_changed=_protected_changed(draft, rewrite),
    )


def _unique(facts: list[Fact]) -> list[Fact]:
    """The first mention of each value; saying it once in a rewrite is enough."""
    seen: list[Fact] = []
    known = _Known()
    for fact in facts:
        if fact not in known:
            seen.append(fact)
            known.add(fact)
    return seen


class _Known:
    """Facts to look others up in with `same_fact`: two facts are the same only when their normal forms are
    equal or they are of one family, so a lookup compares a fact with its own family alone."""

    def __init__(self, facts: Iterable[Fact] = ()) -> None:
        self._normals: set[str] = set()
        self._families: dict[str, list[Fact]] = {}
        for fact in facts:
            self.add(fact)

    def add(self, fact: Fact) -> None:
        self._normals.add(fact.normal)
        self._families.setdefault(FAMILY[fact.kind], []).append(fact)

    def __contains__(self, fact: Fact) -> bool:
        return fact.normal in self._normals or any(same_fact(fact, k) for k in self._families.get(FAMILY[fact.kind], ()))


def _context_facts(context: Context) -> list[Fact]:
    facts: list[Fact] = []
    if context.customer_message:
        facts += extract_facts(context.customer_message, context.locale)
    for item in context.history:
        facts += extract_facts(item.note, context.locale)
        if item.date:
            iso = item.date.isoformat()
            facts.append(Fact(kind="date", value=iso, normal=iso, start=0, end=0))
    return facts


def _pair_changes(lost: list[Fact], new: list[Fact]) -> tuple[list[FactChange], list[Fact], list[Fact]]:
    """A lost draft fact and a new rewrite fact of the same family, in order, are one alteration."""
    altered: list[FactChange] = []
    unpaired_new = list(new)
    missing: list[Fact] = []
    for before in lost:
        after = next((n for n in unpaired_new if FAMILY[n.kind] == FAMILY[before.kind]), None)
        if after is None:
            missing.append(before)
        else:
            unpaired_new.remove(after)
            altered.append(FactChange(before=before, after=after))
    return altered, missing, unpaired_new


def _new_commitments(draft: str, rewrite: str, draft_facts: list[Fact], locale: str) -> list[Commitment]:
    # The rewrite's new paragraphs first: they are usually short and make few kinds, and only those
    # kinds need looking for in the draft (a kind the draft never makes would mean reading all of it).
    found = _commitments(rewrite, locale, draft)
    made = _kinds_made(draft, locale, frozenset(c.kind for c in found)) if found else frozenset()
    new = []
    for commitment in found:
        if commitment.kind in made:
            continue
        # "ships in 5-7 days" -> "will ship within 5-7 days" keeps the draft's own time frame: no new promise.
        if commitment.kind == "deadline" and any(
            same_fact(f, d) for f in extract_facts(commitment.text, locale) for d in draft_facts
        ):
            continue
        new.append(commitment)
    return new


@lru_cache(maxsize=128)
def _commitments(text: str, locale: str, draft: str) -> tuple[Commitment, ...]:
    """The commitments in the paragraphs of `text` that `draft` does not have. Cached: the rules engine's
    own guard and then verification check the same draft and rewrite."""
    # A paragraph of the draft makes only kinds the draft makes (sentences, and so clauses, end at line
    # breaks), so the paragraphs the draft has are not searched.
    draft_paragraphs = BlockMemo()
    for start, end in block_spans(draft):
        draft_paragraphs.put(draft[start:end], None, (0, ()))

    def scan(part: str) -> list[Commitment]:
        return find_commitments(_speech(part, locale))

    return tuple(by_block(text, draft_paragraphs, None, scan, moved))


@lru_cache(maxsize=128)
def _kinds_made(text: str, locale: str, kinds: frozenset[str]) -> frozenset[str]:
    """Which of `kinds` `text` makes."""
    return kinds_made(_speech(text, locale), kinds=kinds)


def _speech(text: str, locale: str) -> str:
    """The text with quoted lines, the signature, URLs and emails blanked: "/refunds" in a link promises nothing."""
    links = [Region("link", f.start, f.end) for f in extract_facts(text, locale) if f.kind in ("url", "email")]
    return mask(text, protected_regions(text) + links)


def _protected_changed(draft: str, rewrite: str) -> list[str]:
    """Quoted blocks and the signature must reappear verbatim (trailing spaces aside)."""
    rewrite_normal = _rstrip_lines(rewrite)
    changed = []
    for region in protected_regions(draft):
        block = _rstrip_lines(region.text(draft)).strip("\n")
        if block and block not in rewrite_normal:
            changed.append(block)
    return changed


def _rstrip_lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines())
