"""A small lexicon-based emotion detector for the customer's message.

Cues, weights, negators and intensifiers live in `knowledge/lexicons/emotions.yaml`.
It is deliberately simple and explainable: every detected emotion lists the cues that fired.

Two small mechanisms sit on top of the cue weights, both driven by the lexicon:
* emphasis: a cue with a word in capitals ("AGAIN", "my OLD address") counts `emphasis` times, unless
  the whole message is in capitals (that is shouting, handled below) or the lexicon writes the cue in
  capitals itself ("ASAP");
* sarcasm: praise that is really a complaint ("great. just great.", "oh brilliant", "thanks a lot" before a
  complaint) cancels gratitude for the whole message and counts as a cue for `sarcasm.counts_as`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.analysis.data import DataError, lexicon
from coach.analysis.text import caseless, lower_keeping_offsets, normalise_phrase, on_lowered, phrases_pattern
from coach.schemas import Emotion

EMOTIONS = ("anger", "frustration", "worry", "urgency", "sadness", "gratitude")
NEGATIVE = frozenset({"anger", "frustration", "worry", "urgency", "sadness"})
_WEIGHTS = {"strong": 1.0, "weak": 0.5, "against": -1.0}
_WORDS = re.compile(r"[\w'’]+")
_SHOUTING = re.compile(r"\b[A-Z]{3,}\b(?:\W+\b[A-Z]{3,}\b)+")
_PUNCTUATION_RUN = re.compile(r"[!?]{2,}")
_CAPITALISED_WORD = re.compile(r"\b[A-Z]{3,}\b")
_COMPLAINT = ("anger", "frustration")  # what makes "well done" or "thanks a lot" sarcastic


@dataclass(frozen=True)
class _EmotionCues:
    name: str
    regex: re.Pattern[str]
    weights: dict[str, float]


@dataclass(frozen=True)
class _Sarcasm:
    counts_as: str
    weight: float
    always: re.Pattern[str] | None  # sarcastic on their own
    with_complaint: re.Pattern[str] | None  # sarcastic when the message also complains, anywhere
    before_complaint: re.Pattern[str] | None  # sarcastic when a complaint follows


@dataclass(frozen=True)
class EmotionLexicon:
    threshold: float
    negators: frozenset[str]
    intensifiers: frozenset[str]
    cues: tuple[_EmotionCues, ...]
    acknowledge: dict[str, re.Pattern[str]]
    emphasis: float = 1.0
    written_in_capitals: frozenset[str] = frozenset()  # cues the lexicon spells in capitals ("ASAP")
    sarcasm: _Sarcasm | None = None


@lru_cache(maxsize=4)
def load_emotion_lexicon(directory: Path | None = None) -> EmotionLexicon:
    data = lexicon("emotions", directory)
    try:
        cues = []
        for name in EMOTIONS:
            groups = data["emotions"][name]
            weights = {normalise_phrase(cue): _WEIGHTS[kind] for kind, items in groups.items() for cue in items}
            phrases = [str(cue) for kind in groups for cue in groups[kind]]
            cues.append(_EmotionCues(name, caseless(phrases_pattern(phrases)), weights))
        acknowledge = {
            name: caseless(phrases_pattern([str(p) for p in phrases])) for name, phrases in data["acknowledge"].items()
        }
        capitals = frozenset(
            normalise_phrase(str(cue))
            for name in EMOTIONS for items in data["emotions"][name].values() for cue in items
            if str(cue).isupper()
        )  # fmt: skip
        return EmotionLexicon(
            threshold=float(data["threshold"]),
            negators=frozenset(normalise_phrase(n) for n in data["negators"]),
            intensifiers=frozenset(normalise_phrase(i) for i in data["intensifiers"]),
            cues=tuple(cues),
            acknowledge=acknowledge,
            emphasis=float(data.get("emphasis", 1.0)),
            written_in_capitals=capitals,
            sarcasm=_load_sarcasm(data.get("sarcasm")),
        )
    except (KeyError, TypeError) as exc:
        raise DataError(f"emotions lexicon is malformed: missing or wrong {exc}") from exc


def _load_sarcasm(data: dict | None) -> _Sarcasm | None:
    if not data:
        return None
    if data["counts_as"] not in EMOTIONS:
        raise DataError(f"emotions lexicon: sarcasm.counts_as must be one of {', '.join(EMOTIONS)}")

    def pattern(key: str) -> re.Pattern[str] | None:
        phrases = [str(p) for p in data.get(key) or []]
        return re.compile(phrases_pattern(phrases), re.IGNORECASE) if phrases else None

    return _Sarcasm(
        counts_as=str(data["counts_as"]),
        weight=_WEIGHTS[data.get("weight", "strong")],
        always=pattern("always"),
        with_complaint=pattern("with_complaint"),
        before_complaint=pattern("before_complaint"),
    )


def detect_emotions(text: str | None, lexicon_: EmotionLexicon | None = None) -> list[Emotion]:
    """Emotions present in `text`, strongest first."""
    if not text or not text.strip():
        return []
    if lexicon_ is None:
        return list(_detect_cached(text))
    return _detect(text, lexicon_)


@lru_cache(maxsize=128)  # a draft and its rewrite are analysed against the same customer message
def _detect_cached(text: str) -> tuple[Emotion, ...]:
    return tuple(_detect(text, load_emotion_lexicon()))


def _detect(text: str, lex: EmotionLexicon) -> list[Emotion]:
    raw: dict[str, float] = {}
    cues: dict[str, list[str]] = {}
    complaints: list[int] = []  # where the anger and frustration cues start
    shouting = text.isupper()
    lowered = lower_keeping_offsets(text)
    for emotion in lex.cues:
        total = 0.0
        for match in emotion.regex.finditer(lowered if on_lowered(emotion.regex) else text):
            written = text[match.start() : match.end()]
            cue = normalise_phrase(written)
            weight = emotion.weights.get(cue, 0.0)
            before = [normalise_phrase(w) for w in _WORDS.findall(text[max(0, match.start() - 40) : match.start()])[-2:]]
            if weight > 0 and _negated(before, lex.negators):
                continue
            if weight > 0 and before and before[-1] in lex.intensifiers:
                weight *= 1.5
            if weight > 0 and not shouting and cue not in lex.written_in_capitals and _CAPITALISED_WORD.search(written):
                weight *= lex.emphasis
            total += weight
            if weight > 0 and written not in cues.get(emotion.name, []):
                cues.setdefault(emotion.name, []).append(written)
            if weight > 0 and emotion.name in _COMPLAINT:
                complaints.append(match.start())
        raw[emotion.name] = total
    if lex.sarcasm:
        _read_sarcasm(text, lex.sarcasm, complaints, raw, cues)
    _boost_for_shouting(text, raw, cues)
    found = [
        Emotion(name=name, score=round(min(1.0, raw[name] / 3), 2), cues=cues.get(name, []))
        for name in EMOTIONS
        if raw[name] >= lex.threshold
    ]
    return sorted(found, key=lambda e: -e.score)


def _read_sarcasm(text: str, sarcasm: _Sarcasm, complaints: list[int], raw: dict[str, float], cues: dict[str, list[str]]) -> None:
    """Sarcastic praise is no thanks: it cancels gratitude and counts towards `counts_as`."""
    found = [m for m in sarcasm.always.finditer(text)] if sarcasm.always else []
    complaints = complaints + [m.start() for m in found]
    if sarcasm.with_complaint and complaints:
        found += [m for m in sarcasm.with_complaint.finditer(text) if any(not m.start() <= c < m.end() for c in complaints)]
    if sarcasm.before_complaint and complaints:
        found += [m for m in sarcasm.before_complaint.finditer(text) if any(c >= m.end() for c in complaints)]
    if not found:
        return
    raw["gratitude"] = min(raw["gratitude"], 0.0)
    cues.pop("gratitude", None)
    last_end = -1
    for match in sorted(found, key=lambda m: (m.start(), -m.end())):
        if match.start() < last_end:  # "well done" inside "brilliant… well done" counts once
            continue
        last_end = match.end()
        raw[sarcasm.counts_as] += sarcasm.weight
        if match.group() not in cues.get(sarcasm.counts_as, []):
            cues.setdefault(sarcasm.counts_as, []).append(match.group())


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
    if lexicon_ is None:
        return _acknowledged(emotion, reply)
    return _find_acknowledgement(emotion, reply, lexicon_)


@lru_cache(maxsize=256)  # analysis and the rules engine ask the same question of the same text
def _acknowledged(emotion: str, reply: str) -> str | None:
    return _find_acknowledgement(emotion, reply, load_emotion_lexicon())


def _find_acknowledgement(emotion: str, reply: str, lex: EmotionLexicon) -> str | None:
    patterns = [lex.acknowledge.get(emotion)]
    if emotion in NEGATIVE:
        patterns.append(lex.acknowledge.get("any"))
    lowered = lower_keeping_offsets(reply)  # a whole reply is searched, often twice: lower-case is faster
    for pattern in patterns:
        match = pattern.search(lowered if on_lowered(pattern) else reply) if pattern else None
        if match:
            return reply[match.start() : match.end()]
    return None
