"""Reading model answers: tolerant JSON parsing and the streamed "rewrite" field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.models.answer import RewriteFieldStream, parse_answer
from coach.models.base import BackendError


def test_plain_json():
    output = parse_answer(json.dumps({"rewrite": "Hi Sarah.", "changes": [{"kind": "added", "after": "Hi", "reason": "name", "cites": ["use-the-name"]}], "cites": ["use-the-name"]}))
    assert output.text == "Hi Sarah."
    assert output.changes[0].cites == ["use-the-name"] and output.cites == ["use-the-name"]


@pytest.mark.parametrize(
    "wrapped",
    [
        'Sure! Here is the JSON:\n```json\n{"rewrite": "Hi Sarah."}\n```\nHope that helps.',
        'Thinking {not json} ... {"rewrite": "Hi Sarah.", "cites": []}',
        '{"note": "x"} {"rewrite": "Hi Sarah."}',
    ],
)
def test_json_wrapped_in_prose_or_fences(wrapped):
    assert parse_answer(wrapped).text == "Hi Sarah."


def test_bad_change_notes_are_dropped_not_fatal():
    output = parse_answer('{"rewrite": "Hi.", "changes": [{"kind": "added", "reason": "ok"}, "nonsense", {"kind": 3}]}')
    assert output.text == "Hi." and len(output.changes) == 1


@pytest.mark.parametrize(
    "content",
    ["", "I cannot help with that.", '{"rewrite": "   "}', '{"rewrite": "Hi', '{"text": "Hi"}', '{"rewrite": 42}'],
)
def test_malformed_truncated_or_empty_answers_raise_backend_error(content):
    with pytest.raises(BackendError):
        parse_answer(content)


def _stream(text: str, size: int) -> str:
    field = RewriteFieldStream()
    return "".join(field.feed(text[i : i + size]) for i in range(0, len(text), size))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_stream_extracts_the_rewrite_across_any_chunking(size):
    rewrite = 'Hi "Sarah",\nyour order #48213 — on its way \\ soon. Café ✓'
    raw = json.dumps({"rewrite": rewrite, "cites": ["x"]}, ensure_ascii=True)
    assert _stream(raw, size) == rewrite


@given(st.text(max_size=200), st.integers(min_value=1, max_value=20))
def test_stream_matches_the_parsed_value(rewrite, size):
    raw = "prose " + json.dumps({"rewrite": rewrite, "changes": []})
    assert _stream(raw, size) == rewrite
