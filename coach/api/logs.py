"""Structured JSON logs: one object per line, each carrying the request id of the request it belongs to.

Customer content (the draft, the customer's message, names) is kept out of logs: the API never logs it
itself, and as a second line of defence the formatter blanks any of the current request's sensitive
values that reach a log line some other way, unless `COACH_LOG_CONTENT` is on.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("coach_request_id", default=None)
sensitive_var: ContextVar[tuple[str, ...]] = ContextVar("coach_sensitive", default=())

REDACTED = "[redacted]"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message", "taskName"}


def mark_sensitive(*values: str | None) -> None:
    """Values of the current request that must not appear in logs (longest first, so parts go after wholes)."""
    found = {v.strip() for v in values if v and len(v.strip()) >= 2}
    for value in list(found):
        found.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 8)
        if len(value) <= 200:  # a name: each part on its own too ("Sarah" from "Sarah Okafor")
            found.update(part for part in value.split() if len(part) >= 3)
    sensitive_var.set(tuple(sorted(found, key=len, reverse=True)))


def scrub(text: str) -> str:
    for value in sensitive_var.get():
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if sensitive_var.get():
            entry = _scrub_all(entry)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _scrub_all(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_all(v) for v in value]
    return value


def log_config(level: str = "info") -> dict:
    """A `logging.config.dictConfig` dict (also uvicorn's `log_config`): every logger as JSON on stderr."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # The access log would print query strings (a search query can quote a customer); ours does not.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "httpx": {"level": "WARNING"},
            "chromadb": {"level": "WARNING"},
        },
    }
