"""Rewrite backends behind one interface: an OpenAI-compatible chat model, and the rules engine."""

from __future__ import annotations

from functools import lru_cache

from coach.config import Settings
from coach.models.base import Backend, BackendError, Message, ModelOutput, RewriteJob

__all__ = ["Backend", "BackendError", "Message", "ModelOutput", "RewriteJob", "configured_llm", "rules_backend"]


def configured_llm(settings: Settings) -> Backend | None:
    """The chat model the settings name, or None when no model is configured."""
    if not settings.model:
        return None
    return _llm(
        settings.model, settings.openai_base_url, settings.openai_api_key,
        settings.model_timeout, settings.model_retries, settings.model_temperature,
    )  # fmt: skip


@lru_cache(maxsize=8)
def _llm(model: str, base_url: str | None, api_key: str | None, timeout: float, retries: int, temperature: float) -> Backend:
    from coach.models.openai import OpenAIChat  # langchain-openai is only imported when a model is used

    return OpenAIChat(model, base_url=base_url, api_key=api_key, timeout=timeout, retries=retries, temperature=temperature)


@lru_cache(maxsize=1)
def rules_backend() -> Backend:
    from coach.models.rules import RulesBackend

    return RulesBackend()
