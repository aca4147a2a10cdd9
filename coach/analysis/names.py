"""Whether a customer's name can go into a reply: letters and what names are written with, nothing else.

A name is read after NFC normalisation. It may hold Unicode letters and combining marks, spaces,
apostrophes, hyphens and dots, at most MAX_NAME characters, and must start with a letter. Anything else
(markup, digits, emoji, an instruction) is not a name: the reply leaves it out rather than quote it.
"""

from __future__ import annotations

import unicodedata

MAX_NAME = 100
_PUNCTUATION = frozenset(" '’-.")


def usable_name(name: str | None) -> str | None:
    """The name, NFC-normalised and with its spaces tidied, or None when it is not a name."""
    if not name:
        return None
    text = " ".join(unicodedata.normalize("NFC", name).split())
    if not text or len(text) > MAX_NAME or unicodedata.category(text[0])[0] != "L":
        return None
    for ch in text:
        if ch not in _PUNCTUATION and unicodedata.category(ch)[0] not in ("L", "M"):
            return None
    return text
