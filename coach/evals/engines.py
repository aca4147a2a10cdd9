"""The engines an eval compares, and how each produces a `RewriteResult` for a case.

* ``draft``: the unedited draft, the baseline every table starts from (no pipeline run);
* ``rules``: the pipeline with the deterministic rules engine;
* ``scripted``: the pipeline with an LLM backend talking real HTTP to an in-process OpenAI stub whose
  responder (`coach.evals.scripted`) answers plausibly but imperfectly: verify, repair and fallback
  run for free and deterministically (CI uses it);
* ``llm:<model>``: the pipeline with the configured OpenAI-compatible endpoint and that model
  (``llm`` alone: the configured ``COACH_MODEL``).

Every engine goes through `coach.pipeline.rewrite`: the eval never re-implements a step.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from coach import pipeline
from coach.config import Settings
from coach.evals.cases import Case
from coach.evals.scripted import MODEL as _SCRIPTED_MODEL
from coach.schemas import EngineChoice, RewriteResult

BASELINES = ("draft", "rules")


class EngineError(ValueError):
    """An engine name that is not draft, rules, scripted or llm:<model>."""


@dataclass(frozen=True)
class EngineSpec:
    id: str  # as shown in tables: "draft", "rules", "scripted", "llm:gpt-4o-mini"
    kind: str  # draft | rules | scripted | llm
    model: str | None = None

    @property
    def uses_prompt(self) -> bool:
        """Only model engines read the prompt, so only they are run once per prompt version."""
        return self.kind in ("scripted", "llm")


def parse_engine(text: str, settings: Settings) -> EngineSpec:
    name = text.strip()
    if name in ("draft", "rules", "scripted"):
        return EngineSpec(name, name)
    if name == "scripted:obey":  # the stub that follows every instruction it finds in the customer's data
        return EngineSpec(name, "scripted", "obey")
    if name.startswith("scripted:random"):  # a seeded random answer policy: each try may differ ("scripted:random:7")
        seed = name.partition("scripted:random")[2].lstrip(":") or "0"
        if not seed.isdigit():
            raise EngineError(f"{name!r}: the seed after scripted:random: is a number")
        return EngineSpec(f"scripted:random:{seed}", "scripted", f"random:{seed}")
    if name == "llm" or name.startswith("llm:"):
        model = name.partition(":")[2].strip() or settings.model
        if not model:
            raise EngineError('"llm" needs a model: write llm:<model> or set COACH_MODEL')
        return EngineSpec(f"llm:{model}", "llm", model)
    raise EngineError(f"unknown engine {name!r}: use draft, rules, scripted, scripted:obey or llm:<model>")


def parse_engines(names: str | list[str], settings: Settings) -> list[EngineSpec]:
    """The engines asked for, with the draft and rules baselines always first."""
    items = names.split(",") if isinstance(names, str) else names
    specs = [parse_engine(n, settings) for n in [*BASELINES, *items] if n.strip()]
    return list({s.id: s for s in specs}.values())


def scripted_settings(settings: Settings, base_url: str) -> Settings:
    """The settings the scripted engine runs under: its own model name, the stub, no retries and no
    semantic search (the stub ignores guidance; loading the embedder would only cost time)."""
    return settings.model_copy(update={
        "model": _SCRIPTED_MODEL, "openai_base_url": base_url, "openai_api_key": "scripted",
        "model_retries": 0, "model_timeout": 10.0, "guidance_k": 0,
    })  # fmt: skip


class EngineSession:
    """One engine, ready to rewrite cases from several threads; the scripted stub starts on first use."""

    def __init__(self, spec: EngineSpec, settings: Settings) -> None:
        self.spec = spec
        self.base_settings = settings
        self.calls = 0  # pipeline runs (so a fully cached run can be seen to call nothing)
        self._lock = threading.Lock()
        self._stub: Any = None
        self._settings: Settings | None = None

    def fingerprint(self) -> dict[str, Any]:
        """What, besides the case and prompt, decides this engine's output: part of the cache key."""
        s = self.base_settings
        if self.spec.kind == "rules":
            return {"engine": "rules"}
        if self.spec.kind == "scripted":
            return {"engine": self.spec.id, "guidance_tokens": s.guidance_tokens}
        return {
            "engine": self.spec.id, "base_url": s.openai_base_url, "temperature": s.model_temperature,
            "guidance_k": s.guidance_k, "guidance_tokens": s.guidance_tokens, "embeddings": s.embeddings,
            "collection": s.collection, "chroma_host": s.chroma_host,
        }  # fmt: skip

    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                self._settings = self._start()
            return self._settings

    def _start(self) -> Settings:
        if self.spec.kind == "scripted":
            from coach.evals.scripted import respond, respond_obeying
            from coach.testing.openai_stub import OpenAIStub

            from coach.evals.scripted import RandomResponder

            model = self.spec.model or ""
            responder = respond_obeying if model == "obey" else RandomResponder(int(model.split(":")[1])) if model.startswith("random:") else respond
            self._stub = OpenAIStub(default=responder, models=[_SCRIPTED_MODEL], record=False).start()
            return scripted_settings(self.base_settings, self._stub.base_url)
        if self.spec.kind == "llm":
            return self.base_settings.model_copy(update={"model": self.spec.model})
        return self.base_settings

    def rewrite(self, case: Case, prompt: str | None) -> RewriteResult | None:
        """The pipeline's result for `case`, or None for the draft baseline. Never catches: the runner does."""
        if self.spec.kind == "draft":
            return None
        settings = self.settings()
        engine = EngineChoice.rules if self.spec.kind == "rules" else EngineChoice.llm
        request = case.to_request(engine=engine, prompt=prompt if self.spec.uses_prompt else None)
        with self._lock:
            self.calls += 1
        return pipeline.rewrite(request, settings=settings)

    def close(self) -> None:
        if self._stub is not None:
            self._stub.stop()
            self._stub = None

    def __enter__(self) -> EngineSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
