"""Every error the API answers has one JSON shape: {"error", "message", "request_id"} (+ "fields" for 422)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from coach.api.logs import request_id_var
from coach.api.models import ErrorBody, FieldError
from coach.knowledge.store import IndexMissing, StoreError
from coach.prompting import PromptError

log = logging.getLogger("coach.api")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          413: "too_large", 415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited",
          503: "unavailable"}  # fmt: skip


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, fields: list[FieldError] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.fields = fields


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = ErrorBody(error=_CODES.get(status, "error"), message=message, request_id=request_id_var.get(), **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def field_errors(errors: list[dict]) -> list[FieldError]:
    """Pydantic errors as (field path, message) without the offending input: it may be a customer's text."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        out.append(FieldError(field=".".join(loc) or "body", message=message, type=error.get("type", "")))
    return out


NOT_JSON = "the body is not valid JSON"
SEND_JSON = "send the request body as JSON, with Content-Type: application/json"
NOT_UTF8 = "the body is not valid UTF-8: send JSON encoded as UTF-8"


def _body_problem(request: Request, errors: list[dict]) -> JSONResponse | None:
    """A body that is not JSON at all gets a plain answer, not a field list: 422 like any invalid request
    (415 when it was not even sent as JSON)."""
    for error in errors:
        if error.get("type") == "json_invalid":
            ctx = error.get("ctx") or {}
            where = f" ({ctx['error']} at character {error['loc'][-1]})" if ctx.get("error") and error.get("loc") else ""
            return error_response(422, f"{NOT_JSON}{where}")
        if error.get("type") == "model_attributes_type" and tuple(error.get("loc", ())) == ("body",):
            content_type = request.headers.get("content-type", "")
            if "json" not in content_type.lower():
                return error_response(415, f"{SEND_JSON} (got {content_type or 'no Content-Type'})")
            return error_response(422, f"{NOT_JSON} object: expected one such as {{\"draft\": \"...\"}}")
    return None


def _invalid(errors: list[dict]) -> JSONResponse:
    fields = field_errors(errors)
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields[:5])
    return error_response(422, f"invalid request: {summary}", fields=fields)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers, fields=exc.fields)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "error")
        if exc.status_code == 400 and message == "There was an error parsing the body":  # FastAPI's, for bad UTF-8
            message = NOT_UTF8
        elif exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return _body_problem(request, errors) or _invalid(errors)

    @app.exception_handler(ValidationError)
    async def _model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        return _invalid(exc.errors(include_input=False))

    @app.exception_handler(PromptError)
    async def _prompt(request: Request, exc: PromptError) -> JSONResponse:
        return error_response(422, str(exc), fields=[FieldError(field="prompt", message=str(exc), type="prompt")])

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        if not isinstance(exc, IndexMissing):
            log.error("guidance index unavailable: %s", exc)
        return error_response(503, f"guidance index unavailable: {exc}", {"Retry-After": "30"})
