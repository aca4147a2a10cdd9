"""Prometheus metrics: requests, latency, rewrites by engine, fallbacks, model tokens.

Each app gets its own registry (tests run several apps in one process). `coach serve --workers N` turns on
Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, a fresh directory per run), so /metrics adds up
every worker's numbers.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from coach.schemas import RewriteResult

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "coach_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "coach_http_request_duration_seconds", "Time to answer, to the last byte.", ["method", "route"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.rewrites = Counter("coach_rewrites", "Rewrites served, by the engine that produced them.", ["engine"], registry=r)
        self.fallbacks = Counter("coach_fallbacks", "Rewrites where the rules engine stood in for the LLM.", ["reason"], registry=r)
        self.tokens = Counter("coach_model_tokens", "Tokens sent to and received from the model.", ["kind"], registry=r)
        self.rate_limited = Counter("coach_rate_limited", "Requests refused with 429.", registry=r)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_rewrite(self, result: RewriteResult) -> None:
        self.rewrites.labels("rules" if result.engine == "rules" else "llm").inc()
        if result.fallback:
            self.fallbacks.labels(fallback_kind(result.fallback)).inc()
        if result.usage.prompt_tokens:
            self.tokens.labels("prompt").inc(result.usage.prompt_tokens)
        if result.usage.completion_tokens:
            self.tokens.labels("completion").inc(result.usage.completion_tokens)

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def fallback_kind(reason: str) -> str:
    """A few fixed labels for the free-text fallback reason, so the label set stays small."""
    text = reason.lower()
    for needle, kind in (
        ("timed out", "timeout"), ("unreachable", "unreachable"), ("http", "http_error"),
        ("no llm is configured", "not_configured"), ("verification", "verification"),
        ("malformed", "bad_answer"), ("empty answer", "bad_answer"),
    ):  # fmt: skip
        if needle in text:
            return kind
    return "other"
