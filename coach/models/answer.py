"""Reading a model's answer: the JSON object the prompt asks for, tolerant of prose and code fences
around it, and the "rewrite" field picked out of a stream as it arrives."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from coach.models.base import BackendError, ModelOutput
from coach.schemas import Change, Usage

_DECODER = json.JSONDecoder()


class _Answer(BaseModel):
    rewrite: str
    changes: list[Any] = Field(default_factory=list)
    cites: list[Any] = Field(default_factory=list)


def parse_answer(content: str, usage: Usage | None = None) -> ModelOutput:
    answer = _first_answer_object(content)
    if answer is None:
        raise BackendError("malformed answer: no JSON object with a \"rewrite\" field", raw=content)
    text = answer.rewrite.strip()
    if not text:
        raise BackendError("empty answer: the rewrite is blank", raw=content)
    changes = []
    for item in answer.changes:
        try:
            changes.append(Change.model_validate({"reason": "", **item}))
        except (ValidationError, TypeError):
            continue  # a malformed change note is dropped; the rewrite itself is still verified
    cites = [c.strip() for c in answer.cites if isinstance(c, str) and c.strip()]
    return ModelOutput(text=text, changes=changes, cites=cites, usage=usage or Usage(), raw=content)


def first_json_object(content: str, required: tuple[str, ...]) -> dict | None:
    """The first JSON object in `content` (prose, code fences and all) that has every `required` key."""
    start = content.find("{")
    while start != -1:
        try:
            value, _ = _DECODER.raw_decode(content, start)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict) and all(key in value for key in required):
            return value
        start = content.find("{", start + 1)
    return None


def _first_answer_object(content: str) -> _Answer | None:
    value = first_json_object(content, ("rewrite",))
    try:
        return _Answer.model_validate(value) if value is not None else None
    except ValidationError:
        return None


class RewriteFieldStream:
    """Feed raw JSON text as it streams in; get back the decoded characters of the "rewrite" string."""

    _KEY = '"rewrite"'
    _ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

    def __init__(self) -> None:
        self._buffer = ""
        self._pos = 0
        self._state = "seek"  # seek -> colon -> value -> done

    def feed(self, chunk: str) -> str:
        self._buffer += chunk
        out: list[str] = []
        while self._state != "done":
            if self._state == "seek":
                found = self._buffer.find(self._KEY, self._pos)
                if found == -1:
                    return ""
                self._pos = found + len(self._KEY)
                self._state = "colon"
            elif self._state == "colon":
                rest = self._buffer[self._pos :].lstrip(" \n\r\t:")
                if not rest:
                    return ""
                if rest[0] != '"':
                    self._state = "done"
                    break
                self._pos = len(self._buffer) - len(rest) + 1
                self._state = "value"
            else:
                char = self._buffer[self._pos : self._pos + 1]
                if not char:
                    break
                if char == '"':
                    self._state = "done"
                elif char == "\\":
                    escape = self._buffer[self._pos + 1 : self._pos + 2]
                    if not escape or (escape == "u" and len(self._buffer) < self._pos + 6):
                        break  # wait for the rest of the escape
                    if escape == "u":
                        decoded, used = self._unicode_escape()
                        if not used:
                            break  # a surrogate pair's second half has not arrived yet
                        out.append(decoded)
                        self._pos += used
                        continue
                    out.append(self._ESCAPES.get(escape, escape))
                    self._pos += 2
                    continue
                else:
                    out.append(char)
                self._pos += 1
        return "".join(out)

    def _unicode_escape(self) -> tuple[str, int]:
        """Decode the \\uXXXX at the cursor, joining a surrogate pair; (text, chars used) or ("", 0) to wait."""
        code = _hex4(self._buffer[self._pos + 2 : self._pos + 6])
        if code is None:
            return "", 2  # a broken escape: skip it; the final parse decides whether the answer is usable
        if 0xD800 <= code <= 0xDBFF:
            low = self._buffer[self._pos + 6 : self._pos + 12]
            if len(low) < 6:
                return "", 0
            low_code = _hex4(low[2:]) if low.startswith("\\u") else None
            if low_code is not None and 0xDC00 <= low_code <= 0xDFFF:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)), 12
        return chr(code), 6


def _hex4(text: str) -> int | None:
    return int(text, 16) if len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text) else None
