"""The LLM path end to end against a scripted OpenAI-compatible server on loopback (real openai client,
real HTTP): good answers pass; broken ones are repaired once or fall back to the rules engine, and the
caller never sees an exception."""

from __future__ import annotations

import json

import pytest

from coach.config import Settings
from coach.pipeline import rewrite, rewrite_events
from coach.schemas import Context, EngineChoice, RewriteRequest
from coach.testing.openai_stub import Reply

DRAFT = "hey mate, your order #48213 is delayed again lol. cant do anything its company policy"
CONTEXT = Context(customer_name="Sarah", customer_message="This is the second time my order is late!")
GOOD = (
    "Hi Sarah,\n\nI'm sorry your order #48213 is delayed again; I know this is the second time. "
    "I'll chase the courier and update you by email as soon as I hear back."
)


def answer(text: str, **extra) -> str:
    return json.dumps({"rewrite": text, "changes": [], "cites": ["use-the-name", "acknowledge-emotion"], **extra})


@pytest.fixture
def llm_settings(openai_stub, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "index", model="stub-model", openai_base_url=openai_stub.base_url,
        openai_api_key="test-key", model_retries=0, model_timeout=2.0, guidance_k=0,
    )  # fmt: skip


def run(settings: Settings, draft: str = DRAFT, context: Context = CONTEXT):
    return rewrite(RewriteRequest(draft=draft, context=context), settings=settings)


def test_a_good_answer_is_used_and_cited(openai_stub, llm_settings):
    openai_stub.push(Reply(content="Here you go:\n```json\n" + answer(GOOD) + "\n```"))
    result = run(llm_settings)
    assert result.engine == "llm:stub-model" and result.fallback is None
    assert result.rewrite == GOOD
    assert {c.card for c in result.citations} == {"use-the-name", "acknowledge-emotion"}
    assert result.prompt_version == "rewrite/v1"
    assert result.facts.ok and result.usage.prompt_tokens > 0
    assert {"analyse", "retrieve", "prompt", "model", "verify", "total"} <= result.timings_ms.keys()
    sent = openai_stub.chat_requests[0]
    assert sent["model"] == "stub-model"
    assert "#48213" in sent["messages"][0]["content"]  # protected facts in the system prompt
    assert "~~~ DRAFT\nhey mate" in sent["messages"][1]["content"]  # the draft fenced as data


def test_invented_citations_are_dropped(openai_stub, llm_settings):
    openai_stub.push(answer(GOOD, cites=["use-the-name", "a-card-that-does-not-exist"]))
    assert [c.card for c in run(llm_settings).citations] == ["use-the-name"]


@pytest.mark.parametrize(
    ("bad", "violation"),
    [
        (GOOD.replace("#48213 ", ""), "#48213"),
        (GOOD + " I've also refunded you £20.", "£20"),
        (GOOD.replace("Hi Sarah,", "Hi mate,"), "mate"),
        (GOOD + " We will send you a replacement.", "replacement"),
    ],
    ids=["dropped-fact", "invented-refund", "slang", "new-commitment"],
)
def test_a_broken_answer_is_repaired_once(openai_stub, llm_settings, bad, violation):
    openai_stub.push(answer(bad), answer(GOOD))
    result = run(llm_settings)
    assert result.engine == "llm:stub-model" and result.rewrite == GOOD
    first, second = result.attempts
    assert not first.ok and any(violation in v for v in first.violations)
    assert second.ok
    repair_prompt = openai_stub.chat_requests[1]["messages"][-1]["content"]
    assert "failed these checks" in repair_prompt and violation in repair_prompt


@pytest.mark.parametrize(
    ("replies", "reason"),
    [
        ([answer(GOOD.replace("#48213 ", ""))] * 2, "verification failed"),
        ([Reply(raw='{"rewrite": "Hi Sarah, your ord')], "malformed"),
        ([Reply(content="Sorry, I can't help with that.")], "malformed"),
        ([Reply(content="")], "malformed"),
        ([answer("   ")], "empty"),
        ([Reply(status=500)], "HTTP 500"),
        ([Reply(status=429, headers={"retry-after": "0"})], "HTTP 429"),
        ([Reply(content=answer(GOOD), delay=3.0)], "timed out"),
        ([answer("Hallo Sarah, Ihre Bestellung #48213 ist leider wieder verspätet. Wir melden uns bei Ihnen, sobald wir mehr wissen.")] * 2, "verification failed"),
    ],
    ids=["fact-lost-twice", "truncated-json", "prose", "empty-content", "blank-rewrite", "http-500", "http-429", "timeout", "other-language"],
)
def test_failures_fall_back_to_the_rules_engine(openai_stub, llm_settings, replies, reason):
    openai_stub.push(*replies)
    result = run(llm_settings)
    assert result.engine == "rules"
    assert reason in result.fallback
    assert "#48213" in result.rewrite and "mate" not in result.rewrite.lower()
    assert result.facts.ok
    assert result.attempts[-1].engine == "rules"


def test_unreachable_endpoint_falls_back(llm_settings):
    settings = llm_settings.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1"})
    result = run(settings)
    assert result.engine == "rules" and "unreachable" in result.fallback


def test_llm_requested_without_a_model_says_so(tmp_path):
    request = RewriteRequest(draft=DRAFT, context=CONTEXT, engine=EngineChoice.llm)
    result = rewrite(request, settings=Settings(data_dir=tmp_path, model=None))
    assert result.engine == "rules" and "no LLM is configured" in result.fallback


def test_rules_engine_chosen_explicitly_is_not_a_fallback(openai_stub, llm_settings):
    request = RewriteRequest(draft=DRAFT, context=CONTEXT, engine=EngineChoice.rules)
    result = rewrite(request, settings=llm_settings)
    assert result.engine == "rules" and result.fallback is None and not openai_stub.chat_requests


def test_stream_events_arrive_in_order(openai_stub, llm_settings):
    openai_stub.push(answer(GOOD))
    events = list(rewrite_events(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=llm_settings))
    kinds = [e.kind for e in events]
    assert kinds[0] == "analysis" and kinds[-1] == "result" and "replaced" not in kinds
    deltas = [e.data for e in events if e.kind == "delta"]
    assert len(deltas) > 3 and "".join(deltas) == GOOD


def test_stream_says_when_the_streamed_text_was_replaced(openai_stub, llm_settings):
    openai_stub.push(answer(GOOD.replace("Hi Sarah,", "Hi mate,")), answer(GOOD))
    events = list(rewrite_events(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=llm_settings))
    replaced = [e.data for e in events if e.kind == "replaced"]
    assert replaced and replaced[0]["rewrite"] == GOOD
    assert events[-1].data.rewrite == GOOD


def test_stream_failure_falls_back_with_a_replaced_event(openai_stub, llm_settings):
    openai_stub.push(Reply(status=500))
    events = list(rewrite_events(RewriteRequest(draft=DRAFT, context=CONTEXT), settings=llm_settings))
    replaced = [e.data for e in events if e.kind == "replaced"]
    assert replaced and replaced[0]["engine"] == "rules"
    assert events[-1].data.engine == "rules"


@pytest.mark.parametrize(
    "index",
    [{"chroma_host": "127.0.0.1", "chroma_port": 9}, {"embeddings": "openai:not-served"}],
    ids=["chroma-down", "index-missing-or-other-model"],
)
def test_guidance_trouble_degrades_to_linked_cards_with_a_note(openai_stub, llm_settings, index):
    openai_stub.push(answer(GOOD))
    settings = llm_settings.model_copy(update={"guidance_k": 4, "guidance_tokens": 4000, **index})
    result = run(settings)
    assert result.engine == "llm:stub-model" and result.rewrite == GOOD
    assert any("Guidance search unavailable" in note for note in result.notes)
    system_prompt = openai_stub.chat_requests[0]["messages"][0]["content"]
    assert "[no-mate-talk]" in system_prompt  # the cards the findings point at still guide the model


def test_search_is_skipped_when_the_findings_cards_fill_the_budget(openai_stub, llm_settings):
    openai_stub.push(answer(GOOD))
    # An unreachable Chroma would leave a note if the search ran at all.
    settings = llm_settings.model_copy(update={"guidance_k": 4, "guidance_tokens": 600, "chroma_host": "127.0.0.1", "chroma_port": 9})
    result = run(settings)
    assert result.engine == "llm:stub-model" and not result.notes


def test_a_models_changes_get_ids_and_spans_where_their_words_are_found(openai_stub, llm_settings):
    changes = [
        {"kind": "replaced", "before": "hey mate,", "after": "Hi Sarah,", "reason": "name", "cites": ["use-the-name"]},
        {"kind": "replaced", "before": "cant do anything its company policy", "after": "I'll chase the courier",
         "reason": "no flat no", "cites": ["no-flat-no"]},
        {"kind": "added", "before": "", "after": "words the rewrite does not have", "reason": "x", "cites": []},
    ]  # fmt: skip
    openai_stub.push(Reply(content=answer(GOOD, changes=changes)))
    result = run(llm_settings)
    assert result.engine == "llm:stub-model"
    assert [c.id for c in result.changes] == ["c1", "c2", "c3"]
    for change in result.changes[:2]:
        assert DRAFT[slice(*change.draft_span)] == change.before
        assert result.rewrite[slice(*change.rewrite_span)] == change.after
    assert result.changes[2].rewrite_span is None  # not in the rewrite: the page cannot undo it alone
