"""The model part of a rewrite is bounded (issue 22): the answer's tokens, and one time budget for the call,
the stream and the repair, against the scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import math
import time

from coach.config import Settings
from coach.pipeline import rewrite, rewrite_events
from coach.prompting import answer_token_bound
from coach.schemas import Constraints, Context, RewriteRequest
from coach.testing.openai_stub import Reply

DRAFT = "hey mate, your order #48213 of £45.00 ships on 12 March. Track it at https://track.example.com/48213"
CONTEXT = Context(customer_name="Sarah", customer_message="This is the second time my order is late!")


def settings_for(openai_stub, tmp_path, **extra) -> Settings:
    return Settings(data_dir=tmp_path / "index", model="stub-model", openai_base_url=openai_stub.base_url,
                    openai_api_key="test", model_retries=0, **extra)  # fmt: skip


def test_the_answer_is_bounded_by_the_drafts_length_and_the_setting(openai_stub, tmp_path):
    request = RewriteRequest(draft=DRAFT, context=CONTEXT)
    openai_stub.push(Reply(content="not json"), Reply(content="still not json"))
    rewrite(request, settings=settings_for(openai_stub, tmp_path))
    bound = answer_token_bound(request, 4096)
    assert bound == math.ceil(RewriteRequest(draft=DRAFT).word_limit * 1.5) + 400
    sent = openai_stub.chat_requests[0]
    asked = sent.get("max_tokens") or sent.get("max_completion_tokens")
    assert asked == bound, sent.keys()
    assert answer_token_bound(RewriteRequest(draft=DRAFT * 50, context=CONTEXT), 1000) == 1000  # the setting caps it
    short = RewriteRequest(draft=DRAFT, context=CONTEXT, constraints=Constraints(max_words=20))
    assert answer_token_bound(short, 4096) == 20 * 3 // 2 + 400


def test_an_endless_stream_is_cut_at_the_model_budget(openai_stub, tmp_path):
    endless = Reply(chunks=['{"rewrite": "Hi Sarah, ', *["and so on, " for _ in range(400)]], chunk_delay=0.02)
    openai_stub.push(endless)
    settings = settings_for(openai_stub, tmp_path, model_budget=1.0, model_timeout=30)
    started = time.monotonic()
    events = list(rewrite_events(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=settings, stream=True))
    took = time.monotonic() - started
    kinds = [e.kind for e in events]
    assert "delta" in kinds and "replaced" in kinds and kinds[-1] == "result"
    result = events[-1].data
    assert result.engine == "rules" and "budget" in result.fallback
    assert took < 4.0, took  # the endless answer would take 8 s and more


def test_a_slow_answer_falls_back_within_the_model_budget(openai_stub, tmp_path):
    openai_stub.push(Reply(content="never read", delay=10))
    settings = settings_for(openai_stub, tmp_path, model_budget=1.0, model_timeout=30)
    started = time.monotonic()
    result = rewrite(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=settings)
    assert time.monotonic() - started < 4.0
    assert result.engine == "rules" and result.fallback and "#48213" in result.rewrite


# --- early abort: a stream that cannot become a valid answer is cut, not waited for ------------------


def test_a_stream_of_prose_with_no_json_is_cut_early(openai_stub, tmp_path):
    prose = Reply(chunks=["Sure! Here is a friendlier version of the reply you asked me to write. " for _ in range(200)], chunk_delay=0.01)
    openai_stub.push(prose, Reply(content="not json either"))
    settings = settings_for(openai_stub, tmp_path, model_budget=30.0)
    started = time.monotonic()
    events = list(rewrite_events(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=settings, stream=True))
    assert time.monotonic() - started < 1.5  # the whole prose stream takes over 2 s
    result = events[-1].data
    assert result.engine == "rules" and "no JSON object" in (result.attempts[0].error or "")


def test_a_stream_that_changes_a_fact_is_cut_before_its_end(openai_stub, tmp_path):
    altered = '{"rewrite": "Hi Sarah, I am so sorry your order #48913 of £45.00 is late again. It ships on 12 March, and '
    chunks = [altered, *["I will keep you posted every single step of the way until it arrives at your door, "] * 60, '"}']
    openai_stub.push(Reply(chunks=chunks, chunk_delay=0.02), Reply(content="not json"))
    settings = settings_for(openai_stub, tmp_path, model_budget=30.0)
    started = time.monotonic()
    events = list(rewrite_events(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=settings, stream=True))
    assert time.monotonic() - started < 1.0  # the whole stream takes 1.2 s and more
    result = events[-1].data
    assert result.engine == "rules" and "#48213" in result.rewrite
    assert "cut early" in (result.attempts[0].error or "") and "48913" in result.attempts[0].error


def test_retries_share_the_model_budget(openai_stub, tmp_path):
    openai_stub.push(*[Reply(content="never read", delay=10) for _ in range(3)])
    settings = settings_for(openai_stub, tmp_path, model_budget=1.5, model_timeout=30).model_copy(update={"model_retries": 2})
    started = time.monotonic()
    result = rewrite(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=settings)
    assert time.monotonic() - started < 5.0  # three tries of 10 s each without the shared budget
    assert result.engine == "rules"


def test_the_request_budget_caps_the_model_and_leaves_the_rules_room(openai_stub, tmp_path):
    from coach.budget import deadline

    openai_stub.push(Reply(content="never read", delay=10))
    settings = settings_for(openai_stub, tmp_path, model_budget=30.0, model_timeout=30)
    started = time.monotonic()
    result = rewrite(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=settings, deadline=deadline(3.0))
    assert time.monotonic() - started < 3.5
    assert result.engine == "rules" and "#48213" in result.rewrite  # the rules engine answered, not "none"


def test_a_faithful_stream_is_not_cut_when_a_chunk_ends_inside_a_fact(openai_stub, tmp_path):
    draft = "hey, call us on 0800 123 4567 about order #48213 before Monday 3rd June."
    good = "Hi Sarah, please call us on 0800 123 4567 about order #48213 before Monday 3rd June, and we will sort it out together for you."
    payload = json.dumps({"rewrite": good, "changes": [], "cites": []})
    cut_at = payload.index("0800 123") + len("0800 1")
    chunks = [payload[:cut_at], payload[cut_at : cut_at + 3], payload[cut_at + 3 :]]
    openai_stub.push(Reply(chunks=chunks, chunk_delay=0.05))
    settings = settings_for(openai_stub, tmp_path, model_budget=30.0)
    events = list(rewrite_events(RewriteRequest(draft=draft, context=CONTEXT), settings=settings, stream=True))
    assert not any("cut early" in (a.error or "") for a in events[-1].data.attempts), events[-1].data.attempts
