"""Guidance: semantic search, the cards themselves, and re-indexing (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from coach.api import examples
from coach.api.auth import Caller
from coach.api.errors import ApiError
from coach.api.logs import mark_sensitive
from coach.api.models import Card, CardSummary, FieldError, IngestCall, IngestReport, SearchResults
from coach.api.state import admin, app_state, caller

router = APIRouter(prefix="/v1", tags=["guidance"])


@router.get(
    "/guidance/search",
    response_model=SearchResults,
    summary="Find the guidance that fits a situation",
    description="Nearest guidance passages in the vector index (re-ranked for variety), each with its source file "
    "and card id. 503 until the index has been built (`coach ingest` or POST /v1/ingest).",
    responses={
        200: {"content": examples.json_content(examples.SEARCH_RESULTS)}, **examples.errors(401, 403, 422, 429, 503)
    },
)
def search_endpoint(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="The situation, in plain words.",
                            openapi_examples=examples.SEARCH_QUERY)],  # fmt: skip
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 5,
    tag: Annotated[str | None, Query(max_length=100, description="Only passages with this tag, e.g. emotion.")] = None,
    who: Caller = Depends(caller),
) -> SearchResults:
    from coach.knowledge.search import search

    state = app_state(request)
    if not state.settings.log_content:
        mark_sensitive(q)
    if not q.strip():
        why = "must contain some text, not only whitespace"
        raise ApiError(422, f"invalid request: q: {why}", fields=[FieldError(field="q", message=why, type="value_error")])
    tag = (tag or "").strip() or None
    try:
        passages = search(q, k=k, tag=tag, settings=state.settings)
    except ValueError as exc:  # q and k are checked above: this is the server's configuration
        raise ApiError(503, f"guidance search unavailable: {exc}") from exc
    return SearchResults(query=q, k=k, tag=tag, passages=passages)


@router.get(
    "/guidance/cards",
    response_model=list[CardSummary],
    summary="List the guidance cards",
    responses={200: {"content": examples.json_content([{k: v for k, v in examples.CARD.items() if k != "body"}])},
               **examples.errors(401, 403, 429)},  # fmt: skip
)
def cards_endpoint(request: Request, who: Caller = Depends(caller)) -> list[CardSummary]:
    from coach.knowledge.cards import load_cards

    cards = load_cards(app_state(request).settings.knowledge_dir)
    return [CardSummary(id=c.id, title=c.title, source=c.source, tags=list(c.tags)) for c in cards.values()]


@router.get(
    "/guidance/cards/{card_id}",
    response_model=Card,
    summary="One guidance card: the text a rewrite's change cites",
    responses={200: {"content": examples.json_content(examples.CARD)}, **examples.errors(401, 403, 404, 429)},
)
def card_endpoint(
    request: Request,
    card_id: Annotated[str, Path(max_length=200, description="Card id, as in a change's `cites`.",
                                 openapi_examples={"card": {"summary": "A card", "value": "no-mate-talk"}})],  # fmt: skip
    who: Caller = Depends(caller),
) -> Card:
    from coach.knowledge.cards import load_cards

    card = load_cards(app_state(request).settings.knowledge_dir).get(card_id)
    if card is None:
        raise ApiError(404, f"no guidance card {card_id!r}")
    return Card(id=card.id, title=card.title, source=card.source, tags=list(card.tags), body=card.body)


@router.post(
    "/ingest",
    response_model=IngestReport,
    tags=["admin"],
    summary="Re-index the knowledge directory (admin key only)",
    description="Indexes the server's knowledge directory (COACH_KNOWLEDGE_DIR): only changed files are "
    "re-embedded. One ingest runs at a time per worker. Needs a key from COACH_ADMIN_KEYS.",
    responses={200: {"content": examples.json_content(examples.INGEST_REPORT)}, **examples.errors(401, 403, 413, 422, 429, 503)},
)
async def ingest_endpoint(
    request: Request,
    call: Annotated[IngestCall | None, Body(openapi_examples=examples.INGEST_REQUEST)] = None,
    who: Caller = Depends(admin),
) -> IngestReport:
    state = app_state(request)
    rebuild = bool(call and call.rebuild)
    return await run_in_threadpool(_ingest, state, rebuild)


def _ingest(state, rebuild: bool) -> IngestReport:
    from coach.knowledge.ingest import ingest

    with state.ingest_lock:
        try:
            return ingest([state.settings.knowledge_dir], state.settings, rebuild=rebuild)
        except ValueError as exc:  # e.g. an unknown COACH_EMBEDDINGS
            raise ApiError(503, f"ingest unavailable: {exc}") from exc
        finally:
            state.warmth.index_changed()
