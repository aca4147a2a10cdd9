"""coach's HTTP API (FastAPI): `create_app(settings)` builds it; `coach serve` runs it under uvicorn."""

from coach.api.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
