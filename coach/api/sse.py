"""Server-sent events on the wire: `event: <name>` and one line of JSON `data`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream


# One event, as OpenAPI 3.1 documents an event stream (each event an object); `data` is one line of JSON.
EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["analysis", "delta", "replaced", "result", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
    "required": ["event", "data"],
}


def encode(event: str, data: Any) -> str:
    payload = data.model_dump_json() if isinstance(data, BaseModel) else json.dumps(data, ensure_ascii=False, default=str)
    return f"event: {event}\ndata: {payload}\n\n"


def wants_stream(accept: str | None) -> bool:
    return bool(accept) and MEDIA_TYPE in accept.lower()
