"""BM25 over the same chunks as the Chroma collection, for the exact, rare words dense search misses.

Agents type "buddy", "no idea" or "as per policy": words a guidance card names but a sentence embedding
blurs. The lexical index is never stored on its own: every process builds it from the Chroma collection
(ids, text, title, section and the card's `keywords`), so it holds the same chunks under the same ids,
and it follows the collection's `revision`, which `coach ingest` stamps after every change. With a Chroma
server, each API replica rebuilds its copy on the first search after another process ingested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer

from coach.knowledge.per_revision import PerRevision

# Straight and curly apostrophes go, so "don't" and "dont" are one word.
_APOSTROPHES = re.compile(r"['\u2019]")
# English stop words, less "no" and "not": "no idea" and "not possible" are what agents search for.
STOPWORDS = sorted(set(bm25s.stopwords.STOPWORDS_EN) - {"no", "not"})
_PAGE = 5000
# A phrasing written as the pipeline's query ends in "channel: chat" and the analysis's labels ("worry
# blaming"): labels every card shares. The card's own keywords carry the labels that belong to it.
_LABELS = re.compile(r"\bchannel:.*$", re.IGNORECASE | re.DOTALL)


def lexical_text(text: str, title: str = "", section: str = "", keywords: list[str] | tuple[str, ...] = ()) -> str:
    """What the lexical side indexes for a chunk: its heading, its text and its card's keywords."""
    return "\n".join(part for part in (title, section, text, "; ".join(keywords)) if part)


def _normalise(texts: list[str]) -> list[str]:
    return [_APOSTROPHES.sub("", t.lower()) for t in texts]


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


class LexicalIndex:
    """BM25 (Lucene variant) with English stop words and Snowball stems."""

    def __init__(self, ids: list[str], texts: list[str], tags: list[list[str]]) -> None:
        """`ids` are what a hit reports: a card phrasing's entry reports the chunk it points at."""
        self.ids = ids
        self._tags = tags
        self._tokenizer = bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords=STOPWORDS)
        self._bm25 = bm25s.BM25()
        if ids:
            tokens = self._tokenizer.tokenize(_normalise(texts), return_as="ids", show_progress=False)
            self._bm25.index(tokens, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, n: int, tag: str | None = None) -> list[Hit]:
        """The n best chunks with a positive score, best first, each once (at its best entry's score); only
        chunks with the tag when one is given."""
        if not self.ids:
            return []
        query_ids = self._tokenizer.tokenize(_normalise([query]), update_vocab=False, return_as="ids", show_progress=False)[0]
        scores = np.asarray(self._bm25.get_scores(query_ids), dtype=np.float32)
        if tag:
            wanted = tag.lower()
            scores = np.where([wanted in t for t in self._tags], scores, 0.0)
        hits: dict[str, float] = {}
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] <= 0 or len(hits) == n:
                break
            hits.setdefault(self.ids[i], float(scores[i]))
        return [Hit(chunk_id, score) for chunk_id, score in hits.items()]


def revision(collection) -> str:
    """What the index was built from: the stamp `coach ingest` writes, or (an index from before stamps) its size."""
    meta = collection.metadata or {}
    return str(meta.get("revision") or f"count:{collection.count()}")


def lexical_index(collection, key: tuple) -> LexicalIndex:
    """This process's BM25 index of the collection, rebuilt when the collection's revision moves on. `key`
    names the store, the collection and its revision (`revision` above)."""
    return _indexes.get(collection, key)


def _build(collection) -> LexicalIndex:
    ids: list[str] = []
    texts: list[str] = []
    tags: list[list[str]] = []
    extra: dict[str, list[str]] = {}
    offset = 0
    while True:
        batch = collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
        for chunk_id, document, meta in zip(batch["ids"], batch["documents"], batch["metadatas"]):
            meta = meta or {}
            if meta.get("of"):  # a card's phrasing: its words join the chunk it points at
                extra.setdefault(meta["of"], []).append(_LABELS.sub("", document or ""))
                continue
            else:
                ids.append(chunk_id)
                texts.append(
                    lexical_text(document or "", meta.get("title", ""), meta.get("section", ""), meta.get("keywords") or ())
                )
            tags.append([str(t) for t in meta.get("tags") or ()])
        if len(batch["ids"]) < _PAGE:
            texts = [" \n".join([text, *extra.get(chunk_id, ())]) for chunk_id, text in zip(ids, texts)]
            return LexicalIndex(ids, texts, tags)
        offset += _PAGE


_indexes: PerRevision[LexicalIndex] = PerRevision(_build)
