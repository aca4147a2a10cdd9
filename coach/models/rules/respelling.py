"""Missing apostrophes and a lone "i", fixed in the draft before anything else.

The analysis's rules look for "can't", so a draft that says "cant" is fixed first, its findings and
facts are moved to the new offsets, and the rules the sentence templates serve run again where the
fix could matter. Protected spans (quoted lines, the signature, facts, `keep` wording) are skipped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from coach.analysis import load_rules
from coach.analysis.document import Document
from coach.analysis.rules import Rule
from coach.models.rules.findings import protected_spans
from coach.models.rules.phrases import Phrases, Spelling
from coach.schemas import Analysis, Change, RewriteRequest

_LETTERS = re.compile(r"[^\W\d_]+")
_JOINERS = frozenset("'’-_0123456789")
_LONE_I_AFTER = re.compile(r"['’](?:m|ll|ve|d)\b|[ \t\r\n,;:!?)]|$")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_]+)(?![\w'’\-])")


def respelled(request: RewriteRequest, analysis: Analysis, phrases: Phrases) -> tuple[str, Analysis, list[Change]]:
    """The draft with missing apostrophes fixed, and its analysis moved along. The rules look for
    "can't", so after "cant" -> "can't" the rules the sentence templates serve are run again."""
    draft = request.draft
    protected = protected_spans(draft, analysis, request.constraints.keep, phrases)
    text, edits = respell(draft, protected, phrases.spelling)
    if not edits:
        return draft, analysis, []
    stems = {new.lower().split("'")[0] for _, _, new in edits if "'" in new}
    rules = [rule for rule, source in _relint_rules(phrases.sentence_rules()) if any(_mentions(source, s) for s in stems)]
    rerun = {rule.id for rule in rules}
    moved = []
    for finding in analysis.findings:
        if finding.rule not in rerun:
            start, end = shift(finding.start, edits), shift(finding.end, edits)
            moved.append(finding.model_copy(update={"start": start, "end": end, "match": text[start:end]}))
    if rules:
        doc = Document(text, request.context)
        moved += [f for rule in rules for f in rule.run(doc)]
    facts = [f.model_copy(update={"start": shift(f.start, edits), "end": shift(f.end, edits)}) for f in analysis.facts]
    reason = "Spelling: a missing apostrophe or capital."
    pairs = dict.fromkeys((draft[start:end], new) for start, end, new in edits)
    changes = [Change(kind="replaced", before=before, after=after, reason=reason) for before, after in pairs]
    return text, analysis.model_copy(update={"findings": sorted(moved, key=lambda f: f.start), "facts": facts}), changes


@lru_cache(maxsize=4)
def _relint_rules(ids: frozenset[str]) -> tuple[tuple[Rule, str], ...]:
    """The rules to run again after respelling, each with its phrases and patterns in lower case."""
    return tuple((r, " ".join([*r.tokens, *r.swap, *r.patterns]).lower()) for r in load_rules() if r.id in ids)


def _mentions(source: str, stem: str) -> bool:
    """Does a rule look for this contraction ("can" of "can't", however the rule spells the apostrophe)?"""
    return any(stem + apostrophe in source for apostrophe in ("'", "’", "['’]"))


Edit = tuple[int, int, str]  # start, end (in the original text), replacement


def respell(text: str, protected: list[tuple[int, int]], spelling: Spelling) -> tuple[str, list[Edit]]:
    """Missing apostrophes and a lone "i", fixed outside the protected spans. The analysis's rules
    look for "can't", so this runs before anything else; `shift` maps old offsets to new ones."""
    followers = spelling.followers()
    edits: list[Edit] = []
    position = 0
    for start, end in [*protected, (len(text), len(text))]:
        for word in _LETTERS.finditer(text, position, start):
            lower = word.group().lower()
            if lower not in spelling.apostrophes and lower not in ("its", "i"):
                continue
            a, b = word.span()
            if (a > 0 and text[a - 1] in _JOINERS) or (b < len(text) and text[b] in _JOINERS):
                if lower != "i" or b >= len(text) or text[b] not in "'’":  # "i'm" is a lone "i"
                    continue
            if lower == "i":
                if (a > 0 and text[a - 1] in "./@(") or not _LONE_I_AFTER.match(text, b):
                    continue
                fixed = "I"
            elif lower == "its":
                after = _NEXT_WORD.match(text, b)
                if not after or after.group(1).lower() not in followers:
                    continue
                fixed = "it's"
            else:
                fixed = spelling.apostrophes[lower]
            fixed = _same_case(word.group(), fixed)
            if fixed != word.group():
                edits.append((a, b, fixed))
        position = max(position, end)
    parts, last = [], 0
    for start, end, replacement in edits:
        parts += [text[last:start], replacement]
        last = end
    parts.append(text[last:])
    return "".join(parts), edits


def shift(position: int, edits: list[Edit]) -> int:
    return position + sum(len(new) - (end - start) for start, end, new in edits if end <= position)


def _same_case(word: str, replacement: str) -> str:
    if len(word) > 1 and word.isupper():
        return replacement.upper()
    if word[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement
