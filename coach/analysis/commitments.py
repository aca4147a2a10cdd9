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
from coach.analysis.text import Span, caseless, cue_alternation, lower_keeping_offsets, on_lowered, sentence_spans
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
            kinds={kind: caseless(cue_alternation(cues)) for kind, cues in data["kinds"].items()},
            negation=re.compile(cue_alternation(data["negation"]), re.IGNORECASE),
            clause_breaks=re.compile(data["clause_breaks"], re.IGNORECASE),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise DataError(f"commitments lexicon is malformed: {exc}") from exc


def find_commitments(
    text: str, lexicon_: CommitmentLexicon | None = None, kinds: frozenset[str] | None = None
) -> list[Commitment]:
    """`kinds`: look for these kinds of commitment only (default: every kind in the lexicon)."""
    found = [commitment for _kind, commitments in _by_kind(text, lexicon_, kinds) for commitment in commitments]
    return sorted(found, key=lambda c: c.start)


def kinds_made(
    text: str, lexicon_: CommitmentLexicon | None = None, kinds: frozenset[str] | None = None
) -> frozenset[str]:
    """The kinds of commitment (of `kinds`, default every kind) that `text` makes; the search for a kind stops at
    its first commitment."""
    return frozenset(kind for kind, commitments in _by_kind(text, lexicon_, kinds) if next(commitments, None))


def _by_kind(text: str, lexicon_: CommitmentLexicon | None, kinds: frozenset[str] | None):
    """(kind, its commitments in `text`, found lazily) for each kind asked for."""
    lex = lexicon_ or load_commitment_lexicon()
    clauses = _Clauses(text, lex.clause_breaks)
    lowered = lower_keeping_offsets(text)
    for kind, regex in lex.kinds.items():
        if kinds is None or kind in kinds:
            yield kind, _commitments_of(kind, regex, text, lowered, clauses, lex.negation)


def _commitments_of(
    kind: str, regex: re.Pattern[str], text: str, lowered: str, clauses: _Clauses, negation: re.Pattern[str]
):
    # Each cue is looked for in the whole text once, then placed in its sentence and clause: most texts
    # have few cues, so only their sentences are split into clauses.
    for match in regex.finditer(lowered if on_lowered(regex) else text):
        start, end = match.span()
        clause = clauses.around(start, end)
        if clause is not None and not clauses.negated(clause, negation):
            yield Commitment(kind=kind, text=text[start:end], start=start, end=end)


class _Clauses:
    """The clauses of a text's sentences, split on first use. Sentences end at line breaks, so only the
    lines that hold a cue are split into sentences."""

    def __init__(self, text: str, breaks: re.Pattern[str]) -> None:
        self.text, self.breaks = text, breaks
        self._lines: dict[int, tuple[list[Span], list[int]]] = {}  # line start -> its sentences and their starts
        self._clauses: dict[Span, tuple[list[tuple[int, int]], list[int]]] = {}  # and their starts
        self._negated: dict[tuple[int, int], bool] = {}

    def negated(self, clause: tuple[int, int], negation: re.Pattern[str]) -> bool:
        """Whether the clause holds a negation; each clause is searched once however many cues it holds."""
        if clause not in self._negated:
            self._negated[clause] = negation.search(self.text, *clause) is not None
        return self._negated[clause]

    def around(self, start: int, end: int) -> tuple[int, int] | None:
        """The clause holding a cue at (start, end); None when the cue runs over a sentence's end."""
        line_start = self.text.rfind("\n", 0, start) + 1
        if line_start not in self._lines:
            line_end = self.text.find("\n", start)
            line = self.text[line_start : len(self.text) if line_end < 0 else line_end]
            sentences = [Span(s.start + line_start, s.end + line_start) for s in sentence_spans(line)]
            self._lines[line_start] = (sentences, [s.start for s in sentences])
        sentences, starts = self._lines[line_start]
        index = bisect_right(starts, start) - 1
        if index < 0 or end > sentences[index].end:
            return None  # a cue is read within one sentence
        sentence = sentences[index]
        if sentence not in self._clauses:
            clauses = _clauses(self.text, sentence.start, sentence.end, self.breaks)
            self._clauses[sentence] = (clauses, [s for s, _e in clauses])
        clauses, clause_starts = self._clauses[sentence]
        return clauses[bisect_right(clause_starts, start) - 1]


def _clauses(text: str, start: int, end: int, breaks: re.Pattern[str]) -> list[tuple[int, int]]:
    bounds = [start] + [m.start() for m in breaks.finditer(text, start, end)] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a] or [(start, end)]
