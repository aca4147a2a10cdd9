"""Quoted lines (``>``) and the signature block after a ``-- `` line.

Both are protected: the linter does not judge them (quoted text is the customer's,
the signature is boilerplate) and a rewrite must carry them over unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
# RFC 3676 signature separator: "-- " on its own line; a bare "--" is common enough to accept too.
_SIGNATURE = re.compile(r"^--[ \t]*$", re.MULTILINE)
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
    regions = [Region("quote", m.start(), m.end()) for m in _QUOTED_LINE.finditer(text, 0, limit)]
    if limit < len(text):
        regions.append(Region("signature", limit, len(text)))
    return regions


def signature_start(text: str) -> int:
    """Where the signature block starts; the text's length when it has none."""
    signature = _SIGNATURE.search(text)
    return signature.start() if signature else len(text)


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
