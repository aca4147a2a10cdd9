"""A crash mid-ingest (kill -9) leaves the previous index searchable, and re-running converges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT
from coach.knowledge.embed import get_embedder
from coach.knowledge.ingest import indexed_sources, ingest
from coach.knowledge.search import search
from coach.knowledge.store import open_collection

pytestmark = pytest.mark.slow
COACH = str(Path(sys.executable).parent / "coach")


def _write_corpus(folder: Path, revision: int, copies: int = 100) -> None:
    cards = sorted((PROJECT_ROOT / "knowledge" / "cards").glob("*.md"))
    folder.mkdir(exist_ok=True)
    for n in range(copies):
        card = cards[n % len(cards)]
        text = card.read_text(encoding="utf-8")
        (folder / f"{card.stem}-{n:03d}.md").write_text(f"{text}\n\nRevision {revision}, copy {n}: read this card in full.\n")


def _chunk_count(settings) -> int:
    collection = open_collection(settings, get_embedder(settings).name)
    return sum(len(ids) for ids in indexed_sources(collection).values())


def test_killed_ingest_leaves_a_searchable_index_and_rerun_converges(settings, tmp_path):
    corpus = tmp_path / "corpus"
    _write_corpus(corpus, revision=1)
    settings = settings.model_copy(update={"ingest_batch": 24})
    first = ingest([corpus], settings)
    assert first.chunks > 3 * settings.ingest_batch  # several write batches, so the kill lands between two

    _write_corpus(corpus, revision=2)  # every file changes: all chunks are replaced
    sqlite = Path(settings.data_dir) / "chroma.sqlite3"
    before = sqlite.stat().st_mtime_ns
    env = {**os.environ, "COACH_DATA_DIR": str(settings.data_dir), "COACH_COLLECTION": settings.collection, "COACH_INGEST_BATCH": "24"}
    proc = subprocess.Popen([COACH, "ingest", str(corpus)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while sqlite.stat().st_mtime_ns == before and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed; grow the corpus"

    hits = search("the customer is frustrated that the parcel is late again", k=3, settings=settings)
    assert hits and all(h.source.startswith(str(corpus)) or "corpus" in h.source for h in hits)

    rerun = subprocess.run([COACH, "ingest", str(corpus), "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["chunks"] == first.chunks
    assert _chunk_count(settings) == first.chunks  # no leftovers of revision 1, no duplicates of revision 2
    again = ingest([corpus], settings)
    assert again.added == 0 and again.removed == 0 and again.unchanged == first.chunks


def _collections(settings) -> set[str]:
    from coach.knowledge.store import client

    return {c.name for c in client(settings).list_collections()}


def test_killed_rebuild_leaves_the_previous_index_searchable(settings, tmp_path):
    corpus = tmp_path / "corpus"
    _write_corpus(corpus, revision=1)
    settings = settings.model_copy(update={"ingest_batch": 24})
    first = ingest([corpus], settings)

    _write_corpus(corpus, revision=2)
    sqlite = Path(settings.data_dir) / "chroma.sqlite3"
    before = sqlite.stat().st_mtime_ns
    env = {**os.environ, "COACH_DATA_DIR": str(settings.data_dir), "COACH_COLLECTION": settings.collection, "COACH_INGEST_BATCH": "24"}
    proc = subprocess.Popen([COACH, "ingest", str(corpus), "--rebuild"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while sqlite.stat().st_mtime_ns == before and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # well into the rebuild: the staging collection has chunks by now
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the rebuild finished before it could be killed; grow the corpus"

    assert _chunk_count(settings) == first.chunks  # the live index is revision 1, whole
    hits = search("the customer is frustrated that the parcel is late again", k=3, settings=settings)
    assert hits and all("Revision 1" in h.text or "Revision" not in h.text for h in hits)

    rerun = subprocess.run([COACH, "ingest", str(corpus), "--rebuild", "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert _chunk_count(settings) == first.chunks
    assert _collections(settings) == {settings.collection}  # the crashed staging collection is gone
    hits = search("the customer is frustrated that the parcel is late again", k=3, settings=settings)
    assert not any("Revision 1" in h.text for h in hits)


def test_a_crash_between_delete_and_rename_is_finished_by_the_next_open(settings, tmp_path, monkeypatch):
    from chromadb.api.models.Collection import Collection

    corpus = tmp_path / "corpus"
    _write_corpus(corpus, revision=1, copies=10)
    first = ingest([corpus], settings)

    real_modify = Collection.modify

    def crash_on_rename(self, name=None, **kwargs):
        if name is not None:
            raise KeyboardInterrupt("power cut")
        return real_modify(self, name=name, **kwargs)

    monkeypatch.setattr(Collection, "modify", crash_on_rename)
    with pytest.raises(KeyboardInterrupt):
        ingest([corpus], settings, rebuild=True)
    monkeypatch.setattr(Collection, "modify", real_modify)
    assert settings.collection not in _collections(settings)  # the live collection was already deleted

    assert search("the customer is frustrated that the parcel is late again", k=3, settings=settings)
    assert _collections(settings) == {settings.collection}
    assert _chunk_count(settings) == first.chunks
