"""`coach ingest` and `coach search` as a user runs them: the real CLI in a subprocess.

Each command that embeds with MiniLM loads it (~6 s, more on a busy machine), so the knowledge folder
is ingested once per test session (shared by the xdist workers under a file lock) and every test
works on its own copy; only that ingest and one search load the model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from coach.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

CARDS = sorted((PROJECT_ROOT / "knowledge" / "cards").glob("*.md"))
SITUATION = "customer is angry the order is late again"


def coach(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `coach ARGS` from the project root with an isolated index and no inherited coach settings."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_", "CHROMA_"))}
    empty_config = data_dir.parent / "empty-coach.toml"
    empty_config.touch()
    environment |= {
        "COACH_DATA_DIR": str(data_dir),
        "COACH_CONFIG": str(empty_config),  # a coach.toml in the project root must not leak in
        "NO_COLOR": "1",
        "COLUMNS": "200",  # no wrapped summary lines
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "coach.cli", *args],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def assert_clean_failure(result: subprocess.CompletedProcess, code: int, says: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert says in " ".join(result.stderr.split())  # rich may wrap the message
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory, worker_id) -> tuple[Path, dict]:
    """`coach ingest knowledge/ --json`, run once per session: the index folder and the JSON report."""
    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent  # the parent is shared by all xdist workers
    data_dir, report_file = root / "cli-knowledge-index" / "data", root / "cli-knowledge-index.json"
    with FileLock(str(root / "cli-knowledge-index.lock")):
        if not report_file.exists():
            data_dir.parent.mkdir(exist_ok=True)
            result = coach("ingest", "knowledge/", "--json", data_dir=data_dir)
            assert result.returncode == 0, result.stderr
            report_file.write_text(result.stdout)
    return data_dir, json.loads(report_file.read_text())


@pytest.fixture
def index_copy(shared_index, tmp_path) -> Path:
    """A private copy of the shared index, so no two processes write one Chroma folder."""
    copy = tmp_path / "index"
    shutil.copytree(shared_index[0], copy)
    return copy


def test_ingest_json_reports_the_counts(shared_index):
    report = shared_index[1]
    assert report["files"] == len(CARDS) and report["skipped"] == {}
    assert report["added"] == report["chunks"] >= len(CARDS)
    assert report["removed"] == report["unchanged"] == 0 and report["tokens"] > 1000


def test_a_second_ingest_reports_everything_unchanged(index_copy, shared_index):
    chunks = shared_index[1]["chunks"]
    result = coach("ingest", "knowledge/", data_dir=index_copy)
    assert result.returncode == 0, result.stderr
    summary = " ".join(result.stdout.split())
    assert f"indexed {len(CARDS)} files, {chunks} chunks" in summary
    assert f"0 added, 0 removed, {chunks} unchanged, 0 skipped" in summary


def test_search_json_returns_passages_with_their_provenance(index_copy):
    result = coach("search", SITUATION, "--json", data_dir=index_copy)
    assert result.returncode == 0, result.stderr
    passages = json.loads(result.stdout)
    assert len(passages) == 5
    for passage in passages:
        assert passage["source"].startswith("knowledge/cards/") and passage["source"].endswith(".md")
        assert passage["title"] and passage["section"] and passage["text"] and passage["card"]
        assert 0 < passage["score"] <= 1
    assert {"acknowledge-emotion", "emotions-move"} & {p["card"] for p in passages}


def test_search_without_an_index_says_to_ingest(tmp_path):
    result = coach("search", SITUATION, data_dir=tmp_path / "never-built")
    assert_clean_failure(result, 1, "run `coach ingest` first")
    assert not (tmp_path / "never-built").exists()


def test_search_of_a_collection_never_built_says_to_ingest(index_copy):
    result = coach("search", SITUATION, data_dir=index_copy, env={"COACH_COLLECTION": "other-guidance"})
    assert_clean_failure(result, 1, "no guidance index named 'other-guidance' yet: run `coach ingest` first")


def test_ingest_of_a_missing_path_is_a_usage_error(tmp_path):
    result = coach("ingest", str(tmp_path / "no-such-folder"), data_dir=tmp_path / "index")
    assert_clean_failure(result, 2, "does not exist")
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["search", SITUATION, "-k", "0"], "Invalid value for '-k'"),
        (["search", SITUATION, "-k", "51"], "Invalid value for '-k'"),
        (["search", SITUATION, "-k", "three"], "Invalid value for '-k'"),
        (["search", "   "], "the query is empty"),
        (["search"], "Missing argument"),
        (["ingest", "--no-such-option"], "No such option"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path, args, says):
    assert_clean_failure(coach(*args, data_dir=tmp_path / "index"), 2, says)


def test_ingesting_the_seed_articles(seeds_dir, tmp_path, openai_stub):
    # Embedded through the stub: the point is loading, cleaning and splitting real web articles, and a
    # MiniLM run over the seeds takes ~15 s (tests/test_ingest_search.py covers that in-process).
    stub_embeddings = {
        "COACH_EMBEDDINGS": "openai:text-embedding-3-small",
        "OPENAI_BASE_URL": openai_stub.base_url,
        "OPENAI_API_KEY": "test-key",
    }
    result = coach("ingest", str(seeds_dir), "--json", data_dir=tmp_path / "index", env=stub_embeddings)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == 5 and report["skipped"] == {}
    assert report["added"] == report["chunks"] >= 20
    embedded = sum(len(r["input"]) for r in openai_stub.embedding_requests)
    assert embedded == report["chunks"]
