"""Small text helpers shared by the analysis modules: sentences, positions, phrase patterns."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a newline.
_BOUNDARY = re.compile(r"[.!?]+[\"'’”)\]]*(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    "mr mrs ms mx dr prof st jr sr vs etc approx e.g i.e no nos ref tel dept inc ltd co".split()
)
_LAST_WORD = re.compile(r"([\w.]+)$")
_WORD_CHAR = re.compile(r"\w")

# Letters, digits and hyphens count as part of a word, so "pal" does not match in "pal-ette". A phrase's start
# is tested one character late, behind its first letter: "not after a word character" reads "(?<![\w\-])" there.
WORD_START_AFTER_FIRST = r"(?<![\w\-].)"
WORD_END = r"(?![\w\-])"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# A "word" longer than this is opaque: analysis reads it as one protected fact and never runs its
# patterns inside it, so no pattern can backtrack through it (hardening: every step is linear in the input).
LONG_TOKEN = 200
_LONG_TOKEN = re.compile(rf"(?<!\S)\S{{{LONG_TOKEN + 1},}}")


def long_token_spans(text: str) -> list[Span]:
    """The runs of characters without white space longer than LONG_TOKEN. Linear: a run is tried only
    from its first character."""
    if len(text) <= LONG_TOKEN:
        return []
    return [Span(*m.span()) for m in _LONG_TOKEN.finditer(text)]


def mask_long_tokens(text: str, spans: list[Span] | None = None) -> str:
    """`text` with each long token's characters turned into spaces, every other character at its offset."""
    spans = long_token_spans(text) if spans is None else spans
    if not spans:
        return text
    pieces, last = [], 0
    for span in spans:
        pieces += [text[last : span.start], " " * (span.end - span.start)]
        last = span.end
    pieces.append(text[last:])
    return "".join(pieces)


def lower_keeping_offsets(text: str) -> str:
    """The text lower-cased, each character at its offset. "İ", the one character that grows when
    lower-cased, becomes "i", as IGNORECASE reads it."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.replace("İ", "i").lower()
    return lowered


# A regex source in pieces: escapes (a character written in hex or by name is one piece), group names (left
# as they are), literal runs.
_PATTERN_PIECE = re.compile(
    r"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\N\{[^}]*\}|\\.|\(\?P<\w+>|\(\?P=\w+\)|[^\\(]+|\(",
    re.DOTALL,
)
_TURNS_CASE_OFF = re.compile(r"\(\?[aiLmsux]*-")  # (?-i:...): a part that must keep its case


def lower_case_pattern(source: str) -> str | None:
    """`source` with its literal letters lower-cased: run on `lower_keeping_offsets(text)` it finds what
    `source` finds with IGNORECASE, several times faster. None when lower-casing would change its meaning:
    a letter written as an escape ("\\u00C9"), a back-reference, or a part that keeps its case."""
    if _TURNS_CASE_OFF.search(source):
        return None
    pieces = []
    for piece in _PATTERN_PIECE.findall(source):
        if _is_cased(piece):
            if piece[0] == "\\":
                return None
            piece = piece.lower()
        pieces.append(piece)
    return "".join(pieces)


def caseless(source: str, flags: int = 0) -> re.Pattern[str]:
    """A case-insensitive regex: lower-case, to run on `lower_keeping_offsets(text)`, where lower-casing keeps its
    meaning; otherwise with IGNORECASE, to run on the text itself (`on_lowered` tells which)."""
    lowered = lower_case_pattern(source)
    return re.compile(source, flags | re.IGNORECASE) if lowered is None else re.compile(lowered, flags)


def on_lowered(regex: re.Pattern[str]) -> bool:
    """Whether a `caseless` regex runs on the lower-cased text."""
    return not regex.flags & _IGNORECASE


_IGNORECASE = int(re.IGNORECASE)  # a plain int: "&" with the RegexFlag enum runs Python code, in hot loops


def has_cased_letter(source: str) -> bool:
    """Whether a regex source has a letter that IGNORECASE could match in another case (escapes such as
    \\w and group names aside): without one, IGNORECASE only slows the regex down."""
    return any(_is_cased(piece) or piece.startswith("(?P=") for piece in _PATTERN_PIECE.findall(source))


def _is_cased(piece: str) -> bool:
    if piece.startswith("(?P"):
        return False
    if piece[0] != "\\":
        return piece.lower() != piece.upper()
    kind = piece[1]
    try:
        if kind in "xuU":
            char = chr(int(piece[2:], 16))
        elif kind == "N":
            char = unicodedata.lookup(piece[3:-1])
        else:
            return kind.isdigit()  # a back-reference (or an octal escape): treated as cased
    except (KeyError, ValueError):  # no such character: compiling the regex will say so
        return True
    return char.lower() != char.upper()


def cue_alternation(cues: list[str]) -> str:
    r"""The cues as one regex. When every cue starts with a word boundary and a letter (`\brefund\w*`), each
    tests the boundary behind its first letter (`r(?<!\w.)efund\w*`), so the engine looks only where one of
    those letters is: about twice as fast. Otherwise the cues that start at a word boundary share one `\b`,
    which the engine tests once per position instead of once per cue."""
    if all(_LETTER_FIRST.match(cue) for cue in cues):
        return "|".join(f"{cue[2]}{_BOUNDARY_AFTER_FIRST}{cue[3:]}" for cue in cues)
    bounded = [cue[2:] for cue in cues if cue.startswith(r"\b")]
    others = [cue for cue in cues if not cue.startswith(r"\b")]
    return "|".join(([rf"\b(?:{'|'.join(bounded)})"] if bounded else []) + others)


_LETTER_FIRST = re.compile(r"\\b[A-Za-z](?![?*+{])")  # a boundary, then a letter that is not optional or repeated
_BOUNDARY_AFTER_FIRST = r"(?<!\w.)"  # \b before a letter, read one character later


# A line break inside a sentence (email drafts are wrapped at 70 to 110 columns) is no boundary: the line ends
# on a word or a comma, and the next goes on in lowercase or a number, or the line ends on a word that cannot
# end a sentence ("at", "the", "if").
_SOFT_END = re.compile(r"[\w,%$£€]$")
_CANNOT_END = re.compile(
    r"\b(?:the|a|an|to|at|of|for|in|on|and|or|but|if|with|by|from|your|our|my|is|are|was|were|be|will|can|that|as|than|per|via|within|up|off)$",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"[a-z0-9$£€(]")


def _soft_wrap(text: str, at: int) -> bool:
    """Whether the line break at `at` wraps a sentence rather than ending one."""
    before = text[max(0, at - 40) : at].rstrip(" \t")
    after = text[at + 1 : at + 2]
    if not before or not after or after in "\n>-*•" or not _SOFT_END.search(before):
        return False
    return bool(_CONTINUES.match(after)) or bool(_CANNOT_END.search(before))


def sentence_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group() == "\n" and _soft_wrap(text, m.start()):
            continue
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
    piece = text[start:end]
    kept = piece.lstrip()
    if kept:
        start += len(piece) - len(kept)
        spans.append(Span(start, start + len(kept.rstrip())))


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
        ordered = sorted(dict.fromkeys(bodies), key=len, reverse=True)
        body = _by_first_letter(ordered) if word_start else "|".join(ordered)
        parts.append(f"(?:{body})" + (WORD_END if word_end else ""))
    return "|".join(parts)


def _by_first_letter(bodies: list[str]) -> str:
    """Phrases that start with a word character, grouped by their first letter, each group testing the word
    start behind that letter: "s(?<![\\w\\-].)(?:orry|o\\s+sorry)|a(?<![\\w\\-].)(?:pologies)". A regex whose
    branches start with letters is looked for only where one of them is, and a position tries one group,
    not every phrase: two to three times faster. The longest phrase of a group still comes first."""
    groups: dict[str, list[str]] = {}
    for body in bodies:
        groups.setdefault(body[0].lower(), []).append(body)
    parts = []
    for group in groups.values():
        if len({body[0] for body in group}) == 1:
            parts.append(f"{group[0][0]}{WORD_START_AFTER_FIRST}(?:{'|'.join(body[1:] for body in group)})")
        else:  # "I'm" and "i am" (a case-sensitive rule): each keeps its own first letter
            parts.append("(?:" + "|".join(f"{body[0]}{WORD_START_AFTER_FIRST}{body[1:]}" for body in group) + ")")
    return "|".join(parts)


def _phrase_body(phrase: str) -> str:
    return re.sub("['’]", "['’]", r"\s+".join(re.escape(word) for word in phrase.split()))


def normalise_phrase(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())
