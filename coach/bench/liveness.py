"""Benchmark: /healthz and /readyz latency while heavy rewrites run on the same worker (goal p95 < 100 ms).

`coach serve` with one worker, local-only, rules engine; two clients post the slowest adversarial draft
(50,000 characters) back to back while a third polls the health endpoints every 50 ms.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from coach.bench.common import child_env, free_port, stop, summarise, venv_bin, wait_for_http

GOAL_MS = 100.0


def run(work: Path, heavy_draft: str, seconds: float = 6.0) -> dict:
    import subprocess

    port = free_port()
    log = work / "coach-serve-liveness.log"
    # Warm-up on, as `coach serve` runs by default: it loads the models and starts the index refresher that
    # keeps /readyz off Chroma.
    env = child_env(COACH_DATA_DIR=str(work / "liveness-index"), COACH_RATE_LIMIT="0", COACH_WARM_UP="true")
    with open(log, "w") as out:
        proc = subprocess.Popen([venv_bin("coach"), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/healthz", proc, timeout=180, log=log)
        warmed = time.monotonic() + 120  # the warm-up has loaded the models (this index is empty: never "ready")
        while time.monotonic() < warmed and not httpx.get(f"{url}/readyz", timeout=10).json()["checks"]["embedder"]["ok"]:
            time.sleep(0.2)
        stop_at = time.monotonic() + seconds
        heavy_ms: list[float] = []

        def heavy() -> None:
            with httpx.Client(timeout=120) as client:
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    client.post(f"{url}/v1/rewrite", json={"draft": heavy_draft, "context": {"customer_name": "Sam"}})
                    heavy_ms.append((time.perf_counter() - started) * 1000)

        workers = [threading.Thread(target=heavy, daemon=True) for _ in range(2)]
        for worker in workers:
            worker.start()
        time.sleep(0.5)  # both heavy requests are under way
        health: dict[str, list[float]] = {"/healthz": [], "/readyz": []}
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop_at:
                for path, samples in health.items():
                    started = time.perf_counter()
                    client.get(f"{url}{path}")
                    samples.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)
        for worker in workers:
            worker.join(timeout=120)
    finally:
        stop(proc)
    result = {path: summarise(samples, 1) for path, samples in health.items()}
    return {
        "goal_ms": GOAL_MS,
        "heavy_rewrite_ms": summarise(heavy_ms, 1),
        "healthz_ms": result["/healthz"],
        "readyz_ms": result["/readyz"],
        "met": all(r["p95"] is not None and r["p95"] < GOAL_MS for r in result.values()),
    }
