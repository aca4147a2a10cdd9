"""Word-level diff between the draft and the rewrite, as ("=", "-", "+") runs of text."""

from __future__ import annotations

import re

try:
    from cydifflib import SequenceMatcher  # the same algorithm and results as difflib's, compiled
except ImportError:  # no wheel for this platform
    from difflib import SequenceMatcher

# A word with the white space after it is one token (leading white space is a token of its own): half as
# many tokens as splitting spaces apart, and none of them so common that matching turns quadratic.
_TOKEN = re.compile(r"\S+\s*|\s+")
# A line with the blank lines after it: blank lines are the commonest line of all, and as lines of their own
# they make the line matching several times slower.
_LINE = re.compile(r"[^\n]*\n(?:[ \t]*\n)*|[^\n]+")


# Matching is quadratic in the worst case (a text of one repeated line or word): past this many pieces
# on either side of what differs, the middle is shown as one replacement instead (hardening: linear time).
MAX_MATCHED = 3000


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Lines first, then words within the lines that changed: matching words across a 2,000-word
    reply costs tens of milliseconds, and the paragraphs a rewrite keeps need no word matching."""
    old_lines, new_lines = _LINE.findall(before), _LINE.findall(after)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in _opcodes(old_lines, new_lines, autojunk=False):
        if op == "equal":
            _append(runs, "=", "".join(old_lines[i1:i2]))
        else:
            _word_runs(runs, "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]))
    return _fold_whitespace(runs)


def plain_diff(diff: list[tuple[str, str]]) -> str:
    """The word diff without colour: `[-removed words-]{+added words+}`, as `git diff --word-diff` marks them."""
    marks = {"-": ("[-", "-]"), "+": ("{+", "+}"), "=": ("", "")}
    return "".join(f"{marks[op][0]}{chunk}{marks[op][1]}" if op == "=" or chunk.strip() else chunk for op, chunk in diff)


def _opcodes(a: list[str], b: list[str], autojunk: bool = True) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes, with the common head and tail matched first in linear time; a middle of
    more than MAX_MATCHED pieces on either side is one replacement."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    a_end, b_end = len(a) - tail, len(b) - tail
    codes: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)] if head else []
    if max(a_end - head, b_end - head) > MAX_MATCHED:
        codes.append(("replace", head, a_end, head, b_end))
    elif a_end > head or b_end > head:
        matcher = SequenceMatcher(a=a[head:a_end], b=b[head:b_end], autojunk=autojunk)
        codes += [(op, i1 + head, i2 + head, j1 + head, j2 + head) for op, i1, i2, j1, j2 in matcher.get_opcodes()]
    if tail:
        codes.append(("equal", a_end, len(a), b_end, len(b)))
    return codes


def _word_runs(runs: list[tuple[str, str]], before: str, after: str) -> None:
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    for op, i1, i2, j1, j2 in _opcodes(old, new):
        if op == "equal":
            _append(runs, "=", "".join(old[i1:i2]))
        else:
            _append(runs, "-", "".join(old[i1:i2]))
            _append(runs, "+", "".join(new[j1:j2]))


def _fold_whitespace(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join edits separated only by a space, so "hey mate," -> "Hi Sarah," reads as one change, not two."""
    out: list[tuple[str, str]] = []
    for op, text in runs:
        out.append((op, text))
        # pattern: [-a] [+b] [= " "] [-c] [+d]  ->  [-a c] [+b d]
        if len(out) >= 5 and [o for o, _ in out[-5:]] == ["-", "+", "=", "-", "+"] and not out[-3][1].strip():
            (_, a), (_, b), (_, gap), (_, c), (_, d) = out[-5:]
            out[-5:] = [("-", a + gap + c), ("+", b + gap + d)]
    return out


def _append(runs: list[tuple[str, str]], op: str, text: str) -> None:
    if not text:
        return
    if runs and runs[-1][0] == op:
        runs[-1] = (op, runs[-1][1] + text)
    else:
        runs.append((op, text))
