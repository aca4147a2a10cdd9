"""The API as a chat-tool developer meets it: history as strings, plain answers to bodies that are not
JSON, strict booleans, an honest OpenAPI example, no throttling of the one local user, a favicon."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coach.api import create_app, examples
from coach.config import Settings
from coach.pipeline import rewrite
from coach.schemas import RewriteRequest

KEY = "newcomer-key-0123456789"


def _client(tmp_path: Path, **overrides) -> TestClient:
    values = dict(data_dir=tmp_path / "index", collection="t", chroma_host=None, model=None, api_keys=[KEY],
                  admin_keys=[], rate_limit=60, warm_up=False)  # fmt: skip
    values.update(overrides)
    return TestClient(create_app(Settings(**values), warm_up=False), base_url="http://127.0.0.1",
                      headers={"Authorization": f"Bearer {KEY}"} if values["api_keys"] else {})  # fmt: skip


@pytest.fixture
def client(tmp_path):
    return _client(tmp_path)


def test_history_entries_may_be_strings_or_objects(client):
    body = {"draft": "Hello, your engineer visit is booked for 3 March.",
            "context": {"history": ["2026-02-20: engineer no-show", "called about the boiler",
                                    {"note": "refund sent", "date": "2026-01-02"}]}}  # fmt: skip
    response = client.post("/v1/analyze", json=body)
    assert response.status_code == 200, response.text


def test_a_wrong_history_shape_names_the_accepted_forms(client):
    response = client.post("/v1/analyze", json={"draft": "Hello.", "context": {"history": [5]}})
    assert response.status_code == 422
    message = response.json()["message"]
    assert "2026-02-20: engineer no-show" in message and '"note"' in message and "Value error" not in message


@pytest.mark.parametrize(
    "content, content_type, status, words",
    [
        (b"draft=hi", "application/json", 422, "not valid JSON"),
        (b'{"draft": "hi"}', "", 415, "Content-Type: application/json"),
        (b'{"draft": "hi"}', "text/plain", 415, "Content-Type: application/json"),
        (b'{"draft": "Your order \xff\xfe is late"}', "application/json", 400, "UTF-8"),
        (b'["draft"]', "application/json", 422, "JSON object"),
    ],
    ids=["not-json", "no-content-type", "text-plain", "bad-utf8", "not-an-object"],
)
def test_bodies_that_are_not_json_get_a_plain_answer(client, content, content_type, status, words):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/v1/rewrite", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert words in response.json()["message"]
    assert "0: JSON decode error" not in response.text and "parsing the body" not in response.text


@pytest.mark.parametrize("value", ["yes", "true", 1, "1"])
def test_stream_takes_only_true_or_false(client, value):
    response = client.post("/v1/rewrite", json={"draft": "Hello, your parcel shipped.", "stream": value})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "stream"


def test_the_openapi_example_is_what_the_editor_answers():
    request = RewriteRequest.model_validate({**examples.REWRITE_REQUEST["basic"]["value"], "engine": "rules"})
    assert rewrite(request).rewrite == examples.REWRITE_RESULT["rewrite"]
    assert "14 March" in examples.DRAFT  # its one date comes from the draft


def test_local_only_mode_does_not_throttle_the_one_local_user(tmp_path):
    app = _client(tmp_path, api_keys=[], rate_limit=3).app  # no keys: local-only mode
    local = TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))  # a loopback peer
    statuses = [local.get("/v1/guidance/cards").status_code for _ in range(10)]
    assert statuses == [200] * 10


def test_keys_are_still_rate_limited(tmp_path):
    client = _client(tmp_path, rate_limit=3)
    statuses = [client.get("/v1/guidance/cards").status_code for _ in range(5)]
    assert statuses[:3] == [200] * 3 and statuses[3:] == [429, 429]


def test_the_favicon_is_served(client):
    for path in ("/favicon.ico", "/favicon.svg"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
        assert response.text.startswith("<svg")


def _long_draft() -> str:
    import random

    rng = random.Random(1)
    sentences = ["hey mate, your order #48213 is delayed again lol.", "We will refund £24.99 by 14 March.",
                 "Please check https://track.example.com/ABC123.", "cant do anything its company policy.",
                 "Thanks for your patience, the engineer will call you tomorrow."]  # fmt: skip
    return " ".join(rng.choice(sentences) for _ in range(1200))[:50_000]


@pytest.mark.slow
def test_a_50_kb_draft_gets_an_answer_within_four_times_its_size(tmp_path):
    from coach.api.detail import LIST_CAP

    client = _client(tmp_path, max_request_bytes=200_000)
    draft = _long_draft()
    bound = 4 * len(draft.encode()) + 20_000
    body = {"draft": draft, "context": {"customer_name": "Sarah"}, "engine": "rules"}
    standard = client.post("/v1/rewrite", json=body)
    assert standard.status_code == 200 and len(standard.content) <= bound
    result = standard.json()
    assert len(result["analysis"]["draft"]["findings"]) == LIST_CAP
    assert '"detail": "full"' in result["notes"][-1] and "analysis.draft.findings" in result["notes"][-1]
    full = client.post("/v1/rewrite", json={**body, "detail": "full"})
    assert len(full.json()["analysis"]["draft"]["findings"]) > LIST_CAP  # opt in for everything
    assert full.json()["rewrite"] == result["rewrite"]  # the rewrite itself is never cut

    streamed = client.post("/v1/rewrite", json={**body, "stream": True})
    assert streamed.status_code == 200 and len(streamed.content) <= bound + len(draft.encode())  # + the analysis event
    analysis = client.post("/v1/analyze", json={"draft": draft})
    assert len(analysis.json()["findings"]) == LIST_CAP and '"detail": "full"' in analysis.json()["notes"][-1]


def test_detail_takes_standard_or_full(client):
    response = client.post("/v1/analyze", json={"draft": "Hello.", "detail": "everything"})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "detail"


def test_check_says_whether_an_edited_reply_can_go(client):
    draft = "hey mate, your order #48213 ships on 14 March"
    good = client.post("/v1/check", json={"draft": draft, "reply": "Hi Sarah, your order #48213 ships on 14 March.",
                                          "context": {"customer_name": "Sarah"}})  # fmt: skip
    assert good.status_code == 200 and good.json()["ok"] is True and good.json()["problems"] == []
    bad = client.post("/v1/check", json={"draft": draft, "reply": "hey mate, your order ships soon",
                                         "context": {"customer_name": "Sarah"}}).json()  # fmt: skip
    assert bad["ok"] is False
    assert any("#48213" in p for p in bad["problems"]) and any("mate" in p for p in bad["problems"])
    assert client.post("/v1/check", json={"draft": draft, "reply": "  "}).status_code == 422


def test_every_change_of_the_editor_has_a_span_to_undo_it_from():
    draft = "hey mate, your order #48213 is delayed again lol. you should have checked the address. It ships on 14 March."
    result = rewrite(RewriteRequest.model_validate({"draft": draft, "context": {"customer_name": "Sarah"}, "engine": "rules"}))
    removed = [c for c in result.changes if c.kind == "removed"]
    assert removed and all(c.rewrite_span and c.rewrite_span[0] == c.rewrite_span[1] for c in removed)
    text = result.rewrite  # undo them all, last first: the draft's words come back in order
    for change in sorted(result.changes, key=lambda c: (-c.rewrite_span[0], -(c.rewrite_span[1] - c.rewrite_span[0]))):
        start, end = change.rewrite_span
        back = change.before if change.kind != "removed" else f" {change.before} "
        text = text[:start] + back + text[end:]
    assert " ".join(text.split()) == " ".join(draft.split())


def test_the_check_example_is_what_the_check_answers(client):
    request = examples.CHECK_REQUEST["turned-down"]["value"]
    answer = client.post("/v1/check", json=request).json()
    assert answer["ok"] == examples.CHECK_RESULT["ok"]
    assert answer["problems"] == examples.CHECK_RESULT["problems"]


def test_readiness_reuses_its_index_answer_briefly_and_an_ingest_renews_it(tmp_path, monkeypatch):
    from coach.api.models import Check
    from coach.api.readiness import Warmth

    warmth = Warmth(Settings(data_dir=tmp_path / "index", collection="t", chroma_host=None, model=None))
    calls = []
    monkeypatch.setattr(warmth, "index_check", lambda: calls.append(1) or Check(ok=False, detail="empty"))
    assert warmth.needs_io()
    warmth.report()
    assert not warmth.needs_io()  # a probe now only reads: it can answer on the event loop
    warmth.report()
    assert len(calls) == 1
    warmth.index_changed()
    warmth.report()
    assert len(calls) == 2
