"""POST /v1/rewrite (JSON or server-sent events) and POST /v1/analyze."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from coach.api import examples, sse
from coach.api.auth import Caller
from coach.api.detail import bounded_analysis, bounded_result
from coach.api.errors import ApiError
from coach.api.logs import mark_sensitive, request_id_var
from coach.api.metrics import Metrics
from coach.api.models import AnalyzeCall, CheckCall, CheckResult, RewriteCall
from coach.api.state import AppState, app_state, caller
from coach.budget import BudgetExceeded, budget, deadline
from coach.schemas import Analysis, Context, RewriteRequest, RewriteResult

router = APIRouter(prefix="/v1", tags=["rewrite"])
DISCONNECT_POLL_S = 0.2
RETRY_AFTER_S = 5
log = logging.getLogger("coach.api")

REWRITE_DESCRIPTION = """Rewrite a draft reply: personal, warm and professional, with every fact kept.

Answers the `RewriteResult` as JSON. With `"stream": true` in the body, or `Accept: text/event-stream`,
answers server-sent events instead, in this order:

* `analysis` — the draft's findings and scores (an `Analysis`), at once;
* `delta` — `{"text": ...}` pieces of the rewrite as the model writes them: unverified, shown as a draft in
  progress. The rules engine streams none: with it only `analysis` and the final `result` come;
* `replaced` — `{"engine", "reason", "rewrite"}` when verification threw the streamed text away and a repaired
  or rules-engine rewrite replaces it;
* `result` — the verified final `RewriteResult`; always the last event.

A model that fails or times out never makes this fail: the rules engine answers, and `fallback` says why.
Each list in the answer shows at most 30
items unless the request says `"detail": "full"` (a note says what was left out).
Past the request's time budget (COACH_REQUEST_TIMEOUT) the answer is still 200: the draft unchanged,
`engine` "none" and `fallback` "time budget exceeded", so the agent is never blocked.

The rewrite is plain text, never HTML: a client that shows it in a page must escape it. A customer name
that is not a name (markup, digits, symbols) is left out of the reply, and `analysis.draft.notes` says so.
"""


@router.post(
    "/rewrite",
    response_model=RewriteResult,
    summary="Rewrite a draft reply",
    description=REWRITE_DESCRIPTION,
    responses={
        200: {
            "description": "The rewrite, as JSON or (when asked) as server-sent events.",
            "content": {
                "application/json": {"example": examples.REWRITE_RESULT},
                sse.MEDIA_TYPE: {"schema": sse.EVENT_SCHEMA, "example": examples.STREAM},
            },
        },
        **examples.errors(401, 403, 413, 422, 429),
    },
)
async def rewrite_endpoint(
    request: Request,
    call: Annotated[RewriteCall, Body(openapi_examples=examples.REWRITE_REQUEST)],
    who: Caller = Depends(caller),
):
    from coach.pipeline import rewrite, rewrite_events

    state = app_state(request)
    _guard_content(state, call.draft, call.context)
    engine_request = call.engine_request()
    if call.stream or sse.wants_stream(request.headers.get("accept")):
        limit = deadline(state.settings.request_timeout)  # a streaming client that leaves closes the stream
        events = rewrite_events(engine_request, settings=state.settings, backend=state.backend, stream=True, deadline=limit)
        first = await run_in_threadpool(next, events)  # an unknown prompt version raises here: still a 422
        return StreamingResponse(
            _stream(first, events, state.metrics, full=call.detail == "full"), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS
        )
    async with watching(request) as gone:
        limit = deadline(state.settings.request_timeout, gone.is_set)
        result = await run_in_threadpool(rewrite, engine_request, settings=state.settings, backend=state.backend, deadline=limit)
    state.metrics.observe_rewrite(result)
    return result if call.detail == "full" else bounded_result(result)


@asynccontextmanager
async def watching(request: Request) -> AsyncIterator[threading.Event]:
    """An event set when the client disconnects, polled while the block runs: the work stops at its next check."""
    gone = threading.Event()

    async def watch() -> None:
        while not gone.is_set():
            if await request.is_disconnected():
                gone.set()
                return
            await asyncio.sleep(DISCONNECT_POLL_S)

    task = asyncio.create_task(watch())
    try:
        yield gone
    finally:
        task.cancel()


def _stream(first, events: Iterator, metrics: Metrics, full: bool = False) -> Iterator[str]:
    def sized(data):
        if full:
            return data
        if isinstance(data, RewriteResult):
            return bounded_result(data)
        return bounded_analysis(data) if isinstance(data, Analysis) else data

    try:
        yield sse.encode(first.kind, sized(first.data))
        for event in events:
            if event.kind == "delta":
                yield sse.encode("delta", {"text": event.data})
                continue
            if event.kind == "result":
                metrics.observe_rewrite(event.data)
            yield sse.encode(event.kind, sized(event.data))
    except Exception:  # a bug, never a model failure (those fall back inside the pipeline)
        log.exception("rewrite stream failed")
        yield sse.encode("error", {"error": "internal", "message": "the rewrite failed", "request_id": request_id_var.get()})
    finally:
        events.close()


@router.post(
    "/analyze",
    response_model=Analysis,
    summary="Findings and scores for a draft, no rewrite",
    description="What the deterministic analysis finds in a draft: rule findings with severity, personalisation "
    "checks and score, familiarity risk, the customer's emotions, and the facts a rewrite must keep.",
    responses={200: {"content": {"application/json": {"example": examples.ANALYSIS}}}, **examples.errors(401, 403, 413, 422, 429, 503)},
)
async def analyze_endpoint(
    request: Request,
    call: Annotated[AnalyzeCall, Body(openapi_examples=examples.ANALYZE_REQUEST)],
    who: Caller = Depends(caller),
) -> Analysis:
    from coach.analysis import analyse

    state = app_state(request)
    _guard_content(state, call.draft, call.context)
    analysis = await _within_budget(request, state, "analysis", lambda: analyse(call.draft, call.context))
    return analysis if call.detail == "full" else bounded_analysis(analysis)


async def _within_budget(request: Request, state: AppState, what: str, compute):
    """CPU work in a thread, stopped at the request's time budget or when the client leaves: 503 then."""

    def work(gone: threading.Event):
        with budget(state.settings.request_timeout, gone.is_set):
            return compute()

    try:
        async with watching(request) as gone:
            return await run_in_threadpool(work, gone)
    except BudgetExceeded as exc:
        raise ApiError(503, f"the {what} stopped: {exc}; try again", {"Retry-After": str(RETRY_AFTER_S)}) from None


def _guard_content(state: AppState, draft: str, context: Context) -> None:
    """Keep this request's customer content out of the logs, or log it when content logging is on."""
    if state.settings.log_content:
        log.debug("request content", extra={"content": {"draft": draft, "context": context.model_dump(mode="json")}})
        return
    notes = [h.note for h in context.history]
    mark_sensitive(draft, context.customer_message, context.customer_name, context.address_as, *notes)


@router.post(
    "/check",
    response_model=CheckResult,
    summary="Check a reply the agent edited against the draft",
    description="After accepting or rejecting single changes, filling a placeholder or editing a word: does the reply "
    "still keep every fact of the draft, add no commitment, and carry no error-level finding? The same checks a "
    "rewrite passes. The page runs it before copy.",
    responses={200: {"content": {"application/json": {"example": examples.CHECK_RESULT}}}, **examples.errors(401, 403, 413, 422, 429, 503)},
)
async def check_endpoint(
    request: Request,
    call: Annotated[CheckCall, Body(openapi_examples=examples.CHECK_REQUEST)],
    who: Caller = Depends(caller),
) -> CheckResult:
    from coach.analysis import analyse
    from coach.verify import verify

    state = app_state(request)
    _guard_content(state, call.draft, call.context)

    def check() -> CheckResult:
        draft_analysis = analyse(call.draft, call.context)
        verdict = verify(RewriteRequest(draft=call.draft, context=call.context), draft_analysis, call.reply)
        analysis = verdict.analysis if call.detail == "full" else bounded_analysis(verdict.analysis)
        return CheckResult(ok=verdict.ok, problems=verdict.violations, facts=verdict.facts, analysis=analysis)

    return await _within_budget(request, state, "check", check)
