"""The fluency guard measured on labelled sentences (`evals/fluency/`): precision and recall of "broken".

Items split into dev and held-out by a hash of their text; only dev items were read while the guard's
word lists were tuned. Greetings and sign-offs are the editor's to recognise, not the guard's, so they are
scored through the same exemption the editor uses (`coach.editor.layout.is_greeting` / `is_signoff`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coach.analysis.fluency import problem

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "evals" / "fluency"


@dataclass
class Score:
    split: str
    items: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def split_of(text: str) -> str:
    return "held-out" if hashlib.sha256(text.encode()).digest()[0] % 2 else "dev"


def load_items(directory: Path = DEFAULT_DIR) -> list[dict]:
    items: list[dict] = []
    for path in sorted(directory.glob("*.yaml")):
        items += yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return items


def broken(text: str, kind: str | None = None) -> str | None:
    from coach.editor import is_greeting, is_signoff, split_greeting

    if is_greeting(text) or is_signoff(text):
        return None
    opening = split_greeting(text)
    if opening is not None:  # "Hi Jamie, thanks for ...": the editor judges what follows the greeting
        text = opening[:1].upper() + opening[1:]
    return problem(text)


def evaluate(items: list[dict]) -> dict[str, Score]:
    scores = {name: Score(name) for name in ("dev", "held-out")}
    for item in items:
        score = scores[split_of(item["text"])]
        score.items += 1
        flagged = broken(item["text"]) is not None
        if flagged and not item["ok"]:
            score.tp += 1
        elif flagged:
            score.fp += 1
            score.false_alarms.append(f'{item["text"]}  <- {broken(item["text"])}')
        elif not item["ok"]:
            score.fn += 1
            score.misses.append(f'{item["text"]}  ({item.get("kind")})')
    return scores
