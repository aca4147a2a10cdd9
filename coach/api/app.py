"""The FastAPI app factory. `create_app(settings)` for tests and embedding; `app_from_env()` for uvicorn
(`coach serve`, or `uvicorn --factory coach.api.app:app_from_env`), so every worker builds its own app."""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.middleware import Middleware

from coach import __version__
from coach.api import errors
from coach.api.auth import KeyRing
from coach.api.limits import BodyLimit, make_limiter
from coach.api.metrics import Metrics
from coach.api.middleware import DOCS_ASSETS, HEADER, RequestContext
from coach.api.readiness import Warmth
from coach.api.routes import guidance, ops, rewrite, web
from coach.api.state import AppState
from coach.config import Settings, get_settings
from coach.models import Backend

log = logging.getLogger("coach.api")

LOCAL_ONLY_WARNING = (
    "LOCAL-ONLY MODE: no API keys are configured (COACH_API_KEYS / COACH_ADMIN_KEYS), so coach answers "
    "requests from this machine only, without a key, with admin rights. Set keys before exposing it."
)

DESCRIPTION = """Rewrites support agents' draft replies so customers feel treated as people — warm, professional,
without over-familiarity, every fact kept — grounded in guidance cards.

**Auth**: `Authorization: Bearer <key>` or `X-API-Key: <key>` on every `/v1` endpoint; `/v1/ingest` needs an admin
key. With no keys configured the server is in local-only mode (loopback clients only, no key needed).
**Limits**: request bodies over `COACH_MAX_REQUEST_BYTES` get 413; each key gets `COACH_RATE_LIMIT` requests a
minute (429 with `Retry-After`). Every response carries an `X-Request-ID` header, also in error bodies and logs.
"""


def create_app(settings: Settings | None = None, *, backend: Backend | None = None, warm_up: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    warm_up = settings.warm_up if warm_up is None else warm_up
    metrics = Metrics()
    state = AppState(
        settings=settings,
        keys=KeyRing(settings),
        limiter=make_limiter(settings.rate_limit, settings.redis_url, "requests"),
        failed_auth=make_limiter(settings.failed_auth_limit, settings.redis_url, "auth-failures"),
        metrics=metrics,
        warmth=Warmth(settings),
        backend=backend,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Heavy rewrites run in threads; the event loop (health checks, other requests) waits for the interpreter
        # lock each time it wakes. A shorter switch interval makes that wait short, at no cost to the rewrites.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
        if state.keys.local_only:
            log.warning(LOCAL_ONLY_WARNING)
        if warm_up:
            state.warmth.start()
        yield
        state.warmth.stop()
        sys.setswitchinterval(switch_interval)

    # /docs and /redoc serve Swagger UI and ReDoc from assets in the fastapi-offline package: no CDN, no network.
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        title="coach",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        middleware=_middleware(settings, metrics),
    )
    app.state.coach = state
    errors.install(app)
    for module in (rewrite, guidance, ops, web):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=web.WEB_DIR), name="static")
    return app


def _middleware(settings: Settings, metrics: Metrics) -> list[Middleware]:
    """Outermost first: the request id wraps everything, so even a 413 or a 500 carries one."""
    stack = [Middleware(RequestContext, metrics=metrics, log_queries=settings.log_content)]
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "X-API-Key", "Content-Type", HEADER],
                expose_headers=[HEADER, "Retry-After"],
            )
        )
    stack.append(Middleware(BodyLimit, max_bytes=settings.max_request_bytes))
    return stack


def app_from_env() -> FastAPI:
    return create_app(get_settings())
