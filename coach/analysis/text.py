"""Small text helpers shared by the analysis modules: sentences, positions, phrase patterns."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a newline.
_BOUNDARY = re.compile(r"[.!?]+[\"'’”)\]]*(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    "mr mrs ms mx dr prof st jr sr vs etc approx e.g i.e no nos ref tel dept inc ltd co".split()
)
_LAST_WORD = re.compile(r"([\w.]+)$")
_WORD_CHAR = re.compile(r"\w")

# Letters, digits and hyphens count as part of a word, so "pal" does not match in "pal-ette".
WORD_START = r"(?<![\w\-])"
WORD_END = r"(?![\w\-])"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def lower_keeping_offsets(text: str) -> str:
    """The text lower-cased, each character at its offset: the few characters that grow when lower-cased
    (e.g. "İ") are left as they are."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return lowered


def sentence_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group() != "\n" and m.group().startswith(".") and _ends_with_abbreviation(text, m.start()):
            continue
        _append_trimmed(spans, text, start, m.end())
        start = m.end()
    _append_trimmed(spans, text, start, len(text))
    return spans


def _ends_with_abbreviation(text: str, dot: int) -> bool:
    word = _LAST_WORD.search(text, max(0, dot - 12), dot)
    return bool(word) and word.group(1).lower().rstrip(".") in _ABBREVIATIONS


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


class Positions:
    """Turns character offsets into 1-based line and column numbers."""

    def __init__(self, text: str) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def phrase_pattern(phrase: str) -> str:
    """A literal phrase as a regex: flexible whitespace, either apostrophe, word boundaries where it has words."""
    return phrases_pattern([phrase])


def phrases_pattern(phrases: list[str]) -> str:
    """Several literal phrases as one regex. Phrases that share their boundary needs share one
    lookbehind/lookahead, which keeps the pattern (and its compile time) small."""
    groups: dict[tuple[bool, bool], list[str]] = {}
    for phrase in phrases:
        key = (bool(_WORD_CHAR.match(phrase[:1] or " ")), bool(_WORD_CHAR.match(phrase[-1:] or " ")))
        groups.setdefault(key, []).append(_phrase_body(phrase))
    parts = []
    for (word_start, word_end), bodies in groups.items():
        body = "|".join(sorted(dict.fromkeys(bodies), key=len, reverse=True))
        parts.append((WORD_START if word_start else "") + f"(?:{body})" + (WORD_END if word_end else ""))
    return "|".join(parts)


def _phrase_body(phrase: str) -> str:
    return re.sub("['’]", "['’]", r"\s+".join(re.escape(word) for word in phrase.split()))


def normalise_phrase(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())
