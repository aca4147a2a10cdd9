"""The editor's wording, read from `knowledge/phrases/bank/*.yaml`: acknowledgements keyed by situation x
register (and emotion), refusals, placeholders, greetings, sign-offs, history lines and word fixes.

`pick(variants, seed)` chooses deterministically: the same draft gets the same line, different drafts spread
over the variants.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from coach.config import get_settings

REGISTERS = ("formal", "neutral", "chat")


class Entry(BaseModel):
    emotions: list[str] = Field(default_factory=list)
    apology: bool = False
    formal: list[str]
    neutral: list[str]
    chat: list[str]

    def variants(self, register: str) -> list[str]:
        return getattr(self, register)


class Situation(BaseModel):
    emotions: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    entries: list[Entry]


class Placeholder(BaseModel):
    hint: str
    formal: str
    neutral: str
    chat: str


class Detail(BaseModel):
    pattern: str
    requires: str | None = None
    formal: list[str]
    neutral: list[str]
    chat: list[str]


class LifeEvent(BaseModel):
    event: str
    formal: str
    neutral: str
    chat: str


class Rewrite(BaseModel):
    pattern: str
    replace: str
    negated: str | None = None
    reason: str
    cites: list[str] = Field(default_factory=list)


class Bank(BaseModel):
    things: list[str]
    situations: dict[str, Situation]
    own_words: dict[str, list[str]]
    own_words_repeat: dict[str, list[str]]
    own_words_run: dict[str, list[str]]
    refusal: dict[str, list[str]]
    not_the_answer: dict[str, list[str]]
    placeholders: dict[str, Placeholder]
    greetings: dict[str, dict[str, str]]
    signoffs: dict[str, str]
    casual_signoffs: list[str]
    pleasantries: list[str]
    offers: list[str] = Field(default_factory=list)
    titles: list[str]
    address_words: list[str] = Field(default_factory=list)
    endearments: list[str] = Field(default_factory=list)
    history: dict[str, list[str]]
    noted: dict[str, list[str]]
    undated: dict[str, list[str]]
    contacted: dict[str, list[str]]
    seen: dict[str, list[str]]
    contacted_short: dict[str, list[str]]
    date_formats: dict[str, str]
    sensitive: list[str]
    refers_back: str
    words: dict[str, str]
    openers: dict[str, str]
    interjections: list[str]
    hedges: list[str] = Field(default_factory=list)
    ill_before: list[str]
    formal: dict[str, str]
    loyalty: Detail
    occasion: Detail
    deadline: Detail
    gift: Detail
    life_events: dict[str, LifeEvent]
    rewrites: list[Rewrite] = Field(default_factory=list)
    telegraphic: list[Rewrite] = Field(default_factory=list)

    def cue_pattern(self, situation: str) -> re.Pattern[str] | None:
        return _cue_pattern(tuple(self.situations[situation].cues))


class PhraseBankError(ValueError):
    """A phrasebank file is missing, malformed or incomplete."""


@lru_cache(maxsize=64)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    if not cues:
        return None
    return re.compile(r"(?<![\w'’])(?:" + "|".join(re.escape(c).replace("'", "['’]?") for c in sorted(cues, key=len, reverse=True)) + r")(?![\w'’])", re.IGNORECASE)


def bank_dir() -> Path:
    return get_settings().knowledge_dir / "phrases" / "bank"


@lru_cache(maxsize=4)
def load_bank(directory: Path | None = None) -> Bank:
    directory = directory or bank_dir()
    data: dict = {}
    try:
        for path in sorted(directory.glob("*.yaml")):
            data.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        return Bank.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise PhraseBankError(f"phrasebank in {directory} is unusable: {exc}") from exc


def seed_of(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:4], "big")


def pick(variants: list[str], seed: int, salt: str = "") -> str:
    if not variants:
        return ""
    return variants[(seed + seed_of(salt)) % len(variants)] if salt else variants[seed % len(variants)]
