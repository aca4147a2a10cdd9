"""Benchmark: adversarial drafts at 50,000 characters (the API's limit), through analysis and the rules
rewrite, on one core. Target: every one under 1 s (issue 22 measured minutes for some before the fix).
Then liveness: /healthz and /readyz latency while the slowest pattern is rewritten on the same worker.

Each pattern (coach.bench.adversarial) is timed as the draft, and as the customer's message and the history
beside a short draft; the figure is the median of a few runs with the per-text caches cleared before each.
"""

from __future__ import annotations

import statistics
import time

from coach.bench.adversarial import GENERATORS
from coach.bench.common import one_core

LENGTH = 50_000
TARGET_S = 1.0
SHORT_DRAFT = "hey mate your order #48213 is late again lol, nothing i can do. ill refund £5 tomorrow"
# What the security probe measured through POST /v1/rewrite before the fix (issue 22), by pattern.
BEFORE_S = {
    "one long token": 165.0,
    "prefixed ids": 140.0,
    "iso date fragments": 38.0,
    "thousands separators": 23.0,
    "commitment phrases": 19.0,
}


def _median_s(work, repeats: int) -> float:
    from coach.analysis import clear_caches

    samples = []
    for _ in range(repeats):
        clear_caches()
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples), 4)


def run(work_dir, quick: bool = False, log=print) -> dict:
    from coach.analysis import analyse
    from coach.config import Settings
    from coach.pipeline import rewrite
    from coach.schemas import Context, PastInteraction, RewriteRequest

    settings = Settings(data_dir=work_dir / "worst-case-index", model=None)
    repeats = 1 if quick else 3
    rows = []
    with one_core() as cpu:
        rewrite(RewriteRequest(draft=SHORT_DRAFT, context=Context(customer_name="Sam")), settings=settings)  # warm-up
        for name, generate in GENERATORS.items():
            text = generate(LENGTH)
            notes = [PastInteraction(note=text[i : i + 2000]) for i in range(0, len(text), 2000)]
            as_draft = RewriteRequest(draft=text, context=Context(customer_name="Sam"))
            as_message = RewriteRequest(draft=SHORT_DRAFT, context=Context(customer_name="Sam", customer_message=text[:20_000]))
            as_history = RewriteRequest(draft=SHORT_DRAFT, context=Context(customer_name="Sam", history=notes))
            row = {
                "pattern": name,
                "chars": len(text),
                "analyse_s": _median_s(lambda: analyse(text), repeats),
                "rewrite_s": _median_s(lambda: rewrite(as_draft, settings=settings), repeats),
                "message_rewrite_s": _median_s(lambda: rewrite(as_message, settings=settings), repeats),
                "history_rewrite_s": _median_s(lambda: rewrite(as_history, settings=settings), repeats),
                "before_s": BEFORE_S.get(name),
            }
            row["worst_s"] = max(row["analyse_s"], row["rewrite_s"], row["message_rewrite_s"], row["history_rewrite_s"])
            row["met"] = row["worst_s"] < TARGET_S
            rows.append(row)
            log(f"bench: worst case {name}: analyse {row['analyse_s']} s, rewrite {row['rewrite_s']} s")
    from coach.bench import liveness

    slowest = max(rows, key=lambda r: r["rewrite_s"])["pattern"]
    live = liveness.run(work_dir, GENERATORS[slowest](LENGTH), seconds=3.0 if quick else 6.0)
    live["pattern"] = slowest
    log(f"bench: /healthz during heavy rewrites p95 {live['healthz_ms']['p95']} ms, /readyz p95 {live['readyz_ms']['p95']} ms")
    return {
        "cpu_pinned": cpu,
        "liveness": live,
        "target_s": TARGET_S,
        "length": LENGTH,
        "patterns": rows,
        "passed": all(r["met"] for r in rows),
        "notes": [
            f"Each pattern at {LENGTH:,} characters as the draft (analysis alone, and the whole rules rewrite); as the "
            "customer's message (its 20,000-character limit) and as the history (2,000-character notes) beside a short draft.",
            f"Median of {repeats} run(s), caches cleared before each, one core. 'before' is what issue 22's probe "
            "measured through POST /v1/rewrite for the same pattern.",
        ],
    }
