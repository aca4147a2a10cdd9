"""Rewrites through the API with a scripted model behind it: streaming order, repair, fallback, never a 500."""

from __future__ import annotations

import json

import pytest
from api_support import USER_KEY, LiveServer, api_settings, model_answer, sse_events

from coach.testing.openai_stub import Reply

pytestmark = pytest.mark.slow

DRAFT = "hey mate, your order #48213 of £45.00 ships on 12 March. Track it at https://track.example.com/48213"
CONTEXT = {"customer_name": "Sarah", "customer_message": "This is the second time my order is late!"}
GOOD = (
    "Hi Sarah, I'm sorry your order is late again. Your order #48213 of £45.00 ships on 12 March, "
    "and you can follow it at https://track.example.com/48213"
)
LOST_A_FACT = "Hi Sarah, I'm sorry your order is late again. It ships on 12 March."
REQUEST = {"draft": DRAFT, "context": CONTEXT}


@pytest.fixture
def live(tmp_path, openai_stub):
    settings = api_settings(
        tmp_path, model="stub-model", openai_base_url=openai_stub.base_url, openai_api_key="x",
        model_retries=0, model_timeout=1.5, guidance_k=0,
    )  # fmt: skip
    with LiveServer(settings, warm_up=False) as server, server.client(USER_KEY) as client:
        server.stub = openai_stub
        server.http = client
        yield server


def _stream(live, body=None, **headers):
    response = live.http.post("/v1/rewrite", json={**(body or REQUEST), "stream": True}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-request-id"]
    return sse_events(response.text)


def test_streams_analysis_then_deltas_then_the_result(live):
    change = {"kind": "replaced", "before": "hey mate,", "after": "Hi Sarah,", "reason": "over-familiar", "cites": ["no-mate-talk"]}
    live.stub.push(Reply(model_answer(GOOD, [change], ["no-mate-talk"])))
    events = _stream(live)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "analysis" and kinds[-1] == "result"
    assert kinds.count("delta") >= 2 and set(kinds[1:-1]) == {"delta"}
    analysis = events[0][1]
    assert any(f["level"] == "error" for f in analysis["findings"])
    streamed = "".join(data["text"] for kind, data in events if kind == "delta")
    result = events[-1][1]
    assert result["engine"] == "llm:stub-model" and result["fallback"] is None
    assert streamed.strip() == result["rewrite"] == GOOD
    assert result["citations"][0]["card"] == "no-mate-talk"
    assert live.stub.chat_requests[0]["stream"] is True


def test_accept_header_asks_for_the_stream_too(live):
    live.stub.push(Reply(model_answer(GOOD)))
    response = live.http.post("/v1/rewrite", json=REQUEST, headers={"Accept": "text/event-stream"})
    assert response.headers["content-type"].startswith("text/event-stream")
    kinds = [kind for kind, _ in sse_events(response.text)]
    assert (kinds[0], kinds[-1]) == ("analysis", "result") and "delta" in kinds


def test_a_repaired_answer_replaces_the_streamed_one(live):
    live.stub.push(Reply(model_answer(LOST_A_FACT)), Reply(model_answer(GOOD)))
    events = _stream(live)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "analysis" and "delta" in kinds
    assert kinds[-2:] == ["replaced", "result"]
    replaced, result = events[-2][1], events[-1][1]
    assert replaced["engine"] == "llm:stub-model" and "repaired" in replaced["reason"]
    assert replaced["rewrite"] == result["rewrite"] == GOOD
    assert [a["ok"] for a in result["attempts"]] == [False, True]
    assert "missing" in json.dumps(live.stub.chat_requests[1]["messages"][-1])  # the repair prompt names the problem


def test_when_repair_fails_too_the_rules_engine_replaces_it(live):
    live.stub.push(Reply(model_answer(LOST_A_FACT)), Reply(model_answer(LOST_A_FACT)))
    events = _stream(live)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "analysis" and kinds[-2:] == ["replaced", "result"]
    replaced, result = events[-2][1], events[-1][1]
    assert replaced["engine"] == "rules" and "verification failed" in replaced["reason"]
    assert result["engine"] == "rules" and result["fallback"] == replaced["reason"]
    assert "#48213" in result["rewrite"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [(Reply(status=500), "HTTP 500"), (Reply(model_answer(GOOD), delay=5), "timed out"), (Reply(raw="{oops"), "")],
    ids=["http-500", "timeout", "malformed"],
)
def test_a_failing_model_falls_back_to_the_rules_engine(live, reply, reason):
    live.stub.push(reply)
    response = live.http.post("/v1/rewrite", json=REQUEST)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["engine"] == "rules"
    assert result["fallback"] and reason in result["fallback"]
    assert "#48213" in result["rewrite"]
    metrics = live.http.get("/metrics").text
    assert 'coach_rewrites_total{engine="rules"} 1.0' in metrics
    assert "coach_fallbacks_total{reason=" in metrics


def test_a_failing_model_while_streaming_still_ends_with_a_result(live):
    live.stub.push(Reply(status=503))
    events = _stream(live)
    kinds = [kind for kind, _ in events]
    assert kinds == ["analysis", "replaced", "result"]
    assert events[-1][1]["engine"] == "rules" and "503" in events[-1][1]["fallback"]
    assert "error" not in kinds


def test_model_tokens_are_counted(live):
    live.stub.push(Reply(model_answer(GOOD)))
    assert live.http.post("/v1/rewrite", json=REQUEST).json()["engine"] == "llm:stub-model"
    metrics = live.http.get("/metrics").text
    assert 'coach_rewrites_total{engine="llm"} 1.0' in metrics
    assert 'coach_model_tokens_total{kind="prompt"}' in metrics and 'coach_model_tokens_total{kind="completion"}' in metrics
