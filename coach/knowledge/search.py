"""Retrieve guidance passages for a query: nearest neighbours in Chroma, re-ranked for diversity.

Maximal marginal relevance trades a little similarity for variety, and a cap per
source file makes sure one long article cannot fill every slot.
"""

from __future__ import annotations

import math

import numpy as np
from langchain_core.vectorstores.utils import maximal_marginal_relevance

from coach.config import Settings, get_settings
from coach.knowledge.embed import get_embedder
from coach.knowledge.store import open_collection
from coach.schemas import Passage

# Candidates fetched per requested result, before re-ranking.
FETCH_FACTOR = 4
# 1.0 ranks by similarity alone; lower values favour variety.
MMR_LAMBDA = 0.7


def search(
    query: str,
    k: int = 5,
    tag: str | None = None,
    settings: Settings | None = None,
) -> list[Passage]:
    if not query.strip():
        raise ValueError("the query is empty")
    if k < 1:
        raise ValueError("k must be at least 1")
    settings = settings or get_settings()
    embedder = get_embedder(settings)
    collection = open_collection(settings, embedder.name)

    query_vector = embedder.embed([query])[0]
    found = collection.query(
        query_embeddings=[query_vector],
        n_results=max(k * FETCH_FACTOR, 20),
        where={"tags": {"$contains": tag.lower()}} if tag else None,
        include=["documents", "metadatas", "distances", "embeddings"],
    )
    ids = found["ids"][0]
    if not ids:
        return []
    documents, metadatas = found["documents"][0], found["metadatas"][0]
    distances, embeddings = found["distances"][0], found["embeddings"][0]

    # MMR ranks only as many as the per-source cap can need; the rest follow in similarity order
    # (Chroma's). Each MMR step costs about as much as the Chroma query itself.
    order = maximal_marginal_relevance(
        np.asarray(query_vector), np.asarray(embeddings), lambda_mult=MMR_LAMBDA, k=min(len(ids), 2 * k)
    )
    order += [i for i in range(len(ids)) if i not in order]
    chosen = _cap_per_source(order, [m.get("source", "") for m in metadatas], k)
    return [_passage(documents[i], metadatas[i], distances[i]) for i in chosen]


def _cap_per_source(order: list[int], sources: list[str], k: int) -> list[int]:
    """Take candidates in MMR order, at most ceil(k/2) per source while others are available."""
    cap = max(1, math.ceil(k / 2)) if k > 1 else 1
    chosen: list[int] = []
    per_source: dict[str, int] = {}
    for i in order:
        if per_source.get(sources[i], 0) < cap:
            chosen.append(i)
            per_source[sources[i]] = per_source.get(sources[i], 0) + 1
        if len(chosen) == k:
            return chosen
    # Too few distinct sources: fill up with the best remaining candidates.
    chosen += [i for i in order if i not in chosen][: k - len(chosen)]
    return chosen


def _passage(text: str, meta: dict, distance: float) -> Passage:
    return Passage(
        text=text,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        section=meta.get("section", ""),
        chunk=int(meta.get("chunk", 0)),
        card=meta.get("card"),
        tags=list(meta.get("tags") or []),
        score=round(1.0 - float(distance), 4),
    )
