"""A scripted OpenAI-compatible server: the model boundary in tests and benchmarks.

    with OpenAIStub([Reply("Hello Sarah"), Reply(status=500)]) as stub:
        client = OpenAI(base_url=stub.base_url, api_key="test")
        ...
        assert stub.chat_requests[0]["messages"][-1]["content"] == "..."

Serves `POST /v1/chat/completions` (JSON, or SSE when `"stream": true`), `POST /v1/embeddings`
(deterministic vectors, see `openai_payloads`) and `GET /v1/models`. Chat requests take the next
scripted reply from the queue, or the default (an echo of the last user message) once it is empty.
`/_stub/requests` (GET) and `/_stub/replies` (POST) let a test script a stub in another process.

Run standalone for subprocess tests, HTTP benchmarks and offline prompt work:

    python -m coach.testing.openai_stub --port 8765 --latency 0.05 --reply-file replies.json
    python -m coach.testing.openai_stub --port 8765 --scripted --rules rules.json   # prompt-sensitive

langchain's `OpenAIEmbeddings` must be built with `check_embedding_ctx_length=False`: otherwise
it tokenizes with tiktoken's `cl100k_base`, which it downloads. The stub accepts token arrays
too, so a client that has the tokenizer cached works either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from coach.testing import openai_payloads as payloads


@dataclass
class Reply:
    """One scripted answer. `content=None` with status 200 sends `"content": null`."""

    content: str | None = None
    status: int = 200
    delay: float = 0.0  # seconds before the response starts (on top of the stub's latency)
    raw: str | None = None  # sent verbatim instead of a JSON body, e.g. malformed or truncated
    error_message: str = "scripted error from the OpenAI stub"
    error_type: str | None = None  # default follows the status, e.g. "server_error" for 5xx
    chunks: list[str] | None = None  # stream exactly these deltas instead of the content split by words
    chunk_delay: float = 0.0  # seconds between streamed deltas
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"retry-after": "0"} on a 429

    @classmethod
    def parse(cls, item: str | dict) -> Reply:
        """From a reply file or `/_stub/replies`: a string is the content, an object the fields."""
        if isinstance(item, str):
            return cls(content=item)
        known = {f.name for f in fields(cls)}
        unknown = set(item) - known
        if unknown:
            raise ValueError(f"unknown reply fields {sorted(unknown)}; expected some of {sorted(known)}")
        return cls(**item)


Responder = Callable[[dict], "Reply | str"]
Scripted = Reply | str | Responder


def echo(request: dict) -> Reply:
    """The default reply: the last user message, verbatim."""
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    return Reply(content=payloads.message_text(users[-1]) if users else "")


@dataclass
class RecordedRequest:
    path: str
    body: dict | None  # None when the body was not valid JSON
    headers: dict[str, str]


class OpenAIStub:
    """The server, in a background thread of this process (or in the foreground, see `main`)."""

    def __init__(
        self,
        replies: Iterable[Scripted] = (),
        *,
        default: Scripted | None = None,
        latency: float = 0.0,
        embedding_dimensions: int = 64,
        models: Iterable[str] = ("gpt-4o-mini", "text-embedding-3-small"),
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
    ) -> None:
        self.default: Scripted = default if default is not None else echo
        self.latency = latency  # every chat and embeddings response waits this long first
        self.embedding_dimensions = embedding_dimensions
        self.models = list(models)
        self.host, self.port = host, port
        self.record = record
        self._replies: deque[Scripted] = deque(replies)
        self._embedding_replies: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app = self._build_app()

    # --- scripting and inspection ---------------------------------------------------

    def push(self, *replies: Scripted) -> None:
        """Queue replies for the next chat completions, in order."""
        self._replies.extend(replies)

    def push_embedding(self, *replies: Reply) -> None:
        """Queue failures or delays for the next embeddings requests (their content is ignored)."""
        self._embedding_replies.extend(replies)

    @property
    def pending(self) -> int:
        return len(self._replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[dict]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions") and r.body is not None]

    @property
    def embedding_requests(self) -> list[dict]:
        return [r.body for r in self.requests if r.path.endswith("/embeddings") and r.body is not None]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
        self._replies.clear()
        self._embedding_replies.clear()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What OpenAI clients take as `base_url`."""
        return f"{self.url}/v1"

    # --- lifecycle --------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> OpenAIStub:
        self._stopping.clear()
        self._server, sock = self._make_server()
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"openai-stub-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the OpenAI stub did not start on {self.url}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends scripted delays early
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _make_server(self) -> tuple[uvicorn.Server, socket.socket]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_config=None, log_level="warning",
            access_log=False, lifespan="off", timeout_graceful_shutdown=2,
        )  # fmt: skip
        return uvicorn.Server(config), sock

    # --- the HTTP side -----------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="OpenAI stub", docs_url=None, redoc_url=None, openapi_url=None)
        app.add_api_route("/v1/chat/completions", self._chat, methods=["POST"])
        app.add_api_route("/v1/embeddings", self._embeddings, methods=["POST"])
        app.add_api_route("/v1/models", self._models, methods=["GET"])
        app.add_api_route("/_stub/requests", self._recorded, methods=["GET"])
        app.add_api_route("/_stub/replies", self._push_replies, methods=["POST"])
        return app

    async def _chat(self, request: Request) -> Response:
        body = await self._read(request)
        if body is None:
            return _error(400, "the request body is not valid JSON")
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            return _error(400, "'model' and a non-empty 'messages' array are required")
        try:
            reply = self._next_reply(body)
        except Exception as exc:  # a responder's bug shows up in the client as a 500
            return _error(500, f"the stub's responder failed: {exc!r}")
        await self._pause(self.latency + reply.delay)
        stream = bool(body.get("stream"))
        if reply.raw is not None:
            media = "text/event-stream" if stream else "application/json"
            return Response(reply.raw, status_code=reply.status, media_type=media, headers=reply.headers)
        if reply.status >= 400:
            return _error(reply.status, reply.error_message, reply.error_type, reply.headers)
        usage = payloads.usage(payloads.prompt_tokens(messages), payloads.tokens(reply.content))
        if stream:
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            events = self._stream(body["model"], reply, usage, include_usage)
            return StreamingResponse(events, media_type="text/event-stream", headers=reply.headers)
        completion = payloads.chat_completion(body["model"], reply.content, reply.finish_reason, usage)
        return JSONResponse(completion, headers=reply.headers)

    async def _stream(self, model: str, reply: Reply, usage: dict, include_usage: bool) -> AsyncIterator[str]:
        maker = payloads.ChunkMaker(model, include_usage)
        yield _event(maker.delta({"role": "assistant", "content": "", "refusal": None}))
        if reply.chunks is not None:
            pieces = reply.chunks
        else:
            pieces = payloads.split_for_stream(reply.content) if reply.content is not None else []
        for index, piece in enumerate(pieces):
            if index and reply.chunk_delay:
                await self._pause(reply.chunk_delay)
            yield _event(maker.delta({"content": piece}))
        yield _event(maker.delta({}, finish_reason=reply.finish_reason))
        if include_usage:
            yield _event(maker.usage(usage))
        yield "data: [DONE]\n\n"

    async def _embeddings(self, request: Request) -> Response:
        body = await self._read(request)
        if body is None:
            return _error(400, "the request body is not valid JSON")
        try:
            texts = payloads.embedding_inputs(body.get("input"))
        except ValueError as exc:
            return _error(400, str(exc))
        reply = self._embedding_replies.popleft() if self._embedding_replies else Reply()
        await self._pause(self.latency + reply.delay)
        if reply.raw is not None:
            return Response(reply.raw, status_code=reply.status, media_type="application/json")
        if reply.status >= 400:
            return _error(reply.status, reply.error_message, reply.error_type, reply.headers)
        dimensions = int(body.get("dimensions") or self.embedding_dimensions)
        model = str(body.get("model") or "text-embedding-3-small")
        return JSONResponse(
            payloads.embeddings_response(model, texts, dimensions, body.get("encoding_format") or "float")
        )

    async def _models(self) -> Response:
        return JSONResponse(payloads.models_list(self.models))

    async def _recorded(self) -> Response:
        return JSONResponse([asdict(r) for r in self.requests])

    async def _push_replies(self, request: Request) -> Response:
        try:
            items = json.loads(await request.body())
            replies = [Reply.parse(item) for item in (items if isinstance(items, list) else [items])]
        except (ValueError, TypeError) as exc:
            return _error(400, f"bad replies: {exc}")
        self.push(*replies)
        return JSONResponse({"queued": len(replies), "pending": self.pending})

    async def _read(self, request: Request) -> dict | None:
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = None
        if self.record:
            with self._lock:
                self._requests.append(RecordedRequest(request.url.path, body, dict(request.headers)))
        return body

    def _next_reply(self, body: dict) -> Reply:
        try:
            scripted = self._replies.popleft()
        except IndexError:
            scripted = self.default
        if callable(scripted):
            scripted = scripted(body)
        return Reply(content=scripted) if isinstance(scripted, str) else scripted

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up when the stub stops so shutdown never waits for a long scripted delay."""
        end = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.05))


def _event(chunk: dict) -> str:
    return f"data: {json.dumps(chunk)}\n\n"


def _error(status: int, message: str, error_type: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(payloads.error_body(message, status, error_type), status_code=status, headers=headers)


def load_reply_file(path: Path) -> tuple[list[Reply], Reply | None]:
    """A JSON list of replies, or `{"replies": [...], "default": reply}`; a reply is a string or an object."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {"replies": data}
    default = data.get("default")
    return [Reply.parse(item) for item in data.get("replies", [])], (Reply.parse(default) if default else None)


class RuleResponder:
    """Answers by the first rule whose `when` text occurs in the request's messages (the system prompt, the
    user message, a repair): a prompt-sensitive stub, so two prompt versions get different answers offline.
    With no rule matching, `fallback` answers."""

    def __init__(self, rules: list[dict], fallback: Scripted) -> None:
        self.rules = [(str(rule["when"]), Reply.parse(rule["reply"])) for rule in rules]
        self.fallback = fallback

    def __call__(self, request: dict) -> Reply | str:
        text = "\n".join(str(m.get("content") or "") for m in request.get("messages", []) if isinstance(m, dict))
        for when, reply in self.rules:
            if when in text:
                return reply
        return self.fallback(request) if callable(self.fallback) else self.fallback


def load_rules(path: Path) -> list[dict]:
    """A JSON list of `{"when": "text in the prompt", "reply": "content" or a reply object}`."""
    rules = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(rules, list) or not all(isinstance(r, dict) and "when" in r and "reply" in r for r in rules):
        raise ValueError(f"{path}: expected a list of {{when, reply}} objects")
    return rules


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coach.testing.openai_stub", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every chat/embeddings response")
    parser.add_argument("--reply-file", type=Path, help="JSON list of replies, or {replies: [...], default: reply}")
    parser.add_argument("--embedding-dimensions", type=int, default=64)
    parser.add_argument("--no-record", action="store_true", help="keep no request log (long benchmarks)")
    parser.add_argument("--scripted", action="store_true", help="answer rewrite prompts as coach's scripted model does (plausible, imperfect)")
    parser.add_argument("--rules", type=Path, help='JSON list of {"when": "text in the prompt", "reply": ...}: a prompt-sensitive stub')
    args = parser.parse_args(argv)

    replies, default = load_reply_file(args.reply_file) if args.reply_file else ([], None)
    if args.scripted:
        from coach.evals.scripted import respond

        default = respond
    if args.rules:
        default = RuleResponder(load_rules(args.rules), default or echo)
    stub = OpenAIStub(
        replies, default=default, latency=args.latency, embedding_dimensions=args.embedding_dimensions,
        host=args.host, port=args.port, record=not args.no_record,
    )  # fmt: skip
    # The server runs in a thread so the ready line is printed only once the port answers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with stub:
        print(f"OpenAI stub ready at {stub.base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
