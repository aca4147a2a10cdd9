"""Our guidance cards read straight from `knowledge/cards/`, by id: for citations, and as guidance the
findings point at, without needing the vector index (or the embedding model) at all."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import frontmatter

from coach.analysis.data import resolved
from coach.knowledge.loader import display_path
from coach.schemas import Citation, Passage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    source: str
    tags: tuple[str, ...]
    body: str

    def citation(self) -> Citation:
        return Citation(card=self.id, title=self.title, source=self.source)

    def passage(self) -> Passage:
        return Passage(
            text=self.body, source=self.source, title=self.title, section="", chunk=0,
            card=self.id, tags=list(self.tags), score=1.0,
        )  # fmt: skip


def load_cards(knowledge_dir: Path) -> dict[str, Card]:
    """The cards that load; a broken one is left out (logged, and listed by `broken_cards`)."""
    return _load(str(resolved(knowledge_dir)))[0]


def broken_cards(knowledge_dir: Path) -> dict[str, str]:
    """Card file -> why it did not load: a rewrite never fails because of one card, /readyz says which."""
    return _load(str(resolved(knowledge_dir)))[1]


def _shown(path: Path, knowledge: Path) -> str:
    """Relative to the project, or else to the knowledge folder's parent ("knowledge/cards/x.md"): never a
    server's absolute path."""
    shown = display_path(path)
    return shown if not Path(shown).is_absolute() else path.resolve().relative_to(knowledge.resolve().parent).as_posix()


@lru_cache(maxsize=8)
def _load(folder: str) -> tuple[dict[str, Card], dict[str, str]]:
    cards: dict[str, Card] = {}
    broken: dict[str, str] = {}
    for path in sorted(Path(folder, "cards").glob("*.md")):
        try:
            post = frontmatter.load(path)
            card_id = str(post.get("id") or path.stem)
            card = Card(
                id=card_id,
                title=str(post.get("title") or card_id),
                source=_shown(path, Path(folder)),
                tags=tuple(str(tag) for tag in (post.get("tags") or ())),
                body=post.content.strip(),
            )
        except Exception as exc:  # noqa: BLE001 - bad YAML, a bad tag, bad encoding: that card only
            broken[path.name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            log.error("guidance card %s not loaded: %s", path.name, broken[path.name])
            continue
        cards[card_id] = card
    return cards, broken
