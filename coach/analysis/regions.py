"""Quoted lines (``>``) and the signature block after a ``-- `` line.

Both are protected: the linter does not judge them (quoted text is the customer's,
the signature is boilerplate) and a rewrite must carry them over unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Both are looked for by their literal (">", "--") and then checked to start their line: a regex that starts
# with "^" is tried at every position, several times slower on a long reply.
_QUOTE_MARK = re.compile(r">")
# RFC 3676 signature separator: "-- " on its own line; a bare "--" is common enough to accept too.
_SIGNATURE = re.compile(r"--[ \t]*$", re.MULTILINE)
_NOT_NEWLINE = re.compile(r"[^\n]")


@dataclass(frozen=True)
class Region:
    kind: str  # "quote" or "signature"
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def protected_regions(text: str) -> list[Region]:
    limit = signature_start(text)
    regions = []
    line_end = -1
    for mark in _QUOTE_MARK.finditer(text, 0, limit):
        if mark.start() < line_end:
            continue  # a second ">" on a quoted line
        line_start = text.rfind("\n", 0, mark.start()) + 1
        line_end = _line_end(text, mark.start(), limit)
        if not text[line_start : mark.start()].strip(" \t"):  # only spaces before the ">": a quoted line
            regions.append(Region("quote", line_start, line_end))
    if limit < len(text):
        regions.append(Region("signature", limit, len(text)))
    return regions


def signature_start(text: str) -> int:
    """Where the signature block starts; the text's length when it has none."""
    for separator in _SIGNATURE.finditer(text):
        if separator.start() == 0 or text[separator.start() - 1] == "\n":
            return separator.start()
    return len(text)


def _line_end(text: str, start: int, limit: int) -> int:
    end = text.find("\n", start, limit)
    return limit if end < 0 else end


def mask(text: str, regions: list[Region]) -> str:
    """Blank out the regions with spaces, keeping newlines, so offsets stay valid."""
    if not regions:
        return text
    parts: list[str] = []
    done = 0
    for region in sorted(regions, key=lambda r: r.start):  # regions may overlap (a link in a quoted line)
        start = max(region.start, done)
        if region.end > start:
            parts += [text[done:start], _NOT_NEWLINE.sub(" ", text[start : region.end])]
            done = region.end
    parts.append(text[done:])
    return "".join(parts)
