"""Our guidance cards read straight from `knowledge/cards/`, by id: for citations, and as guidance the
findings point at, without needing the vector index (or the embedding model) at all."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import frontmatter

from coach.analysis.data import resolved
from coach.knowledge.loader import display_path
from coach.schemas import Citation, Passage


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
    return _load(str(resolved(knowledge_dir)))


@lru_cache(maxsize=8)
def _load(folder: str) -> dict[str, Card]:
    cards: dict[str, Card] = {}
    for path in sorted(Path(folder, "cards").glob("*.md")):
        post = frontmatter.load(path)
        card_id = str(post.get("id") or path.stem)
        cards[card_id] = Card(
            id=card_id,
            title=str(post.get("title") or card_id),
            source=display_path(path),
            tags=tuple(post.get("tags") or ()),
            body=post.content.strip(),
        )
    return cards
