"""Placeholders: gaps in a reply that only the agent can fill, written in square brackets ("[what you can
offer instead]"). The editor writes them; every face shows them; a reply holding one is not ready to send,
so the analysis reports it and the tone model does not judge the words around it (they are not the agent's)."""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\[[^\[\]\n]{3,60}\]")


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PLACEHOLDER.finditer(text)]
