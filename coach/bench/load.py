"""Load test: find the concurrency where p95 latency doubles, then hold it and watch errors and memory.

`coach serve` runs as a child process (2 uvicorn workers; 1 in a quick run) in local-only mode with the
rate limit off, an index of knowledge/, and the scripted OpenAI stub as its LLM. Closed-loop httpx
clients send a mixed stream of requests, the drafts taken from the eval cases:

* POST /v1/analyze and POST /v1/rewrite with the rules engine, every eval case's draft and context;
* POST /v1/rewrite with the LLM (the stub, after a fixed latency) on the typical draft;
* bad requests that must come back 422: an empty draft and a body that is not JSON.

The ramp doubles the clients (1, 2, 4, ...) for a few seconds each until p95 reaches twice the
one-client p95 (the knee). The hold then runs at the knee for a fixed time, sampling the resident
memory of the server's whole process tree every second. It passes with zero 5xx responses, zero
transport errors, no status other than the one expected, no traceback in the server log, and memory
that ends where it started (within max(16 MiB, 2 %)).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from coach.bench.common import stop, summarise
from coach.bench.http_api import STUB_MODEL, start_server, start_stub

FLAT_MIB = 16.0
FLAT_FRACTION = 0.02


@dataclass(frozen=True)
class Call:
    kind: str
    path: str
    body: bytes
    expect: int


@dataclass(frozen=True)
class Outcome:
    kind: str
    at: float  # seconds since the phase began, when the answer arrived
    ms: float
    status: int | None  # None: a transport error
    expected: bool
    fallback: bool = False


def request_mix(seed: int = 7) -> list[Call]:
    """The shuffled stream the clients cycle through."""
    from coach.bench.samples import request_body
    from coach.evals.cases import load_cases

    calls: list[Call] = []
    for case in load_cases():
        context = case.context.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        analyse = {"draft": case.draft, "context": context}
        calls.append(Call("analyze", "/v1/analyze", json.dumps(analyse).encode(), 200))
        calls.append(Call("rewrite-rules", "/v1/rewrite", json.dumps({**analyse, "engine": "rules"}).encode(), 200))
    llm = json.dumps(request_body("typical", "llm")).encode()
    calls += [Call("rewrite-llm", "/v1/rewrite", llm, 200)] * (len(calls) // 4)
    random.Random(seed).shuffle(calls)
    bad = [Call("bad-empty", "/v1/rewrite", b'{"draft": "   "}', 422), Call("bad-json", "/v1/analyze", b'{"draft": ', 422)]
    bad *= max(1, len(calls) // 40)
    # Bad requests are spread evenly from the stream's start, not shuffled in: every phase begins at the
    # stream's head, and a short one must still meet every kind.
    stride = len(calls) // len(bad) + 1
    for i, call in enumerate(bad):
        calls.insert(i * stride, call)
    return calls


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (uvicorn's workers), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier += children
    total_kib = 0
    for member in tree:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return round(total_kib / 1024, 1)


async def drive(url: str, calls: list[Call], clients: int, seconds: float, llm_engine: str) -> list[Outcome]:
    """`clients` closed-loop clients take the next call from the shared stream until time is up."""
    import httpx

    stream = itertools.cycle(calls)
    outcomes: list[Outcome] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits, headers=headers) as client:
        began = time.perf_counter()
        deadline = began + seconds

        async def client_loop() -> None:
            while time.perf_counter() < deadline:
                call = next(stream)
                sent = time.perf_counter()
                try:
                    response = await client.post(call.path, content=call.body)
                except httpx.HTTPError:
                    outcomes.append(Outcome(call.kind, time.perf_counter() - began, 0.0, None, False))
                    continue
                done = time.perf_counter()
                fallback = call.kind == "rewrite-llm" and response.status_code == 200 and response.json().get("engine") != llm_engine
                outcomes.append(Outcome(call.kind, done - began, (done - sent) * 1000, response.status_code,
                                        response.status_code == call.expect, fallback))  # fmt: skip

        await asyncio.gather(*(client_loop() for _ in range(clients)))
    return outcomes


def describe(outcomes: list[Outcome], seconds: float) -> dict:
    served = [o.ms for o in outcomes if o.status is not None and o.expected]
    return {
        "requests": len(outcomes),
        "rps": round(len(outcomes) / seconds, 1),
        "latency_ms": summarise(served, 1),
        "status_5xx": sum(1 for o in outcomes if o.status is not None and o.status >= 500),
        "transport_errors": sum(1 for o in outcomes if o.status is None),
        "unexpected_status": sum(1 for o in outcomes if o.status is not None and not o.expected),
        "llm_fallbacks": sum(1 for o in outcomes if o.fallback),
        "by_kind": {kind: sum(1 for o in outcomes if o.kind == kind) for kind in sorted({o.kind for o in outcomes})},
    }


async def _hold(url: str, calls: list[Call], clients: int, seconds: float, llm_engine: str, pid: int, every: float):
    samples: list[tuple[float, float]] = []
    began = time.perf_counter()

    async def sample() -> None:
        while time.perf_counter() - began < seconds:
            samples.append((round(time.perf_counter() - began, 1), tree_rss_mib(pid)))
            await asyncio.sleep(every)
        samples.append((round(time.perf_counter() - began, 1), tree_rss_mib(pid)))

    outcomes, _ = await asyncio.gather(drive(url, calls, clients, seconds, llm_engine), sample())
    return outcomes, samples


def memory_verdict(samples: list[tuple[float, float]]) -> dict:
    """Start and end memory as medians of the first and last tenth of the samples, and the fitted slope."""
    rss = [mib for _, mib in samples]
    edge = max(3, len(rss) // 10)
    start, end = statistics.median(rss[:edge]), statistics.median(rss[-edge:])
    times = [t for t, _ in samples]
    slope = statistics.linear_regression(times, rss).slope * 60 if len(set(times)) > 1 else 0.0
    allowed = max(FLAT_MIB, FLAT_FRACTION * start)
    return {
        "rss_start_mib": round(start, 1),
        "rss_end_mib": round(end, 1),
        "rss_max_mib": max(rss),
        "growth_mib": round(end - start, 1),
        "slope_mib_per_min": round(slope, 2),
        "allowed_growth_mib": round(allowed, 1),
        "flat": end - start <= allowed,
    }


def windows(outcomes: list[Outcome], seconds: float, width: float) -> list[dict]:
    """The hold cut into windows of `width` seconds (answers that came after the deadline go in the last)."""
    rows = []
    count = max(1, math.ceil(seconds / width))
    for i in range(count):
        lo = i * width
        part = [o for o in outcomes if lo <= o.at < lo + width or (i == count - 1 and o.at >= lo)]
        if part:
            rows.append({"from_s": lo, **{k: v for k, v in describe(part, min(width, seconds - lo)).items() if k != "by_kind"}})
    return rows


def run(work: Path, index_settings, quick: bool = False, log=print) -> dict:
    levels = [1, 2, 4] if quick else [1, 2, 4, 8, 16, 32, 64]
    step_s, hold_s, every = (1.5, 6.0, 0.5) if quick else (6.0, 120.0, 1.0)
    workers = 1 if quick else 2
    index = work / "load-index"
    if not index.exists():
        shutil.copytree(index_settings.data_dir, index)
    calls = request_mix()
    llm_engine = f"llm:{STUB_MODEL}"
    stub, stub_base, _ = start_stub(work, 0.05)
    try:
        server, url, server_log = start_server(work, index, index_settings.collection, stub_base, workers)
        try:
            asyncio.run(drive(url, calls, 2, 2.0 if quick else 5.0, llm_engine))  # warm-up, not recorded
            rss_after_warmup = tree_rss_mib(server.pid)
            ramp: list[dict] = []
            knee = None
            for clients in levels:
                row = {"clients": clients, **describe(asyncio.run(drive(url, calls, clients, step_s, llm_engine)), step_s)}
                ramp.append(row)
                log(f"load: ramp {clients} client(s): {row['rps']} req/s, p95 {row['latency_ms']['p95']} ms")
                if row["latency_ms"]["p95"] >= 2 * ramp[0]["latency_ms"]["p95"]:
                    knee = clients
                    break
            hold_clients = knee or levels[-1]
            outcomes, samples = asyncio.run(_hold(url, calls, hold_clients, hold_s, llm_engine, server.pid, every))
            hold = describe(outcomes, hold_s)
            memory = memory_verdict(samples)
            log(f"load: held {hold_clients} clients for {hold_s:.0f} s: {hold['requests']} requests, "
                f"{hold['status_5xx']} 5xx, RSS {memory['rss_start_mib']} -> {memory['rss_end_mib']} MiB")  # fmt: skip
        finally:
            stop(server)
        tracebacks = server_log.read_text(errors="replace").count("Traceback")
    finally:
        stop(stub)
    every_phase = [*ramp, hold]
    failures = {
        "status_5xx": sum(r["status_5xx"] for r in every_phase),
        "transport_errors": sum(r["transport_errors"] for r in every_phase),
        "unexpected_status": sum(r["unexpected_status"] for r in every_phase),
        "server_tracebacks": tracebacks,
    }
    return {
        "workers": workers,
        "levels": levels,
        "step_s": step_s,
        "hold_s": hold_s,
        "stream": {"calls": len(calls), "by_kind": {k: sum(1 for c in calls if c.kind == k) for k in sorted({c.kind for c in calls})}},
        "rss_after_warmup_mib": rss_after_warmup,
        "ramp": ramp,
        "knee_clients": knee,
        "hold_clients": hold_clients,
        "hold": hold,
        "hold_windows": windows(outcomes, hold_s, 2.0 if quick else 10.0),
        "memory": memory,
        "memory_samples": samples,
        "failures": failures,
        "passed": not any(failures.values()) and memory["flat"],
        "notes": [
            "The knee is the first client count whose p95 is at least twice the one-client p95; without one, the hold "
            "runs at the last level.",
            "Memory is the resident set of the server's whole process tree (the uvicorn parent and its workers), "
            "sampled during the hold.",
            "The load generator runs on the same cores as the server, so throughput is a floor.",
        ],
    }
