"""A card classifier learned from the cards' own phrasings, beside the vectors and BM25.

A card's phrasings are the ways agents and customers describe its situation. Dense search compares a
query with each phrasing on its own; this head learns what a card's phrasings have in common: a
logistic regression on their MiniLM vectors (the ones already in the collection), one class per card.
Like the lexical index it is never stored: every process fits it from the Chroma collection, in well
under a second for a few thousand phrasings, and refits when `coach ingest` stamps a new revision. A
card with no phrasings is not a class; articles without phrasings are left to the other two rankings.
"""

from __future__ import annotations

import numpy as np

from coach.knowledge.per_revision import PerRevision

_PAGE = 5000
# Inverse regularisation strength of the logistic regression. Chosen on the dev queries only.
C = 4.0


class CardHead:
    def __init__(self, vectors: np.ndarray, labels: list[str], tags: dict[str, set[str]] | None = None) -> None:
        """`labels[i]` is the chunk id that the phrasing with vector `vectors[i]` leads to; `tags` gives each
        chunk id its card's tags, for a search filtered by tag."""
        self.tags = tags or {}
        self.classes: list[str] = sorted(set(labels))
        self._model = None
        if len(self.classes) > 1:
            from sklearn.linear_model import LogisticRegression

            self._model = LogisticRegression(C=C, max_iter=2000)
            self._model.fit(_unit(vectors), labels)
            self.classes = [str(c) for c in self._model.classes_]

    def __len__(self) -> int:
        return len(self.classes)

    def rank(self, query_vector: np.ndarray, n: int, tag: str | None = None) -> list[tuple[str, float]]:
        """The n most likely cards (their first chunk's id) with their probabilities, best first; with a
        tag, only the cards that carry it."""
        if self._model is None:
            ranked = [(c, 1.0) for c in self.classes]
        else:
            probabilities = self._model.predict_proba(_unit(query_vector.reshape(1, -1)))[0]
            ranked = [(self.classes[i], float(probabilities[i])) for i in np.argsort(-probabilities, kind="stable")]
        if tag:
            ranked = [(c, p) for c, p in ranked if tag.lower() in self.tags.get(c, set())]
        return ranked[:n]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def card_head(collection, key: tuple) -> CardHead:
    """This process's head for the collection, refitted when the collection's revision moves on. `key`
    names the store, the collection and its revision (see `coach.knowledge.lexical.revision`)."""
    return _heads.get(collection, key)


def _fit(collection) -> CardHead:
    vectors: list[np.ndarray] = []
    labels: list[str] = []
    tags: dict[str, set[str]] = {}
    offset = 0
    while True:
        batch = collection.get(include=["metadatas", "embeddings"], where={"kind": "phrasing"}, limit=_PAGE, offset=offset)
        for meta, vector in zip(batch["metadatas"], batch["embeddings"]):
            if meta and meta.get("of"):
                labels.append(str(meta["of"]))
                tags.setdefault(str(meta["of"]), set()).update(str(t).lower() for t in meta.get("tags") or [])
                vectors.append(np.asarray(vector, dtype=np.float32))
        if len(batch["ids"]) < _PAGE:
            break
        offset += _PAGE
    if not vectors:
        return CardHead(np.zeros((0, 1), dtype=np.float32), [])
    return CardHead(np.stack(vectors), labels, tags)


_heads: PerRevision[CardHead] = PerRevision(_fit)
