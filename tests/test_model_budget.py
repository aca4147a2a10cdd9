"""The model part of a rewrite is bounded (issue 22): the answer's tokens, and one time budget for the call,
the stream and the repair, against the scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

import math
import time

from coach.config import Settings
from coach.pipeline import rewrite, rewrite_events
from coach.prompting import answer_token_bound, default_max_words
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
    assert bound == math.ceil(default_max_words(DRAFT) * 1.5) + 400
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
