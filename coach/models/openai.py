"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp's server) through langchain-openai."""

from __future__ import annotations

import time
from collections.abc import Iterator

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from coach.models.answer import RewriteFieldStream, parse_answer
from coach.models.base import Backend, BackendError, Message, ModelOutput, RewriteJob
from coach.schemas import Usage

_ROLES = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
MODEL_BUDGET_SPENT = "model time budget spent"
NO_JSON_AFTER_CHARS = 400  # about 100 tokens of prose before any "{": the answer cannot become valid JSON


class OpenAIChat(Backend):
    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        temperature: float = 0.2,
    ) -> None:
        self.model = model
        self.name = f"llm:{model}"
        self.timeout, self.retries = timeout, retries
        self.chat = ChatOpenAI(
            model=model,
            base_url=base_url,
            # Local servers (vLLM, Ollama, llama.cpp) accept any key, but the client insists on one.
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=retries,
            temperature=temperature,
            stream_usage=True,
        )

    def _chat(self, job: RewriteJob):
        """The client for this job: the answer bounded to `job.max_tokens`, the call to the time left."""
        options: dict = {}
        if job.max_tokens:
            options["max_tokens"] = job.max_tokens
        if job.deadline is not None:
            left = job.deadline - time.monotonic()
            if left <= 0:
                raise BackendError(MODEL_BUDGET_SPENT)
            # The client retries a failed call `retries` times: each try gets its share of the time left.
            options["timeout"] = min(self.timeout, left / (self.retries + 1))
        return self.chat.bind(**options) if options else self.chat

    def rewrite(self, job: RewriteJob) -> ModelOutput:
        chat = self._chat(job)
        try:
            reply = chat.invoke(_to_langchain(job.messages))
        except Exception as exc:  # every client failure becomes a fallback reason
            raise BackendError(describe_error(exc)) from exc
        return parse_answer(_text(reply), _usage(reply))

    def complete(self, messages: list[Message]) -> str:
        try:
            return _text(self.chat.invoke(_to_langchain(messages)))
        except Exception as exc:  # every client failure is a BackendError, as for a rewrite
            raise BackendError(describe_error(exc)) from exc

    def stream(self, job: RewriteJob) -> Iterator[str | ModelOutput]:
        """Deltas of the rewrite as they arrive, then the parsed answer. The stream is cut as soon as the
        model's time budget is spent, however steadily the chunks come."""
        chat = self._chat(job)
        field = RewriteFieldStream()
        parts: list[str] = []
        usage = Usage()
        seen, opened = 0, False
        try:
            for chunk in chat.stream(_to_langchain(job.messages)):
                if job.deadline is not None and time.monotonic() > job.deadline:
                    raise BackendError(MODEL_BUDGET_SPENT, raw="".join(parts) or None)
                text = _text(chunk)
                if chunk.usage_metadata:
                    usage = _usage(chunk)
                if text:
                    parts.append(text)
                    seen += len(text)
                    if not opened:
                        opened = "{" in text
                        if not opened and seen > NO_JSON_AFTER_CHARS:
                            raise BackendError(f"malformed answer: no JSON object in its first {NO_JSON_AFTER_CHARS} characters", raw="".join(parts))
                    delta = field.feed(text)
                    if delta:
                        yield delta
        except BackendError:
            raise
        except Exception as exc:
            raise BackendError(describe_error(exc)) from exc
        yield parse_answer("".join(parts), usage)


def describe_error(exc: Exception) -> str:
    if isinstance(exc, ValueError) and "JSON" in type(exc).__name__ + str(exc):
        return "malformed answer: the endpoint's response was not valid JSON"
    if isinstance(exc, openai.APITimeoutError):
        return "model timed out"
    if isinstance(exc, openai.APIStatusError):
        return f"model endpoint answered HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return "model endpoint unreachable"
    return f"model call failed: {type(exc).__name__}"


def _to_langchain(messages: list[Message]) -> list[BaseMessage]:
    return [_ROLES[m.role](content=m.content) for m in messages]


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def _usage(message: BaseMessage) -> Usage:
    meta = getattr(message, "usage_metadata", None) or {}
    return Usage(prompt_tokens=meta.get("input_tokens", 0), completion_tokens=meta.get("output_tokens", 0))
