"""The guidance index built with OpenAI embeddings, served by the stub; and refused by the local embedder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from coach.config import PROJECT_ROOT, Settings
from coach.knowledge.embed import OpenAIEmbedder, get_embedder
from coach.knowledge.ingest import ingest
from coach.knowledge.search import search
from coach.knowledge.store import EmbeddingFailed, EmbeddingMismatch, open_collection
from coach.testing.openai_stub import Reply

CARDS = PROJECT_ROOT / "knowledge" / "cards"
MODEL = "openai:text-embedding-3-small"


@pytest.fixture
def openai_settings(openai_stub, tmp_path, monkeypatch) -> Settings:
    """Settings read from the environment, as a user configures it, pointing at the stub."""
    for name in list(os.environ):
        if name.startswith(("COACH_", "OPENAI_", "CHROMA_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no coach.toml
    monkeypatch.setenv("COACH_EMBEDDINGS", MODEL)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_stub.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("COACH_MODEL_RETRIES", "0")
    return Settings()


def test_ingest_and_search_with_openai_embeddings(openai_settings, openai_stub):
    report = ingest([CARDS], openai_settings)
    cards = len(list(CARDS.glob("*.md")))
    assert report.files == cards and report.added == report.chunks >= cards and not report.skipped

    sent = openai_stub.embedding_requests
    assert sent and all(r["model"] == "text-embedding-3-small" for r in sent)
    # Plain strings, not token ids: the embedder turns off langchain's tiktoken length check.
    assert all(isinstance(text, str) for r in sent for text in r["input"])
    assert sum(len(r["input"]) for r in sent) == report.chunks
    auth = {r.headers["authorization"] for r in openai_stub.requests}
    assert auth == {"Bearer test-key"}

    hits = search("customer is angry the order is late again", k=3, settings=openai_settings)
    assert len(hits) == 3 and all(h.card and h.source.startswith("knowledge/cards/") for h in hits)
    assert openai_stub.embedding_requests[-1]["input"] == ["customer is angry the order is late again"]
    assert ingest([CARDS], openai_settings).added == 0


def test_the_local_embedder_refuses_an_index_built_with_openai(openai_settings):
    ingest([CARDS], openai_settings)
    local = openai_settings.model_copy(update={"embeddings": "local"})
    expected = (
        r"the index 'guidance' was built with embeddings 'openai:text-embedding-3-small' but "
        r"'all-MiniLM-L6-v2' is configured; set COACH_EMBEDDINGS to match, or rebuild"
    )
    with pytest.raises(EmbeddingMismatch, match=expected):
        open_collection(local, get_embedder(local).name)
    with pytest.raises(EmbeddingMismatch):
        search("late order", settings=local)
    with pytest.raises(EmbeddingMismatch):  # nor may it add its vectors to that index
        ingest([CARDS], local)


def test_a_failing_embeddings_endpoint_is_a_clear_error(openai_settings, openai_stub):
    openai_stub.push_embedding(Reply(status=500, error_message="embedding service unavailable"))
    with pytest.raises(EmbeddingFailed, match=f"embeddings endpoint {openai_stub.base_url} failed.*unavailable"):
        ingest([CARDS], openai_settings)


def test_each_endpoint_gets_its_own_client(openai_settings):
    other = openai_settings.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1"})
    first, second = get_embedder(openai_settings), get_embedder(other)
    assert isinstance(first, OpenAIEmbedder) and first is not second
    assert get_embedder(openai_settings) is first


def test_the_cli_with_openai_embeddings(openai_settings, openai_stub, tmp_path):
    def coach(*args: str, embeddings: str = MODEL) -> subprocess.CompletedProcess:
        env = {**os.environ, "COACH_EMBEDDINGS": embeddings, "NO_COLOR": "1", "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "coach.cli", *args], env=env, capture_output=True, text=True, timeout=600
        )

    ingested = coach("ingest", str(CARDS), "--json")
    assert ingested.returncode == 0, ingested.stderr
    found = coach("search", "the customer wants a refund", "-k", "2", "--json")
    assert found.returncode == 0 and found.stdout.count('"card"') == 2, found.stderr

    refused = coach("search", "the customer wants a refund", embeddings="local")
    message = " ".join(refused.stderr.split())
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "built with embeddings 'openai:text-embedding-3-small'" in message and "COACH_EMBEDDINGS" in message
