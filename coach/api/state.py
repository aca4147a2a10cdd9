"""What one app instance holds (nothing per user: any worker can answer any request), and the auth dependencies."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fastapi import Depends, Request, Security

from coach.api.auth import Caller, KeyRing, bearer_scheme, header_scheme
from coach.api.errors import ApiError
from coach.api.limits import RateLimiter
from coach.api.metrics import Metrics
from coach.api.middleware import caller_var
from coach.api.readiness import Warmth
from coach.config import Settings
from coach.models import Backend


@dataclass
class AppState:
    settings: Settings
    keys: KeyRing
    limiter: RateLimiter  # or a RedisRateLimiter: the same check, blocked and status
    metrics: Metrics
    warmth: Warmth
    backend: Backend | None = None  # tests may inject one; otherwise the settings choose
    ingest_lock: threading.Lock = field(default_factory=threading.Lock)
    failed_auth: RateLimiter | None = None  # wrong or missing keys per client address


def app_state(request: Request) -> AppState:
    return request.app.state.coach


async def caller(request: Request, _bearer=Security(bearer_scheme), _header=Security(header_scheme)) -> Caller:
    """Who is calling (401/403 otherwise), counted against their rate limit (429)."""
    state = app_state(request)
    # The client's address as uvicorn sees it: the peer, or what a trusted proxy (COACH_TRUSTED_PROXIES) says in
    # X-Forwarded-For; never a header any caller could set for itself. An address that has failed too often
    # is refused every attempt until its bucket refills, a right key included: guessing gains nothing.
    failures = f"auth-failures:{request.client.host if request.client else 'unknown'}"
    if state.failed_auth is not None and not state.keys.local_only:
        wait = state.failed_auth.blocked(failures)
        if wait is not None:
            raise ApiError(429, f"too many failed authentications from this address; retry in {wait} s", {"Retry-After": str(wait)})
    try:
        who = state.keys.identify(request)
    except ApiError as exc:
        if exc.status == 401 and state.failed_auth is not None:
            state.failed_auth.check(failures, what="failed authentications")
        raise
    holder = caller_var.get()
    if holder is not None:
        holder["id"] = who.id
    try:
        # Local-only mode serves one person on this machine (the page, a script): nobody to share with, so
        # no per-key limit unless COACH_LOCAL_RATE_LIMIT is on. With keys, every key is limited.
        if not state.keys.local_only or state.settings.local_rate_limit:
            state.limiter.check(who.id)
    except ApiError:
        state.metrics.rate_limited.inc()
        raise
    return who


async def admin(who: Caller = Depends(caller)) -> Caller:
    if not who.admin:
        raise ApiError(403, "this endpoint needs an admin key (COACH_ADMIN_KEYS); an API key may not re-index")
    return who
