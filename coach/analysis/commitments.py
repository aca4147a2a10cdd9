"""Commitments a reply makes: a refund, a replacement, compensation, a guarantee, a deadline.

Cues live in `knowledge/lexicons/commitments.yaml`. A cue in a negated clause ("we can't offer a
refund") is not a commitment. Quoted lines and signatures are masked out by the caller.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.analysis.data import DataError, lexicon
from coach.analysis.text import sentence_spans
from coach.schemas import Commitment


@dataclass(frozen=True)
class CommitmentLexicon:
    kinds: dict[str, re.Pattern[str]]
    negation: re.Pattern[str]
    clause_breaks: re.Pattern[str]


@lru_cache(maxsize=4)
def load_commitment_lexicon(directory: Path | None = None) -> CommitmentLexicon:
    data = lexicon("commitments", directory)
    try:
        return CommitmentLexicon(
            kinds={kind: re.compile(_alternation(cues), re.IGNORECASE) for kind, cues in data["kinds"].items()},
            negation=re.compile(_alternation(data["negation"]), re.IGNORECASE),
            clause_breaks=re.compile(data["clause_breaks"], re.IGNORECASE),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise DataError(f"commitments lexicon is malformed: {exc}") from exc


def _alternation(cues: list[str]) -> str:
    r"""The cues as one regex, those starting at a word boundary under a single `\b`: the same matches,
    found about three times faster, since the engine tests the boundary once per position, not once per cue."""
    bounded = [cue[2:] for cue in cues if cue.startswith(r"\b")]
    others = [cue for cue in cues if not cue.startswith(r"\b")]
    return "|".join(([rf"\b(?:{'|'.join(bounded)})"] if bounded else []) + others)


def find_commitments(
    text: str, lexicon_: CommitmentLexicon | None = None, kinds: frozenset[str] | None = None
) -> list[Commitment]:
    """`kinds`: look for these kinds of commitment only (default: every kind in the lexicon)."""
    lex = lexicon_ or load_commitment_lexicon()
    clauses = _Clauses(text, lex.clause_breaks)
    found = [
        commitment
        for kind, regex in lex.kinds.items()
        if kinds is None or kind in kinds
        for commitment in _commitments_of(kind, regex, text, clauses, lex.negation)
    ]
    return sorted(found, key=lambda c: c.start)


def kinds_made(text: str, lexicon_: CommitmentLexicon | None = None) -> frozenset[str]:
    """The kinds of commitment `text` makes; the search for a kind stops at its first commitment."""
    lex = lexicon_ or load_commitment_lexicon()
    clauses = _Clauses(text, lex.clause_breaks)
    return frozenset(
        kind for kind, regex in lex.kinds.items() if next(_commitments_of(kind, regex, text, clauses, lex.negation), None)
    )


def _commitments_of(kind: str, regex: re.Pattern[str], text: str, clauses: _Clauses, negation: re.Pattern[str]):
    # Each cue is looked for in the whole text once, then placed in its sentence and clause: most texts
    # have few cues, so only their sentences are split into clauses.
    for match in regex.finditer(text):
        clause = clauses.around(match.start(), match.end())
        if clause is not None and not negation.search(text, *clause):
            yield Commitment(kind=kind, text=match.group(), start=match.start(), end=match.end())


class _Clauses:
    """The clauses of a text's sentences, split on first use."""

    def __init__(self, text: str, breaks: re.Pattern[str]) -> None:
        self.text, self.breaks = text, breaks
        self._sentences: list | None = None
        self._starts: list[int] = []
        self._clauses: dict[int, list[tuple[int, int]]] = {}

    def around(self, start: int, end: int) -> tuple[int, int] | None:
        """The clause holding a cue at (start, end); None when the cue runs over a sentence's end."""
        if self._sentences is None:
            self._sentences = sentence_spans(self.text)
            self._starts = [s.start for s in self._sentences]
        index = bisect_right(self._starts, start) - 1
        if index < 0 or end > self._sentences[index].end:
            return None  # a cue is read within one sentence
        if index not in self._clauses:
            sentence = self._sentences[index]
            self._clauses[index] = _clauses(self.text, sentence.start, sentence.end, self.breaks)
        return next((s, e) for s, e in self._clauses[index] if s <= start < e)


def _clauses(text: str, start: int, end: int, breaks: re.Pattern[str]) -> list[tuple[int, int]]:
    bounds = [start] + [m.start() for m in breaks.finditer(text, start, end)] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a] or [(start, end)]
