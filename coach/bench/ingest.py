"""Benchmark: ingest throughput, and how much of it is the embedding model.

For each corpus (the real `knowledge/` folder, then generated ones of 1,000 and 10,000 articles, see
`coach.bench.corpus`) three things run side by side, in one process, into fresh index directories:

* `ingest()` as `coach ingest` runs it, with the real local embedder: seconds, chunks/s, peak RSS;
* the bare embedder on exactly the chunk texts that ingest embedded: seconds, chunks/s;
* `ingest()` with a null embedder (hash-seeded random unit vectors, microseconds per chunk): what
  everything but the model costs (load, clean, split, count tokens, ids, Chroma upsert).

overhead ratio = ingest seconds / bare-embedder seconds (target <= 1.3). Corpora larger than
`model_max_articles` run with the null embedder only; their with-model time is estimated as the
null-embedder time plus chunks / the bare embedder's measured throughput, and marked "estimated".
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from unittest import mock

from coach.bench.common import PeakMemory, summarise
from coach.config import Settings


class NullEmbedder:
    """Deterministic unit vectors from a hash of the text: the cost of everything but the model."""

    def __init__(self, name: str, dimensions: int = 384) -> None:
        self.name = name
        self.dimensions = dimensions

    def embed(self, texts: list[str]) -> list[list[float]]:
        import hashlib

        import numpy as np

        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(self.dimensions).astype(np.float32)
            out.append((vector / np.linalg.norm(vector)).tolist())
        return out


def _settings(root: Path, tag: str) -> Settings:
    return Settings(data_dir=root / f"index-{tag}", collection="bench-ingest", chroma_host=None, embeddings="local")


def _ingest_once(paths: list[Path], root: Path, tag: str, embedder=None) -> tuple[float, object, dict]:
    from coach.knowledge.ingest import ingest

    settings = _settings(root, tag)
    patch = mock.patch("coach.knowledge.ingest.get_embedder", return_value=embedder) if embedder else contextlib.nullcontext()
    with patch, PeakMemory() as memory:
        started = time.perf_counter()
        report = ingest(paths, settings)
        seconds = time.perf_counter() - started
    _forget_client(settings)
    return seconds, report, memory.as_dict()


def _forget_client(settings: Settings) -> None:
    """Drop the cached Chroma client of a throw-away index so a long run does not hold them all."""
    from coach.knowledge import store

    with store._lock:
        store._clients.pop((str(settings.data_dir),), None)


def bench_corpus(name: str, paths: list[Path], articles: int, root: Path, repeats: int, with_model: bool,
                 throughput_hint: float | None = None) -> dict:  # fmt: skip
    from coach.bench.corpus import chunk_texts
    from coach.knowledge.embed import get_embedder

    embedder = get_embedder(_settings(root, "probe"))
    texts = chunk_texts(paths, _settings(root, "probe"))
    result: dict = {"corpus": name, "articles": articles, "chunks": len(texts), "repeats": repeats, "with_model": with_model}

    null_seconds, report = [], None
    for r in range(repeats):
        seconds, report, memory_null = _ingest_once(paths, root, f"{name}-null-{r}", NullEmbedder(embedder.name))
        null_seconds.append(seconds)
    result["tokens"] = report.tokens if report else None
    result["files"] = report.files if report else None
    result["without_model_s"] = summarise(null_seconds)
    result["without_model_chunks_per_s"] = round(len(texts) / result["without_model_s"]["p50"], 1)
    result["memory_without_model"] = memory_null

    if with_model:
        ingest_seconds, bare_seconds, ratios, memory = [], [], [], None
        for r in range(repeats):  # interleaved: ingest, then the bare model on the same chunks
            seconds, report, mem = _ingest_once(paths, root, f"{name}-{r}")
            memory = memory or mem
            ingest_seconds.append(seconds)
            started = time.perf_counter()
            embedder.embed(texts)
            bare_seconds.append(time.perf_counter() - started)
            ratios.append(ingest_seconds[-1] / bare_seconds[-1])
            if report.chunks != len(texts):
                raise RuntimeError(f"ingest made {report.chunks} chunks but the bench embedded {len(texts)}")
        result["ingest_s"] = summarise(ingest_seconds)
        result["chunks_per_s"] = round(len(texts) / result["ingest_s"]["p50"], 2)
        result["bare_embed_s"] = summarise(bare_seconds)
        result["bare_chunks_per_s"] = round(len(texts) / result["bare_embed_s"]["p50"], 2)
        result["overhead_ratio"] = summarise(ratios)
        result["memory"] = memory
        result["estimated"] = False
    elif throughput_hint:
        estimate = result["without_model_s"]["p50"] + len(texts) / throughput_hint
        result["ingest_s"] = {"p50": round(estimate, 3), "p95": None, "n": 0}
        result["chunks_per_s"] = round(len(texts) / estimate, 2)
        result["bare_embed_s"] = {"p50": round(len(texts) / throughput_hint, 3), "p95": None, "n": 0}
        result["bare_chunks_per_s"] = throughput_hint
        result["overhead_ratio"] = {"p50": round(estimate / (len(texts) / throughput_hint), 3), "p95": None, "n": 0}
        result["estimated"] = True
    return result


def run(work: Path, quick: bool = False, model_max_articles: int | None = None, log=print) -> dict:
    from coach.bench.corpus import generate, real_sources
    from coach.knowledge.embed import get_embedder

    settings = Settings()
    sizes = (50, 200) if quick else (1_000, 10_000)
    model_max = model_max_articles if model_max_articles is not None else (200 if quick else 1_000)
    repeats_real = 1 if quick else 3

    cold = cold_model_load()
    embedder = get_embedder(_settings(work, "probe"))
    embedder.embed(["warm up"])

    corpora = []
    log(f"ingest: knowledge/ x{repeats_real}")
    corpora.append(bench_corpus("knowledge/", [settings.knowledge_dir], _count_files([settings.knowledge_dir]),
                                work, repeats_real, with_model=True))  # fmt: skip
    throughput = corpora[-1]["bare_chunks_per_s"]
    sources = real_sources(settings.knowledge_dir)
    for size in sizes:
        folder = generate(size, work / f"corpus-{size}", sources)
        with_model = size <= model_max
        log(f"ingest: {size} generated articles ({'with the model' if with_model else 'null embedder; model time estimated'})")
        corpora.append(bench_corpus(f"generated {size:,}", [folder], size, work, 1, with_model, throughput))
        if with_model:
            throughput = corpora[-1]["bare_chunks_per_s"]

    return {
        "embedder": embedder.name,
        "batch": settings.ingest_batch,
        "chunk_tokens": settings.chunk_tokens,
        "cold_model_load": cold,
        "corpora": corpora,
        "target_overhead_ratio": 1.3,
        "notes": [
            "Generated corpora recombine paragraphs of knowledge/cards and shared/seeds (coach.bench.corpus): "
            "2-3 paragraphs of 110-170 words per article, about one chunk each, like a card.",
            f"Corpora above {model_max:,} articles run with a null embedder only; their with-model figures are "
            "estimated from the bare embedder's measured throughput (marked estimated).",
            "without_model = ingest() with a null embedder: loading, cleaning, splitting, token counting, ids "
            "and the Chroma upsert, i.e. the overhead the ratio measures.",
            "Peak memory is the process's resident high-water mark over the first ingest of each corpus "
            "(reset via /proc/self/clear_refs), including the loaded model.",
        ],
    }


# The peak comes from VmHWM: ru_maxrss would report the parent's peak, inherited across fork and exec.
_COLD_LOAD = """
import json, time
started = time.perf_counter()
from coach.config import Settings
from coach.knowledge.embed import get_embedder
embedder = get_embedder(Settings())
embedder.embed(["warm up"])
seconds = round(time.perf_counter() - started, 2)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "rss_peak_mib": round(hwm / 1024, 1), "runtime": embedder.runtime}))
"""


def cold_model_load() -> dict:
    """A fresh process: load the local embedder (ONNX Runtime unless configured otherwise) and embed one text."""
    import json
    import subprocess
    import sys

    from coach.bench.common import child_env

    done = subprocess.run([sys.executable, "-c", _COLD_LOAD], capture_output=True, text=True, timeout=300, env=child_env())
    if done.returncode != 0:
        return {"error": done.stderr[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _count_files(paths: list[Path]) -> int:
    from coach.knowledge.loader import discover

    return len(discover(paths))
