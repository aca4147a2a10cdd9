"""Model backends behind one interface, found by a registry keyed by a name prefix.

`COACH_MODEL=gpt-4o-mini` uses the default backend ("openai": any OpenAI-compatible endpoint);
`COACH_MODEL=<prefix>:<model>` picks a registered one. The deterministic editor is not a model: it lives in
`coach.editor`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from coach.config import Settings
from coach.models.base import Backend, BackendError, Message, ModelOutput, RewriteJob

__all__ = ["BACKENDS", "Backend", "BackendError", "Message", "ModelOutput", "RewriteJob", "backend_for", "configured_llm", "register_backend"]

Factory = Callable[..., Backend]
BACKENDS: dict[str, Callable[[], Factory]] = {}
DEFAULT = "openai"


def register_backend(prefix: str, loader: Callable[[], Factory]) -> None:
    """Register a backend class under a name prefix; `loader` imports it only when it is used."""
    BACKENDS[prefix] = loader


def _openai() -> Factory:
    from coach.models.openai import OpenAIChat  # langchain-openai is only imported when a model is used

    return OpenAIChat


register_backend("openai", _openai)


def configured_llm(settings: Settings) -> Backend | None:
    """The chat model the settings name, or None when no model is configured."""
    if not settings.model:
        return None
    return _llm(
        settings.model, settings.openai_base_url, settings.openai_api_key,
        settings.model_timeout, settings.model_retries, settings.model_temperature,
    )  # fmt: skip


def backend_for(model: str, settings: Settings, temperature: float | None = None) -> Backend:
    """A backend for `model` on the configured endpoint (an eval judge: its own model and temperature)."""
    temp = settings.model_temperature if temperature is None else temperature
    return _llm(model, settings.openai_base_url, settings.openai_api_key, settings.model_timeout, settings.model_retries, temp)


def split_model(name: str) -> tuple[str, str]:
    """("openai", "gpt-4o") from "openai:gpt-4o" or "gpt-4o"; a prefix that is not registered is part of the name."""
    prefix, sep, rest = name.partition(":")
    if sep and prefix in BACKENDS:
        return prefix, rest
    return DEFAULT, name


@lru_cache(maxsize=8)
def _llm(model: str, base_url: str | None, api_key: str | None, timeout: float, retries: int, temperature: float) -> Backend:
    prefix, name = split_model(model)
    factory = BACKENDS[prefix]()
    return factory(name, base_url=base_url, api_key=api_key, timeout=timeout, retries=retries, temperature=temperature)
