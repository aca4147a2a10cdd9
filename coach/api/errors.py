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
        out.append(FieldError(field=".".join(loc) or "body", message=error.get("msg", "invalid"), type=error.get("type", "")))
    return out


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
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid(list(exc.errors()))

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
