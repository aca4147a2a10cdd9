from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from coach.config import PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"

# One torch thread per test process (and the CLI subprocesses, which inherit it): xdist already runs
# a process per core, and oversubscribed intra-op threads made MiniLM 2-3x slower. Set before torch loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an isolated embedded index; the environment cannot redirect it."""
    return Settings(
        data_dir=tmp_path / "index",
        collection="test-guidance",
        chroma_host=None,
        embeddings="local",
    )


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed articles are not at {SEEDS}")
    return SEEDS


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on loopback, for the scale-out path."""
    binary = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")
    proc = subprocess.Popen(
        [binary, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma run did not start: {(path / 'server.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield "127.0.0.1", port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def openai_stub():
    """A started scripted OpenAI-compatible server (see coach/testing/openai_stub.py); `.base_url` ends in /v1."""
    from coach.testing.openai_stub import OpenAIStub

    with OpenAIStub() as stub:
        yield stub


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright (`/usr/bin/chromium`; never `playwright install`).

    Shared by every browser test; per module, because two Playwright sync sessions cannot overlap in one
    thread. Missing chromium skips locally and fails under CI (.ci/run installs it).
    """
    executable = os.environ.get("COACH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
        pytest.skip(f"no chromium at {executable} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],  # fmt: skip
        )
        yield instance
        instance.close()
