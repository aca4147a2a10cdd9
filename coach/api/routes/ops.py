"""Probes for orchestrators and the Prometheus scrape endpoint; none of them needs a key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from coach import __version__
from coach.api import examples
from coach.api.metrics import CONTENT_TYPE
from coach.api.models import Check, Health, Readiness
from coach.api.state import app_state

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness: the process is up",
    responses={200: {"content": examples.json_content(examples.HEALTH)}},
)
async def healthz() -> Health:
    return Health(version=__version__)


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: index loaded, and the model reachable or the rules engine ready",
    description="200 when ready, 503 (same body) while warming up or when the index is missing.",
    responses={
        200: {"content": examples.json_content(examples.READY)},
        503: {"model": Readiness, "description": "Not ready yet; `checks` says what is missing.",
              "content": examples.json_content({**examples.READY, "ready": False})},
    },  # fmt: skip
)
async def readyz(request: Request) -> JSONResponse:
    state = app_state(request)
    # Usually it only reads what the warm-up and the index refresher know: on the event loop, as /healthz, with
    # no thread hand-off to wait on while heavy work holds the interpreter. Calls out go to a thread.
    report = await run_in_threadpool(state.warmth.report) if state.warmth.needs_io() else state.warmth.report()
    ok, detail = state.limiter.status()
    report.checks["limits"] = Check(ok=ok, detail=detail)  # reported; a limiter outage never makes coach unready
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Requests by route and status, latency histogram, rewrites by engine, fallbacks by reason, model tokens.",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}, "example": examples.METRICS}}}},
)
def metrics(request: Request) -> Response:
    return Response(app_state(request).metrics.render(), media_type=CONTENT_TYPE)
