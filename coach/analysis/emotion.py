"""A small lexicon-based emotion detector for the customer's message.

Cues, weights, negators and intensifiers live in `knowledge/lexicons/emotions.yaml`.
It is deliberately simple and explainable: every detected emotion lists the cues that fired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.analysis.data import DataError, lexicon
from coach.analysis.text import normalise_phrase, phrases_pattern
from coach.schemas import Emotion

EMOTIONS = ("anger", "frustration", "worry", "urgency", "sadness", "gratitude")
NEGATIVE = frozenset({"anger", "frustration", "worry", "urgency", "sadness"})
_WEIGHTS = {"strong": 1.0, "weak": 0.5, "against": -1.0}
_WORDS = re.compile(r"[\w'’]+")
_SHOUTING = re.compile(r"\b[A-Z]{3,}\b(?:\W+\b[A-Z]{3,}\b)+")
_PUNCTUATION_RUN = re.compile(r"[!?]{2,}")


@dataclass(frozen=True)
class _EmotionCues:
    name: str
    regex: re.Pattern[str]
    weights: dict[str, float]


@dataclass(frozen=True)
class EmotionLexicon:
    threshold: float
    negators: frozenset[str]
    intensifiers: frozenset[str]
    cues: tuple[_EmotionCues, ...]
    acknowledge: dict[str, re.Pattern[str]]


@lru_cache(maxsize=4)
def load_emotion_lexicon(directory: Path | None = None) -> EmotionLexicon:
    data = lexicon("emotions", directory)
    try:
        cues = []
        for name in EMOTIONS:
            groups = data["emotions"][name]
            weights = {normalise_phrase(cue): _WEIGHTS[kind] for kind, items in groups.items() for cue in items}
            phrases = [str(cue) for kind in groups for cue in groups[kind]]
            cues.append(_EmotionCues(name, re.compile(phrases_pattern(phrases), re.IGNORECASE), weights))
        acknowledge = {
            name: re.compile(phrases_pattern([str(p) for p in phrases]), re.IGNORECASE)
            for name, phrases in data["acknowledge"].items()
        }
        return EmotionLexicon(
            threshold=float(data["threshold"]),
            negators=frozenset(normalise_phrase(n) for n in data["negators"]),
            intensifiers=frozenset(normalise_phrase(i) for i in data["intensifiers"]),
            cues=tuple(cues),
            acknowledge=acknowledge,
        )
    except (KeyError, TypeError) as exc:
        raise DataError(f"emotions lexicon is malformed: missing or wrong {exc}") from exc


def detect_emotions(text: str | None, lexicon_: EmotionLexicon | None = None) -> list[Emotion]:
    """Emotions present in `text`, strongest first."""
    if not text or not text.strip():
        return []
    lex = lexicon_ or load_emotion_lexicon()
    raw: dict[str, float] = {}
    cues: dict[str, list[str]] = {}
    for emotion in lex.cues:
        total = 0.0
        for match in emotion.regex.finditer(text):
            weight = emotion.weights.get(normalise_phrase(match.group()), 0.0)
            before = [normalise_phrase(w) for w in _WORDS.findall(text[max(0, match.start() - 40) : match.start()])[-2:]]
            if weight > 0 and _negated(before, lex.negators):
                continue
            if weight > 0 and before and before[-1] in lex.intensifiers:
                weight *= 1.5
            total += weight
            if weight > 0 and match.group() not in cues.get(emotion.name, []):
                cues.setdefault(emotion.name, []).append(match.group())
        raw[emotion.name] = total
    _boost_for_shouting(text, raw, cues)
    found = [
        Emotion(name=name, score=round(min(1.0, raw[name] / 3), 2), cues=cues.get(name, []))
        for name in EMOTIONS
        if raw[name] >= lex.threshold
    ]
    return sorted(found, key=lambda e: -e.score)


def _negated(before: list[str], negators: frozenset[str]) -> bool:
    return any(word in negators or word.endswith("n't") for word in before)


def _boost_for_shouting(text: str, raw: dict[str, float], cues: dict[str, list[str]]) -> None:
    # Capitals and "!!"/"?!" turn up an anger or frustration that is already there; they create none.
    signals = [m.group() for m in _SHOUTING.finditer(text)] + [m.group() for m in _PUNCTUATION_RUN.finditer(text)]
    if not signals:
        return
    for name in ("anger", "frustration"):
        if raw[name] > 0:
            raw[name] += 0.5
            if signals[0] not in cues.get(name, []):
                cues.setdefault(name, []).append(signals[0])


def acknowledged(emotion: str, reply: str, lexicon_: EmotionLexicon | None = None) -> str | None:
    """The phrase in `reply` that acknowledges `emotion`, if any."""
    lex = lexicon_ or load_emotion_lexicon()
    patterns = [lex.acknowledge.get(emotion)]
    if emotion in NEGATIVE:
        patterns.append(lex.acknowledge.get("any"))
    for pattern in patterns:
        match = pattern.search(reply) if pattern else None
        if match:
            return match.group()
    return None
