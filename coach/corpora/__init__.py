"""The labelled tone and emotion corpora (evals/tone/, evals/emotion/): loading, splits and the data hash.

Each corpus is JSON Lines files named `dev-*.jsonl` and `heldout-*.jsonl`. The held-out files were written
apart from the dev files, by authors who never saw them, and committed before any tuning; every group
(the item a sentence was varied from) lies wholly on one side, which `load` checks. Training and every
choice of feature, threshold or rule use the dev split only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from coach.config import PROJECT_ROOT

TONE_DIR = PROJECT_ROOT / "evals" / "tone"
EMOTION_DIR = PROJECT_ROOT / "evals" / "emotion"
SPLITS = ("dev", "heldout")
TONE_CATEGORIES = ("over-familiar", "flippant", "blaming", "dismissive", "overreach", "therapy", "curt")
EMOTION_LABELS = ("frustrated", "worried", "sad", "confused", "urgent", "grateful", "neutral")


class CorpusError(ValueError):
    """A corpus file that does not parse or breaks the corpus's rules."""


class ItemContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_message: str
    situation: str | None = None


class ToneItem(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    group: str
    text: str = Field(min_length=1)
    labels: list[str]
    near_miss: bool = False
    upbeat: bool | None = None  # None: not labelled (the converted lint sentences)
    industry: str
    channel: str
    register_: str = Field(alias="register")
    context: ItemContext | None = None
    split: str = "dev"


class EmotionItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    group: str
    text: str = Field(min_length=1)
    labels: list[str] = Field(min_length=1)
    primary: str
    industry: str
    channel: str
    split: str = "dev"


def files(directory: Path, split: str) -> list[Path]:
    return sorted(directory.glob(f"{split}-*.jsonl"))


def data_hash(directory: Path, split: str = "dev") -> str:
    """sha256 over the split's files, in name order, name and bytes: what a trained head was trained on."""
    digest = hashlib.sha256()
    for path in files(directory, split):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read(directory: Path, model: type[BaseModel], splits: tuple[str, ...]) -> list:
    items, groups = [], {}
    for split in splits:
        for path in files(directory, split):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    item = model.model_validate({**json.loads(line), "split": split})
                except ValueError as exc:
                    raise CorpusError(f"{path.name}:{number}: {exc}") from exc
                if groups.setdefault(item.group, split) != split:
                    raise CorpusError(f"{path.name}:{number}: group {item.group} is in both splits")
                items.append(item)
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"{directory}: duplicate ids")
    return items


def load_tone(directory: Path = TONE_DIR, splits: tuple[str, ...] = SPLITS) -> list[ToneItem]:
    items = _read(directory, ToneItem, splits)
    for item in items:
        unknown = set(item.labels) - set(TONE_CATEGORIES)
        if unknown:
            raise CorpusError(f"{item.id}: unknown tone label(s) {sorted(unknown)}")
    return items


def load_emotion(directory: Path = EMOTION_DIR, splits: tuple[str, ...] = SPLITS) -> list[EmotionItem]:
    items = _read(directory, EmotionItem, splits)
    for item in items:
        if set(item.labels) - set(EMOTION_LABELS) or item.primary not in item.labels:
            raise CorpusError(f"{item.id}: labels {item.labels} / primary {item.primary} are not valid")
    return items
