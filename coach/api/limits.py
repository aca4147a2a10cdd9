"""Request-size limit (413) and per-caller rate limit (429 with Retry-After).

The rate limiter is a token bucket per caller. In memory by default: with several workers each keeps
its own buckets, so the limit is per worker. With `COACH_REDIS_URL` the buckets live in Redis and every
worker and replica shares them (`coach.api.shared_limits`). `make_limiter` picks one.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.errors import ApiError
from coach.api.logs import request_id_var


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body without Content-Length passes the limit (FastAPI lets HTTPException through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"request body is larger than the limit of {limit} bytes (COACH_MAX_REQUEST_BYTES)"


class BodyLimit:
    """ASGI middleware: 413 for a declared Content-Length over the limit, or a streamed body that grows past it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": "too_large", "message": too_large_message(self.max_bytes), "request_id": request_id_var.get()}
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RateLimiter:
    """`per_minute` requests per caller per minute, with bursts up to the same number; 0 turns it off."""

    MAX_CALLERS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, last refill)
        self._lock = threading.Lock()

    def blocked(self, caller: str) -> int | None:
        """Seconds until `caller` may try again when its bucket is empty now (nothing is consumed); else None."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(caller, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
        return None if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))

    def check(self, caller: str, what: str = "requests") -> None:
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._buckets) > self.MAX_CALLERS:
                self._buckets.clear()  # bounded memory; at worst a burst is forgiven
            tokens, last = self._buckets.get(caller, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[caller] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
                raise ApiError(
                    429,
                    f"rate limit of {self.per_minute} {what} per minute reached; retry in {wait} s",
                    {"Retry-After": str(wait)},
                )
            self._buckets[caller] = (tokens - 1.0, now)

    def status(self) -> tuple[bool, str]:
        return True, "rate limits in memory, per worker"


def make_limiter(per_minute: int, redis_url: str | None, name: str):
    """A limiter in Redis when a URL is given (shared by every process), else in this process's memory."""
    if redis_url:
        from coach.api.shared_limits import RedisRateLimiter

        return RedisRateLimiter(per_minute, redis_url, prefix=f"coach:{name}:")
    return RateLimiter(per_minute)
