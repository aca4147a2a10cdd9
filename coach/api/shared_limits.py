"""Rate limits shared by every worker and replica: token buckets in Redis, refilled and spent atomically.

One Lua script reads a bucket, refills it by the time passed on Redis's own clock (so replicas with
skewed clocks agree), and spends a token, in one step no other client can interleave with. If Redis
cannot be reached the limiter lets the request through (fail open), logs it at most once a minute, and
`status()` says so for /readyz: the agent is never blocked by the limiter's own outage.
"""

from __future__ import annotations

import logging
import math
import threading
import time

import redis

from coach.api.errors import ApiError

log = logging.getLogger("coach.api")

# KEYS[1]: the bucket. ARGV: capacity, tokens per second, cost (1 spends a token; 0 only looks).
# Returns {allowed (1/0), tokens left as a string: Lua numbers reach Redis as integers}.
_BUCKET = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or capacity
local at = tonumber(held[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then allowed = 1 end
if cost > 0 then
  if allowed == 1 then tokens = tokens - cost end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
end
return {allowed, tostring(tokens)}
"""
TIMEOUT_S = 0.25  # a slow Redis costs a request at most this much before it fails open
LOG_EVERY_S = 60.0


class RedisRateLimiter:
    """`per_minute` requests per caller per minute across every process that shares the Redis; 0 turns it off."""

    def __init__(self, per_minute: int, url: str, prefix: str = "coach:limit:") -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        self._bucket = self._redis.register_script(_BUCKET)
        self._lock = threading.Lock()
        self._failing_since: float | None = None
        self._last_error = ""
        self._logged_at = 0.0

    def blocked(self, caller: str) -> int | None:
        """Seconds until `caller` may try again when its bucket is empty now (nothing is spent); else None."""
        if self.per_minute <= 0:
            return None
        answer = self._run(caller, cost=0)
        if answer is None or answer[0]:
            return None
        return self._wait(answer[1])

    def check(self, caller: str, what: str = "requests") -> None:
        if self.per_minute <= 0:
            return
        answer = self._run(caller, cost=1)
        if answer is None or answer[0]:
            return
        wait = self._wait(answer[1])
        raise ApiError(429, f"rate limit of {self.per_minute} {what} per minute reached; retry in {wait} s", {"Retry-After": str(wait)})

    def status(self) -> tuple[bool, str]:
        with self._lock:
            if self._failing_since is None:
                return True, "rate limits shared in Redis"
            return False, f"Redis unreachable for {time.monotonic() - self._failing_since:.0f} s ({self._last_error}); limits not enforced"

    def _wait(self, tokens: float) -> int:
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _run(self, caller: str, cost: int) -> tuple[bool, float] | None:
        try:
            allowed, tokens = self._bucket(keys=[self.prefix + caller], args=[self.per_minute, self.rate, cost])
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        with self._lock:
            if self._failing_since is not None:
                log.warning("Redis reachable again: rate limits enforced")
            self._failing_since = None
        return bool(allowed), float(tokens)

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._failing_since = self._failing_since or now
            self._last_error = type(exc).__name__
            if now - self._logged_at < LOG_EVERY_S:
                return
            self._logged_at = now
        log.error("Redis unreachable (%s): the request passes without a rate-limit check", type(exc).__name__)
