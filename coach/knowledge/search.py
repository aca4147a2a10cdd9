"""Retrieve guidance passages for a query: MiniLM vectors, BM25 and a learned card head, fused by rank,
re-ranked for diversity.

Dense search finds the meaning of "the customer sounds scared"; lexical search finds the rare, exact word
an agent types ("buddy", "no idea"); the card head (`coach.knowledge.head`) knows what all of a card's
phrasings have in common. Reciprocal-rank fusion adds the rankings without comparing their scores.
Maximal marginal relevance then trades a little relevance for variety, and a cap per source file makes
sure one long article cannot fill every slot. `COACH_RETRIEVER` picks dense or lexical alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from coach.config import Settings, get_settings
from coach.knowledge.embed import get_embedder
from coach.knowledge.head import card_head
from coach.knowledge.lexical import lexical_index, revision
from coach.knowledge.store import open_collection, store_key
from coach.schemas import Passage

RETRIEVERS = ("hybrid", "dense", "lexical")
# Candidates fetched from each side per requested result, before fusion and re-ranking.
FETCH_FACTOR = 4
# Dense results fetched per candidate: a card's phrasings are entries of their own and collapse into it.
PHRASINGS_FACTOR = 3
# A chunk's dense score is the mean similarity of its VOTES nearest entries: a card's phrasings vote.
VOTES = 3
# Reciprocal-rank fusion: a candidate earns weight / (RRF_K + rank) from each list it is in.
# Chosen on the dev queries only (`coach eval retrieval` prints the held-out split beside them).
RRF_K = 10
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 3.0
HEAD_WEIGHT = 2.0
LEXICAL_FLOOR = 0.5  # lexical matches under this share of the best one's score are left out of the fusion
# 1.0 ranks by relevance alone; lower values favour variety.
MMR_LAMBDA = 0.9


# The pipeline's query names the channel ("channel: email"): a fact about the conversation, not words to match.
_CHANNEL_FIELD = re.compile(r"\bchannel:\s*\w+", re.IGNORECASE)


@dataclass
class _Candidate:
    text: str
    meta: dict
    vector: np.ndarray


def search(
    query: str,
    k: int = 5,
    tag: str | None = None,
    settings: Settings | None = None,
    retriever: str | None = None,
) -> list[Passage]:
    if not query.strip():
        raise ValueError("the query is empty")
    if k < 1:
        raise ValueError("k must be at least 1")
    settings = settings or get_settings()
    mode = retriever or settings.retriever
    if mode not in RETRIEVERS:
        raise ValueError(f"unknown retriever {mode!r}; expected one of {', '.join(RETRIEVERS)}")
    embedder = get_embedder(settings)
    collection = open_collection(settings, embedder.name)
    fetch = max(k * FETCH_FACTOR, 20)
    query = _CHANNEL_FIELD.sub(" ", query).strip() or query
    query_vector = np.asarray(embedder.embed([query])[0], dtype=np.float32)

    candidates: dict[str, _Candidate] = {}
    nearest: dict[str, float] = {}
    rankings: list[tuple[float, list[str]]] = []
    if mode != "lexical":
        nearest = _dense(collection, query_vector, fetch, tag, candidates)
        rankings.append((DENSE_WEIGHT, list(nearest)[:fetch]))
    if mode != "dense":
        # what this process derives from the collection (BM25, the card head) is kept per store, collection and revision
        derived = (*store_key(settings), collection.name, revision(collection))
        hits = lexical_index(collection, derived).search(query, fetch, tag=tag)
        # In the fusion, matches far below the best one share only common words with the query: left out.
        floor = LEXICAL_FLOOR * hits[0].score if hits and mode == "hybrid" else 0.0
        rankings.append((LEXICAL_WEIGHT, [hit.id for hit in hits if hit.score >= floor]))
        if mode == "hybrid" and HEAD_WEIGHT:
            head = card_head(collection, derived)
            rankings.append((HEAD_WEIGHT, [card for card, _ in head.rank(query_vector, fetch, tag=tag)]))
    _fetch_missing(collection, [i for _, ranked in rankings for i in ranked if i not in candidates], candidates)
    relevance = _fuse(rankings) if mode != "dense" else nearest
    ids = sorted((i for i in relevance if i in candidates), key=lambda i: -relevance[i])
    if not ids:
        return []

    vectors = np.stack([candidates[i].vector for i in ids])
    similarity = cosine_similarity(query_vector.reshape(1, -1), vectors)[0]
    scale = relevance[ids[0]] if mode != "dense" else 1.0  # fused scores to [0, 1], like similarities
    order = _mmr(np.asarray([relevance[i] / scale for i in ids]), vectors, MMR_LAMBDA, min(len(ids), 2 * k))
    order += [i for i in range(len(ids)) if i not in order]
    chosen = _cap_per_source(order, [candidates[i].meta.get("source", "") for i in ids], k)
    return [_passage(candidates[ids[i]], max(float(similarity[i]), nearest.get(ids[i], -1.0))) for i in chosen]


def _dense(collection, query_vector: np.ndarray, fetch: int, tag: str | None, into: dict[str, _Candidate]) -> dict[str, float]:
    """Chunk id -> dense score, best first, from the nearest index entries (a card's phrasings lead to it)."""
    found = collection.query(
        query_embeddings=[query_vector.tolist()],
        n_results=fetch * PHRASINGS_FACTOR,
        where={"tags": {"$contains": tag.lower()}} if tag else None,
        include=["documents", "metadatas", "embeddings", "distances"],
    )
    votes: dict[str, list[float]] = {}
    entries: dict[str, int] = {}
    for entry_id, text, meta, vector, distance in zip(
        found["ids"][0], found["documents"][0], found["metadatas"][0], found["embeddings"][0], found["distances"][0]
    ):
        meta = meta or {}
        chunk_id = meta.get("of") or entry_id
        if chunk_id == entry_id:
            into[chunk_id] = _Candidate(text or "", meta, np.asarray(vector, dtype=np.float32))
        votes.setdefault(chunk_id, []).append(1.0 - float(distance))
        entries[chunk_id] = int(meta.get("entries") or 1)
    scores = _vote(votes, entries)
    return dict(sorted(scores.items(), key=lambda item: -item[1]))


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-by-row cosine similarity of two matrices (a zero row is similar to nothing).

    einsum, not `@`: for these small matrices OpenBLAS's threads cost more than the product (24 ms against
    0.4 ms for 80 x 80 on a busy two-core machine)."""
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.einsum("ij,kj->ik", a, b)


def _vote(votes: dict[str, list[float]], entries: dict[str, int]) -> dict[str, float]:
    """A chunk's dense score: the mean similarity of its VOTES nearest entries (a card's phrasings, or the
    chunk alone). Entries that were not fetched count at the similarity of the last one fetched, the most
    they can have."""
    if not votes:
        return {}
    floor = min(min(v) for v in votes.values())
    scores = {}
    for chunk_id, sims in votes.items():
        wanted = min(VOTES, entries[chunk_id])
        top = sims[:wanted]
        scores[chunk_id] = (sum(top) + (wanted - len(top)) * floor) / wanted
    return scores


def _fetch_missing(collection, missing: list[str], into: dict[str, _Candidate]) -> None:
    missing = list(dict.fromkeys(missing))
    if not missing:
        return
    got = collection.get(ids=missing, include=["documents", "metadatas", "embeddings"])
    for chunk_id, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
        into[chunk_id] = _Candidate(text or "", meta or {}, np.asarray(vector, dtype=np.float32))


def _fuse(rankings: list[tuple[float, list[str]]]) -> dict[str, float]:
    """Reciprocal-rank fusion of ranked id lists, each with its weight."""
    fused: dict[str, float] = {}
    for weight, ranked in rankings:
        for rank, chunk_id in enumerate(ranked, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank)
    return fused


def _mmr(relevance: np.ndarray, vectors: np.ndarray, lambda_mult: float, k: int) -> list[int]:
    """Maximal marginal relevance: each pick is the most relevant candidate least like those already picked."""
    if k <= 0 or not len(relevance):
        return []
    between = cosine_similarity(vectors, vectors)
    chosen = [int(np.argmax(relevance))]
    while len(chosen) < k:
        redundancy = between[:, chosen].max(axis=1)
        score = lambda_mult * relevance - (1 - lambda_mult) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen


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


def _passage(candidate: _Candidate, similarity: float) -> Passage:
    meta = candidate.meta
    return Passage(
        text=candidate.text,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        section=meta.get("section", ""),
        chunk=int(meta.get("chunk", 0)),
        card=meta.get("card"),
        tags=list(meta.get("tags") or []),
        score=round(similarity, 4),
    )
