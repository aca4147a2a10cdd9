"""The deterministic sendability proxy, and how well it agrees with a person's verdicts.

With no judge model configured, "would a support lead send this?" is approximated by the checks a reply
must pass whatever else is true of it: no fragment made, no placeholder left, no forbidden phrase, every
fact kept, nothing invented. It is labelled a proxy everywhere it is shown: it cannot see a generic
acknowledgement or a draft that never answered the question, which is most of what a person marks "edit".

`agreement` compares it with hand labels (`evals/notes/editor-review-*.md`: send, placeholder, edit, no).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from coach.evals.metrics import CaseMetrics

SENDABLE = ("send", "placeholder")
_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*(send|placeholder|edit|no)\s*\|", re.M)
_KEY = re.compile(r"^- (\d+): `([^`]+)`", re.M)


def proxy_sendable(m: CaseMetrics) -> bool:
    """The proxy's verdict: the reply passes the fragment, placeholder, forbidden-phrase and fact checks."""
    return not m.fragments_made and not m.placeholders and not m.forbidden_hits and m.facts_preserved and not m.invented


class Agreement(BaseModel):
    items: int
    agree: int
    rate: float
    kappa: float | None
    proxy_send_person_not: int
    person_send_proxy_not: int


def read_labels(review: Path) -> dict[str, str]:
    """case id -> verdict, from a review note's table and its key."""
    text = Path(review).read_text(encoding="utf-8")
    verdicts = {n: v for n, v in _ROW.findall(text)}
    return {case: verdicts[n] for n, case in _KEY.findall(text) if n in verdicts}


def read_rewrites(path: Path) -> dict[str, str]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def agreement(labels: Mapping[str, str], metrics: Mapping[str, CaseMetrics]) -> Agreement:
    """How often the proxy's send / not-send matches the person's (send or placeholder / edit or no), with
    Cohen's kappa."""
    pairs = [(labels[c] in SENDABLE, proxy_sendable(metrics[c])) for c in labels if c in metrics]
    n = len(pairs)
    agree = sum(p == q for p, q in pairs)
    person, proxy = sum(p for p, _ in pairs) / n if n else 0, sum(q for _, q in pairs) / n if n else 0
    chance = person * proxy + (1 - person) * (1 - proxy)
    kappa = round((agree / n - chance) / (1 - chance), 3) if n and chance < 1 else None
    return Agreement(
        items=n, agree=agree, rate=round(agree / n, 3) if n else 0.0, kappa=kappa,
        proxy_send_person_not=sum(q and not p for p, q in pairs), person_send_proxy_not=sum(p and not q for p, q in pairs),
    )  # fmt: skip
