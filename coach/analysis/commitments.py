"""Commitments a reply makes: a refund, a replacement, compensation, a guarantee, a deadline.

Cues live in `knowledge/lexicons/commitments.yaml`. A cue in a negated clause ("we can't offer a
refund") is not a commitment. Quoted lines and signatures are masked out by the caller.
"""

from __future__ import annotations

import re
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
            kinds={kind: re.compile("|".join(cues), re.IGNORECASE) for kind, cues in data["kinds"].items()},
            negation=re.compile("|".join(data["negation"]), re.IGNORECASE),
            clause_breaks=re.compile(data["clause_breaks"], re.IGNORECASE),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise DataError(f"commitments lexicon is malformed: {exc}") from exc


def find_commitments(text: str, lexicon_: CommitmentLexicon | None = None) -> list[Commitment]:
    lex = lexicon_ or load_commitment_lexicon()
    kinds = {kind: regex for kind, regex in lex.kinds.items() if regex.search(text)}  # most texts have none or one
    if not kinds:
        return []
    found: list[Commitment] = []
    for sentence in sentence_spans(text):
        clauses = _clauses(text, sentence.start, sentence.end, lex.clause_breaks)
        for kind, regex in kinds.items():
            for match in regex.finditer(text, sentence.start, sentence.end):
                clause_start, clause_end = next((s, e) for s, e in clauses if s <= match.start() < e)
                if lex.negation.search(text, clause_start, clause_end):
                    continue
                found.append(Commitment(kind=kind, text=match.group(), start=match.start(), end=match.end()))
    return sorted(found, key=lambda c: c.start)


def _clauses(text: str, start: int, end: int, breaks: re.Pattern[str]) -> list[tuple[int, int]]:
    bounds = [start] + [m.start() for m in breaks.finditer(text, start, end)] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a] or [(start, end)]
