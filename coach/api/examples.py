"""Examples shown in the OpenAPI document (and tried first by schemathesis)."""

from __future__ import annotations

from typing import Any

from coach.api.models import ErrorBody

DRAFT = "hey mate, your order #48213 is delayed again lol. should be there by 14 March."
CONTEXT = {
    "customer_name": "Sarah Okafor",
    "customer_message": "This is the second time my order is late. I needed it for my daughter's birthday!",
    "history": [{"date": "2026-02-20", "note": "order #47990 arrived late, apologised"}],
    "channel": "email",
}


def _example(summary: str, value: Any) -> dict[str, Any]:
    return {"summary": summary, "value": value}


REWRITE_REQUEST = {
    "basic": _example("A draft with the customer's context", {"draft": DRAFT, "context": CONTEXT}),
    "stream": _example("The same, streamed as server-sent events", {"draft": DRAFT, "context": CONTEXT, "stream": True}),
    "rules": _example(
        "Deterministic rules engine, with constraints",
        {"draft": DRAFT, "context": {"customer_name": "Sarah"}, "engine": "rules",
         "constraints": {"max_words": 80, "keep": ["#48213"]}},
    ),  # fmt: skip
}

ANALYSIS = {
    "findings": [
        {"rule": "over-familiar.address", "category": "over-familiar", "level": "error",
         "message": "Over-familiar address", "suggestion": "Use the customer's name", "start": 4, "end": 8,
         "line": 1, "column": 5, "match": "mate", "replacement": "", "card": "no-mate-talk"},
    ],  # fmt: skip
    "personalisation": 10,
    "familiarity_risk": 85,
    "checks": [],
    "emotions": [{"name": "frustration", "score": 0.7, "cues": ["second time"]}],
    "facts": [{"kind": "order", "value": "#48213", "normal": "48213", "start": 15, "end": 21}],
}

REWRITE_RESULT = {
    # What the editor really answers to REWRITE_REQUEST["basic"] (a test keeps it so): every date is the draft's.
    "rewrite": (
        "Hi Sarah, I'm sorry this is the second time your order is late. I can see this matters for your daughter's "
        "birthday. Your order #48213 is delayed again. It should be there by 14 March."
    ),
    "engine": "rules",
    "fallback": None,
    "prompt_version": None,
    "changes": [{"kind": "replaced", "before": "hey mate,", "after": "Hi Sarah,", "reason": "over-familiar address",
                 "cites": ["no-mate-talk"]}],  # fmt: skip
    "citations": [{"card": "no-mate-talk", "title": "No mate-talk", "source": "knowledge/cards/no-mate-talk.md"}],
    "diff": [["-", "hey mate,"], ["+", "Hi Sarah,"], ["=", " your order #48213 is delayed again"]],
    "analysis": {"draft": ANALYSIS, "rewrite": {**ANALYSIS, "findings": [], "personalisation": 80, "familiarity_risk": 0}},
    "facts": {"kept": ANALYSIS["facts"], "missing": [], "altered": [], "added": [], "new_commitments": [],
              "protected_changed": []},  # fmt: skip
    "attempts": [{"engine": "rules", "ok": True, "violations": [], "error": None, "ms": 3.2}],
    "usage": {"prompt_tokens": 0, "completion_tokens": 0},
    "timings_ms": {"analyse": 2.1, "rules": 3.2, "total": 6.0},
}

STREAM = (
    "event: analysis\ndata: {\"findings\": [...], \"personalisation\": 10, ...}\n\n"
    "event: delta\ndata: {\"text\": \"Hi Sarah, \"}\n\n"
    "event: delta\ndata: {\"text\": \"I'm sorry your order #48213 ...\"}\n\n"
    "event: replaced\ndata: {\"engine\": \"rules\", \"reason\": \"model timed out\", \"rewrite\": \"...\"}\n\n"
    "event: result\ndata: {\"rewrite\": \"...\", \"engine\": \"rules\", ...}\n\n"
)

ANALYZE_REQUEST = {"basic": _example("A draft and what is known about the customer", {"draft": DRAFT, "context": CONTEXT})}

CHECK_REQUEST = {
    "turned-down": _example(
        "The agent put the draft's greeting back",
        {"draft": DRAFT, "reply": "hey mate, your order #48213 is delayed again. It should be there by 14 March.",
         "context": {"customer_name": "Sarah"}},
    ),  # fmt: skip
}

CHECK_RESULT = {
    "ok": False,
    "problems": ['"mate" breaks over-familiar.address: "mate" addresses the customer as a friend.',
                 "The customer's name is not used: address them as Sarah."],  # fmt: skip
    "facts": {"kept": ANALYSIS["facts"], "missing": [], "altered": [], "added": [], "new_commitments": [], "protected_changed": []},
    "analysis": {**ANALYSIS, "personalisation": 0},
}

PASSAGE = {
    "text": "Acknowledge how the customer feels before you fix the problem ...",
    "source": "knowledge/cards/acknowledge-emotion.md",
    "title": "Acknowledge the emotion",
    "section": "Acknowledge the emotion",
    "chunk": 0,
    "card": "acknowledge-emotion",
    "tags": ["emotion"],
    "score": 0.62,
}
SEARCH_QUERY = {"late": _example("A late order, again", "customer is angry that the order is late again")}
SEARCH_RESULTS = {"query": "customer is angry that the order is late again", "k": 3, "tag": None, "passages": [PASSAGE]}
CARD = {"id": "no-mate-talk", "title": "No mate-talk", "source": "knowledge/cards/no-mate-talk.md",
        "tags": ["familiarity"], "body": "Friendly is not the same as familiar ..."}  # fmt: skip
INGEST_REQUEST = {
    "update": _example("Index what changed", {"rebuild": False}),
    "rebuild": _example("Rebuild the index from scratch", {"rebuild": True}),
}
INGEST_REPORT = {"files": 23, "chunks": 41, "added": 2, "removed": 1, "unchanged": 39, "tokens": 9120, "seconds": 1.8,
                 "skipped": {}}  # fmt: skip
HEALTH = {"status": "ok", "version": "0.1.0"}
READY = {
    "ready": True,
    "local_only": False,
    "checks": {
        "index": {"ok": True, "detail": "41 chunks in 'guidance'"},
        "embedder": {"ok": True, "detail": "all-MiniLM-L6-v2 loaded"},
        "model": {"ok": False, "detail": "no LLM configured; the rules engine serves"},
        "fallback": {"ok": True, "detail": "rules engine ready"},
    },
}
METRICS = (
    "# HELP coach_http_requests_total HTTP requests answered.\n"
    "# TYPE coach_http_requests_total counter\n"
    'coach_http_requests_total{method="POST",route="/v1/rewrite",status="200"} 12.0\n'
)


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, "request_id": "4f1c2a9e0b7d4e6f", **extra}


def json_content(example: Any) -> dict[str, Any]:
    return {"application/json": {"example": example}}


_TOO_SHORT = "String should have at least 1 character"
ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    401: ("Missing or wrong API key",
          error("unauthorized", "missing API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`")),
    403: ("The key may not do this", error("forbidden", "this endpoint needs an admin key (COACH_ADMIN_KEYS)")),
    404: ("Not found", error("not_found", "no guidance card 'no-such-card'")),
    413: ("Request body too large", error("too_large", "request body is larger than the limit of 1000000 bytes")),
    422: ("Invalid request; `fields` names each invalid field",
          error("invalid_request", f"invalid request: draft: {_TOO_SHORT}",
                fields=[{"field": "draft", "message": _TOO_SHORT, "type": "string_too_short"}])),
    429: ("Too many requests; wait `Retry-After` seconds",
          error("rate_limited", "rate limit of 60 requests per minute reached; retry in 4 s")),
    503: ("The guidance index is not available",
          error("unavailable", "guidance index unavailable: no guidance index named 'guidance' yet: run `coach ingest` first")),
}  # fmt: skip


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the error statuses an endpoint can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, example = ERRORS[status]
        out[status] = {"model": ErrorBody, "description": description, "content": json_content(example)}
    return out
