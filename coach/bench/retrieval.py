"""Benchmark: search latency as the index grows, embedded Chroma and a Chroma server on loopback.

Collections of 1k, 10k and 100k chunks are built once in one persistent directory: the real chunks
of knowledge/cards and shared/seeds, embedded by the real model, topped up with random unit vectors
(384 dimensions, like all-MiniLM-L6-v2) inserted straight into the collection, because embedding
100k chunks would take hours on a small CPU. Random vectors are a hard case for HNSW (no clusters),
so the figures are, if anything, pessimistic.

Two figures per size and mode, each a median and p95 over queries with real query texts:
* `query_ms`: `collection.query` for a precomputed query vector (what Chroma itself costs);
* `search_ms`: `coach.knowledge.search.search()` end to end: embed the query, query Chroma for
  k*4 candidates with their vectors, re-rank with MMR, cap per source.

The embedded client is measured first; then it is released and `chroma run` serves the same
directory on 127.0.0.1, and the same searches run through `chromadb.HttpClient`. A full run keeps
the built collections under .coach/bench-cache/ and later full runs reuse them (the bulk load of
100k vectors takes minutes); the results say whether the index came from the cache.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from coach.bench.common import child_env, free_port, stop, summarise, venv_bin, wait_for_http
from coach.config import Settings

QUERIES = [
    "customer is furious their parcel is late again",
    "how to say no to a refund without sounding cold",
    "agent called the customer mate and used lol",
    "elderly customer prefers a phone call",
    "do not blame the courier or the customer",
    "reference the previous complaint about the order",
    "customer shared that they just had a baby",
    "keep the order number and the amount exactly",
    "too much jargon and company policy in the reply",
    "a loyal customer of ten years is unhappy",
]
DIM = 384
K = 5
CACHE_VERSION = "v2"  # bump when the way collections are built changes (v2: card phrasings, worded filler)


def _settings(path: Path, size: int, host: str | None = None, port: int = 8000) -> Settings:
    return Settings(data_dir=path, collection=f"bench-{size}", chroma_host=host, chroma_port=port, embeddings="local")


def _real_chunks(settings: Settings) -> tuple[list[str], list[str], list[dict], list[list[float]]]:
    """The real index entries (cards with their phrasings, and seeds), embedded once: ids, documents,
    metadatas, vectors."""
    from coach.bench.corpus import real_sources
    from coach.knowledge.embed import get_embedder
    from coach.knowledge.ingest import index_entries
    from coach.knowledge.loader import discover, load_document

    entries = [e for path in discover(real_sources(settings.knowledge_dir)) for e in index_entries(load_document(path), settings)[0]]
    return (
        [e.id for e in entries],
        [e.document for e in entries],
        [e.metadata for e in entries],
        get_embedder(settings).embed([e.embed for e in entries]),
    )


def _build(path: Path, sizes: list[int], log) -> dict[int, float]:
    """One collection per size; returns vectors inserted per second for each."""
    import numpy as np

    from coach.knowledge.embed import get_embedder
    from coach.knowledge.store import mark_revision, open_collection

    base = _settings(path, 0)
    ids, docs, metas, vectors = _real_chunks(base)
    name = get_embedder(base).name
    rng = np.random.default_rng(11)
    # Filler text is drawn from the real chunks' words, so BM25 sees posting lists of a realistic shape.
    words = sorted({w for doc in docs for w in doc.lower().split() if w.isalpha()})
    rates: dict[int, float] = {}
    for size in sizes:
        collection = open_collection(_settings(path, size), name, create=True)
        batch = 5000
        started = time.perf_counter()
        collection.add(ids=ids, embeddings=vectors, documents=docs, metadatas=metas)
        for start in range(len(ids), size, batch):
            count = min(batch, size - start)
            block = rng.standard_normal((count, DIM)).astype(np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            collection.add(
                ids=[f"filler-{start + i}" for i in range(count)],
                embeddings=block,
                documents=[" ".join(rng.choice(words, 120)) for _ in range(count)],
                metadatas=[{"source": f"filler/{(start + i) // 10}.md", "title": "filler", "section": "", "chunk": i % 10}
                           for i in range(count)],  # fmt: skip
            )
        rates[size] = round(size / (time.perf_counter() - started), 1)
        mark_revision(collection, f"bench-{size}")  # as `coach ingest` stamps it: the lexical side keys on it
        log(f"retrieval: built {size:,} chunks ({rates[size]:,.0f} vectors/s)")
    return rates


def _index(work: Path, sizes: list[int], quick: bool, log) -> tuple[Path, dict, bool]:
    """The collections to search: built in the scratch folder for a quick run; for a full run built once
    and kept under .coach/bench-cache/ (bulk-loading 100k vectors takes minutes on a small CPU), reused by
    later runs. Returns (path, insert rates from the build that made it, whether it came from the cache)."""
    import json
    import shutil

    from coach.config import PROJECT_ROOT

    if quick:
        path = work / "retrieval-index"
        return path, _build(path, sizes, log), False
    cache = PROJECT_ROOT / ".coach" / "bench-cache" / f"retrieval-{CACHE_VERSION}-{'-'.join(map(str, sizes))}"
    manifest = cache / "bench-manifest.json"
    if manifest.is_file():
        log(f"retrieval: reusing the index built earlier in {cache} (delete it to rebuild)")
        return cache, json.loads(manifest.read_text())["insert_vectors_per_s"], True
    building = work / "retrieval-index"
    rates = _build(building, sizes, log)
    _release(building)
    shutil.rmtree(cache, ignore_errors=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(building, cache)
    manifest.write_text(json.dumps({"insert_vectors_per_s": rates, "sizes": sizes}))
    return cache, rates, False


def _measure(settings: Settings, query_vectors: list[list[float]], repeats: int) -> dict:
    from coach.knowledge.embed import get_embedder
    from coach.knowledge.search import FETCH_FACTOR, PHRASINGS_FACTOR, search
    from coach.knowledge.store import mark_revision, open_collection

    collection = open_collection(settings, get_embedder(settings).name)
    if not (collection.metadata or {}).get("revision"):  # an index cached before _build stamped it
        mark_revision(collection, settings.collection)
    count = collection.count()
    fetch = max(K * FETCH_FACTOR, 20) * PHRASINGS_FACTOR

    def query(vector):
        collection.query(query_embeddings=[vector], n_results=fetch, include=["documents", "metadatas", "distances", "embeddings"])

    for vector in query_vectors[:2]:
        query(vector)  # warm-up: the first query loads the segment from disk
    started = time.perf_counter()
    search(QUERIES[0], k=K, settings=settings, retriever="lexical")  # builds this process's BM25 index
    lexical_build_ms = round((time.perf_counter() - started) * 1000, 1)
    started = time.perf_counter()
    search(QUERIES[0], k=K, settings=settings)  # the first hybrid search fits this process's card head
    head_fit_ms = round((time.perf_counter() - started) * 1000, 1)
    timings: dict[str, list[float]] = {"query_ms": [], "search_ms": [], "dense_ms": [], "lexical_ms": []}
    for r in range(repeats):
        for text, vector in zip(QUERIES, query_vectors):
            started = time.perf_counter()
            query(vector)
            timings["query_ms"].append((time.perf_counter() - started) * 1000)
            for key, retriever in (("search_ms", "hybrid"), ("dense_ms", "dense"), ("lexical_ms", "lexical")):
                started = time.perf_counter()
                hits = search(text, k=K, settings=settings, retriever=retriever)
                timings[key].append((time.perf_counter() - started) * 1000)
                assert hits, f"{retriever} search returned nothing"
    return {"chunks": count, "lexical_build_ms": lexical_build_ms, "head_fit_ms": head_fit_ms, **{key: summarise(v) for key, v in timings.items()}}


def _release(path: Path) -> None:
    """Close the embedded client so a server can own the directory."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from coach.knowledge import store

    with store._lock:
        store._clients.pop((str(path),), None)
    SharedSystemClient.clear_system_cache()


def run(work: Path, quick: bool = False, server: bool = True, log=print) -> dict:
    from coach.knowledge.embed import get_embedder

    sizes = [1_000, 5_000] if quick else [1_000, 10_000, 100_000]
    repeats = 2 if quick else 5
    path, rates, cached = _index(work, sizes, quick, log)
    query_vectors = get_embedder(_settings(path, 0)).embed(QUERIES)

    embedded = []
    for size in sizes:
        embedded.append({"size": size, **_measure(_settings(path, size), query_vectors, repeats)})
        log(f"retrieval: embedded {size:,}: search p50 {embedded[-1]['search_ms']['p50']} ms")
    _release(path)

    served: list[dict] = []
    server_info: dict = {"ran": False}
    if server:
        port = free_port()
        log_file = work / "chroma-server.log"
        with open(log_file, "w") as out:
            proc = subprocess.Popen(
                [venv_bin("chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                stdout=out, stderr=subprocess.STDOUT, env=child_env(),
            )  # fmt: skip
            try:
                started = wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, log=log_file)
                server_info = {"ran": True, "start_s": started, "address": f"127.0.0.1:{port}"}
                for size in sizes:
                    served.append({"size": size, **_measure(_settings(path, size, "127.0.0.1", port), query_vectors, repeats)})
                    log(f"retrieval: server {size:,}: search p50 {served[-1]['search_ms']['p50']} ms")
            finally:
                stop(proc)
                from chromadb.api.shared_system_client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
    return {
        "sizes": sizes,
        "k": K,
        "queries": len(QUERIES),
        "repeats": repeats,
        "index_cached": cached,
        "index_path": str(path) if cached else None,
        "insert_vectors_per_s": {str(k): v for k, v in rates.items()},
        "embedded": embedded,
        "server": served,
        "server_info": server_info,
        "notes": [
            "Collections hold the real index entries (cards with their phrasings, and seeds; real embeddings) "
            "plus random unit vectors inserted directly (no embedding) up to the size, whose documents are "
            "120 words drawn from the real chunks' vocabulary, so BM25 has realistic posting lists.",
            "query_ms: collection.query for a precomputed vector, the dense side's candidates with embeddings; "
            "search_ms: coach.knowledge.search.search() end to end with the default hybrid retriever (embed the "
            "query on the CPU, dense and BM25 candidates, rank fusion, MMR); dense_ms and lexical_ms: each side "
            "alone; lexical_build_ms: the first search in a process, which builds its BM25 index; head_fit_ms: the "
            "first hybrid search, which fits the card head on the phrasings' vectors.",
            "The server is `chroma run` on 127.0.0.1 serving the same directory, reached with chromadb.HttpClient.",
        ],
    }
