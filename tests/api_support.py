"""Helpers for the HTTP API tests: the app under uvicorn on loopback (a real socket), and its settings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from coach.api import create_app
from coach.config import Settings

USER_KEY = "test-user-key-0123456789"
ADMIN_KEY = "test-admin-key-9876543210"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

DRAFT = "hey mate, your order #48213 is delayed again lol. it should be there by 14 March."
CONTEXT = {
    "customer_name": "Zebedee Quartermaine",
    "customer_message": "Second late parcel in a row, my sister's birthday is ruined",
    "history": [{"date": "2026-02-20", "note": "order #47990 arrived late, apologised"}],
    "channel": "email",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_settings(tmp: Path, **overrides) -> Settings:
    """Isolated settings: own index, no LLM, keys on, a generous rate limit; the environment cannot redirect them."""
    values = dict(
        data_dir=tmp / "index",
        collection="api-test",
        chroma_host=None,
        embeddings="local",
        model=None,
        api_keys=[USER_KEY],
        admin_keys=[ADMIN_KEY],
        rate_limit=10_000,
        log_content=False,
        cors_origins=[],
        max_request_bytes=200_000,
    )
    values.update(overrides)
    return Settings(**values)


class LiveServer:
    """`create_app(settings)` served by uvicorn in a background thread on 127.0.0.1, on a free port."""

    def __init__(self, settings: Settings, **app_options) -> None:
        self.app = create_app(settings, **app_options)
        self.settings = settings
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def client(self, key: str | None = None, **options) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=options.pop("timeout", 60), **options)

    def wait_ready(self, timeout: float = 120, warm_only: bool = False) -> dict:
        """/readyz once ready (or, with warm_only, once the warm-up has finished, ready or not)."""
        deadline = time.monotonic() + timeout
        while True:
            body = httpx.get(f"{self.url}/readyz", timeout=10).json()
            warm = body["checks"]["embedder"]["detail"] != "loading"
            if body["ready"] or (warm_only and warm) or time.monotonic() > deadline:
                return body
            time.sleep(0.2)


def sse_events(text: str) -> list[tuple[str, object]]:
    """Server-sent events as (event name, parsed JSON data), in order."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        events.append((name, json.loads("\n".join(data)) if data else None))
    return events


def model_answer(rewrite: str, changes: list[dict] | None = None, cites: list[str] | None = None) -> str:
    """What the prompt asks the model for: a JSON object with the rewrite, its changes and the cards cited."""
    return json.dumps({"rewrite": rewrite, "changes": changes or [], "cites": cites or []})


# --- `coach serve` as a real process ---

COACH = str(Path(sys.executable).with_name("coach"))


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_", "CHROMA_"))}
    env.update({"COACH_DATA_DIR": str(tmp_path / "index"), "COACH_COLLECTION": "serve-test", "COACH_RATE_LIMIT": "1000",
                "COACH_WARM_UP": "false", **extra})  # fmt: skip
    return env


class Served:
    def __init__(self, tmp_path: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.log_path = tmp_path / f"serve-{self.port}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [COACH, "serve", "--port", str(self.port), *args],
            cwd=tmp_path, env=serve_env(tmp_path, **env), stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 180) -> Served:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"coach serve did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.log_path.read_text()
