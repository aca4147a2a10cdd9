"""Benchmark: the HTTP API under load on loopback. Requests per second, p50/p95 latency, errors.

`coach serve` runs as a child process with 1 and then 2 uvicorn workers, in local-only mode (no keys,
loopback), with the rate limit off and an index of knowledge/ (the cards). The LLM it is configured
with is the scripted OpenAI stub (`python -m coach.testing.openai_stub`) in another child process,
answering every chat request after a fixed latency with a clean rewrite that passes verification.

Per worker count, endpoint and concurrency (1, 8, 32 clients), closed-loop httpx async clients
send the same typical request back to back for a fixed time after a warm-up:

* `analyze`: POST /v1/analyze;
* `rewrite-rules`: POST /v1/rewrite with `"engine": "rules"`;
* `rewrite-llm`: POST /v1/rewrite with `"engine": "llm"`: guidance search (local embedder) + the stub.

An error is a transport failure or any status but 200; a rewrite-llm answer that fell back to the rules
engine is counted separately as a fallback. The load generator shares the machine's cores with the
server, so on a small machine the figures are a floor.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from pathlib import Path

from coach.bench.common import child_env, free_port, stop, summarise, venv_bin, wait_for_http

STUB_MODEL = "gpt-4o-mini"


def start_stub(work: Path, latency: float) -> tuple[subprocess.Popen, str, Path]:
    import sys

    from coach.bench.samples import TYPICAL_ANSWER, answer_json

    replies = work / "stub-replies.json"
    replies.write_text(json.dumps({"replies": [], "default": answer_json(TYPICAL_ANSWER)}), encoding="utf-8")
    port = free_port()
    log = work / "openai-stub.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coach.testing.openai_stub", "--port", str(port), "--latency", str(latency),
             "--reply-file", str(replies), "--no-record"],
            stdout=out, stderr=subprocess.STDOUT, env=child_env(),
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    wait_for_http(f"{base}/models", proc, timeout=60, log=log)
    return proc, base, log


def start_server(work: Path, index: Path, collection: str, stub_base: str, workers: int) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = work / f"coach-serve-{workers}.log"
    env = child_env(
        COACH_DATA_DIR=str(index), COACH_COLLECTION=collection, COACH_RATE_LIMIT="0",
        COACH_MODEL=STUB_MODEL, OPENAI_BASE_URL=stub_base, OPENAI_API_KEY="bench", COACH_MODEL_RETRIES="0",
    )  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [venv_bin("coach"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/readyz", proc, timeout=180, log=log)
    return proc, url, log


async def _load(
    url: str, path: str, body: dict | None, concurrency: int, seconds: float, warmup: int, expect_engine: str | None,
    headers: dict | None = None,
) -> dict:
    """Closed-loop load: POST `body`, or GET when there is none."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    fallbacks = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits, headers=headers) as client:

        async def one(record: bool) -> None:
            nonlocal fallbacks
            started = time.perf_counter()
            try:
                response = await (client.post(path, json=body) if body is not None else client.get(path))
            except httpx.HTTPError as exc:
                if record:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            elapsed = (time.perf_counter() - started) * 1000
            if not record:
                return
            if response.status_code != 200:
                errors[f"HTTP {response.status_code}"] = errors.get(f"HTTP {response.status_code}", 0) + 1
                return
            latencies.append(elapsed)
            if expect_engine and response.json().get("engine") != expect_engine:
                fallbacks += 1

        await asyncio.gather(*(one(False) for _ in range(warmup)))
        deadline = time.perf_counter() + seconds

        async def client_loop() -> None:
            while time.perf_counter() < deadline:
                await one(True)

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    total = len(latencies) + sum(errors.values())
    return {
        "requests": total,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "fallbacks": fallbacks,
        "rps": round(len(latencies) / elapsed, 1),
        "latency_ms": summarise(latencies, 1),
    }


BENCH_KEY = "bench-key-0123456789abcdef"


def limiter_overhead(work: Path, index: Path, collection: str, concurrency_list: list[int], seconds: float, log) -> dict:
    """One worker with an API key and a limit no client reaches, the buckets in memory and then in a Redis
    on loopback: what the shared limit adds to a request. The endpoint is the cheapest authenticated one
    (GET /v1/guidance/cards), so the limiter's cost is not lost in the work."""
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        return {"ran": False, "why": "no redis-server on this machine"}
    port = free_port()
    redis_proc = subprocess.Popen(
        [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    rows = []
    try:
        for store, extra in (("memory", {}), ("redis", {"COACH_REDIS_URL": f"redis://127.0.0.1:{port}/0"})):
            server_port = free_port()
            log_path = work / f"coach-serve-limiter-{store}.log"
            env = child_env(COACH_DATA_DIR=str(index), COACH_COLLECTION=collection, COACH_RATE_LIMIT="100000000",
                            COACH_API_KEYS=BENCH_KEY, **extra)  # fmt: skip
            with open(log_path, "w") as out:
                server = subprocess.Popen(
                    [venv_bin("coach"), "serve", "--port", str(server_port), "--log-level", "warning"],
                    stdout=out, stderr=subprocess.STDOUT, env=env,
                )  # fmt: skip
            url = f"http://127.0.0.1:{server_port}"
            try:
                wait_for_http(f"{url}/healthz", server, timeout=180, log=log_path)
                for concurrency in concurrency_list:
                    cell = asyncio.run(_load(url, "/v1/guidance/cards", None, concurrency, seconds, max(4, concurrency),
                                             None, headers={"Authorization": f"Bearer {BENCH_KEY}"}))  # fmt: skip
                    rows.append({"store": store, "concurrency": concurrency, **cell})
                    log(f"http: limiter in {store} x{concurrency}: p50 {cell['latency_ms']['p50']} ms, "
                        f"p95 {cell['latency_ms']['p95']} ms, {cell['errors']} errors")  # fmt: skip
            finally:
                stop(server)
    finally:
        stop(redis_proc)
    added = []
    for concurrency in concurrency_list:
        memory, redis = (next(r for r in rows if r["store"] == s and r["concurrency"] == concurrency) for s in ("memory", "redis"))
        added.append({
            "concurrency": concurrency,
            **{f"added_{q}_ms": round(redis["latency_ms"][q] - memory["latency_ms"][q], 2) for q in ("p50", "p95")},
        })  # fmt: skip
    return {"ran": True, "endpoint": "GET /v1/guidance/cards", "rows": rows, "added": added}


def run(work: Path, index_settings, quick: bool = False, log=print) -> dict:
    from coach.bench.samples import request_body

    workers_list = [1] if quick else [1, 2]
    concurrency_list = [1, 8] if quick else [1, 8, 32]
    seconds = 1.0 if quick else 4.0
    latency = 0.05
    index = work / "http-index"
    if not index.exists():
        shutil.copytree(index_settings.data_dir, index)

    body_analyze = {k: v for k, v in request_body("typical", "auto").items() if k in ("draft", "context")}
    endpoints = {
        "analyze": ("/v1/analyze", body_analyze, None),
        "rewrite-rules": ("/v1/rewrite", request_body("typical", "rules"), "rules"),
        "rewrite-llm": ("/v1/rewrite", request_body("typical", "llm"), f"llm:{STUB_MODEL}"),
    }
    stub, stub_base, _ = start_stub(work, latency)
    rows: list[dict] = []
    starts: dict[str, float] = {}
    try:
        for workers in workers_list:
            started = time.perf_counter()
            server, url, server_log = start_server(work, index, index_settings.collection, stub_base, workers)
            starts[str(workers)] = round(time.perf_counter() - started, 1)
            try:
                for name, (path, body, engine) in endpoints.items():
                    for concurrency in concurrency_list:
                        cell = asyncio.run(_load(url, path, body, concurrency, seconds, max(4, concurrency), engine))
                        rows.append({"workers": workers, "endpoint": name, "concurrency": concurrency, **cell})
                        log(f"http: {workers} worker(s) {name} x{concurrency}: {cell['rps']} req/s, "
                            f"p95 {cell['latency_ms']['p95']} ms, {cell['errors']} errors")  # fmt: skip
            finally:
                stop(server)
    finally:
        stop(stub)
    limiter = limiter_overhead(work, index, index_settings.collection, concurrency_list[:2], seconds, log)
    return {
        "limiter": limiter,
        "workers": workers_list,
        "concurrency": concurrency_list,
        "seconds_per_cell": seconds,
        "stub_latency_s": latency,
        "server_start_s": starts,
        "draft_words": len(endpoints["analyze"][1]["draft"].split()),
        "cells": rows,
        "total_errors": sum(r["errors"] for r in rows),
        "total_fallbacks": sum(r["fallbacks"] for r in rows),
        "notes": [
            "Closed loop: each client sends its next request when the last one answered; the client runs on "
            "the same cores as the server.",
            f"The LLM is the OpenAI stub answering after {latency * 1000:.0f} ms; rewrite-llm also embeds a query "
            "for the guidance search on the CPU in the server.",
            "Local-only mode (no API keys), COACH_RATE_LIMIT=0.",
        ],
    }
