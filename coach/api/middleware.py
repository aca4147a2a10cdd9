"""Outermost middleware: a request id on every response and log line, one access-log line per request,
request metrics, and a JSON 500 (with the request id) for anything unexpected."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.logs import request_id_var
from coach.api.metrics import Metrics

log = logging.getLogger("coach.api.access")
errors_log = logging.getLogger("coach.api")

HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Set by the auth dependency so the access line can say who called (a key fingerprint, never the key).
caller_var: ContextVar[dict | None] = ContextVar("coach_caller", default=None)

SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]
# Every response that sets no policy of its own (the page does) may not be framed, and a JSON answer loads nothing.
DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'"
# /docs and /redoc load Swagger UI and ReDoc from our own /docs-assets, and start them with an inline script;
# ReDoc renders in a blob: worker. Nothing comes from another origin.
DOCS_ASSETS = "/docs-assets"
DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics, log_queries: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.log_queries = log_queries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        id_token = request_id_var.set(request_id)
        who: dict = {}
        caller_token = caller_var.set(who)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((HEADER.lower().encode(), request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    docs = scope["path"].startswith(("/docs", "/redoc"))
                    headers.append((b"content-security-policy", DOCS_CSP if docs else DEFAULT_CSP))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            errors_log.exception("unhandled error")
            if not response_started:
                await _server_error(send_with_id, request_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            line = {"method": scope["method"], "path": scope["path"], "route": route, "status": status,
                    "ms": round(seconds * 1000, 1), "caller": who.get("id")}  # fmt: skip
            if self.log_queries and scope.get("query_string"):
                line["query"] = scope["query_string"].decode("latin-1")
            log.info("%s %s %s", scope["method"], scope["path"], status, extra={"http": line})
            caller_var.reset(caller_token)
            request_id_var.reset(id_token)


def _incoming_id(scope: Scope) -> str | None:
    """A caller's own request id (e.g. from a load balancer) is kept when it is short and plain."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _VALID_ID.match(text) else None
    return None


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path or "unmatched"


async def _server_error(send: Send, request_id: str) -> None:
    body = json.dumps(
        {"error": "internal", "message": "internal error; the request id identifies it in the logs", "request_id": request_id}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
