"""Ingest and search against a real embedded Chroma with the real local embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.knowledge.embed import get_embedder
from coach.knowledge.ingest import ingest
from coach.knowledge.search import search
from coach.knowledge.store import EmbeddingMismatch, IndexMissing, open_collection

pytestmark = pytest.mark.slow


def all_ids(settings) -> list[str]:
    collection = open_collection(settings, get_embedder(settings).name)
    return sorted(collection.get(include=[])["ids"])


def write_cards(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cards = {
        "name": ("use-the-name", "Use the customer's name", "name", "Greet the customer by the name they gave."),
        "emotion": ("acknowledge-emotion", "Acknowledge the feeling", "emotion", "Say you understand the frustration about the late parcel."),
        "policy": ("no-company-policy", "Explain instead of citing policy", "policy", "Never answer 'that's company policy'; explain why and offer an option."),
    }
    for stem, (card, title, tag, body) in cards.items():
        (folder / f"{stem}.md").write_text(f"---\nid: {card}\ntitle: {title}\ntags: [{tag}]\n---\n{body}\n")
    return folder


def test_second_ingest_of_the_seeds_changes_nothing(settings, seeds_dir):
    first = ingest([seeds_dir], settings)
    ids = all_ids(settings)
    assert first.files == 5 and first.added == first.chunks == len(ids) >= 20
    second = ingest([seeds_dir], settings)
    assert (second.added, second.removed, second.unchanged) == (0, 0, first.chunks)
    assert all_ids(settings) == ids


def test_changed_files_are_replaced_and_deleted_files_removed(settings, tmp_path):
    folder = write_cards(tmp_path / "cards")
    ingest([folder], settings)
    before = all_ids(settings)
    assert len(before) == 3

    (folder / "name.md").write_text("---\nid: use-the-name\ntitle: Use the name\n---\nAddress them as they sign.\n")
    (folder / "policy.md").unlink()
    report = ingest([folder], settings)
    after = all_ids(settings)
    assert (report.added, report.removed, report.unchanged) == (1, 2, 1)
    assert len(after) == 2 and len(set(before) & set(after)) == 1
    hits = search("how to address the customer", k=5, settings=settings)
    assert "Address them as they sign." in [h.text for h in hits]
    assert all(h.card != "no-company-policy" for h in hits)


def test_unreadable_and_empty_files_are_reported_and_skipped(settings, tmp_path):
    folder = write_cards(tmp_path / "cards")
    (folder / "empty.md").write_text("")
    (folder / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    report = ingest([folder, tmp_path / "missing-folder"], settings)
    assert report.files == 3 and len(all_ids(settings)) == 3
    assert set(report.skipped) == {
        f"{folder.resolve()}/empty.md", f"{folder.resolve()}/latin1.txt", f"{(tmp_path / 'missing-folder').resolve()}"
    }
    assert "empty" in report.skipped[f"{folder.resolve()}/empty.md"]


def test_search_returns_sources_titles_sections_and_scores(settings, tmp_path):
    ingest([write_cards(tmp_path / "cards")], settings)
    hits = search("the customer is upset that the parcel is late", k=2, settings=settings)
    top = hits[0]
    assert top.card == "acknowledge-emotion" and top.title == "Acknowledge the feeling"
    assert top.source.endswith("cards/emotion.md") and top.section == "Acknowledge the feeling"
    assert 0 < top.score <= 1 and top.score >= hits[1].score


def test_tag_filter_keeps_only_tagged_passages(settings, tmp_path):
    ingest([write_cards(tmp_path / "cards")], settings)
    hits = search("the customer is upset that the parcel is late", k=3, tag="policy", settings=settings)
    assert [h.card for h in hits] == ["no-company-policy"]
    assert search("anything", k=3, tag="no-such-tag", settings=settings) == []


def test_one_article_cannot_fill_every_slot(settings, seeds_dir, tmp_path):
    ingest([seeds_dir], settings)
    # Article 000 has many chunks about generations; without the cap it would take all five slots.
    query = "Baby Boomers Generation X Millennials Generation Z Traditionalists Generation Alpha"
    hits = search(query, k=5, settings=settings)
    sources = [h.source for h in hits]
    assert len(hits) == 5 and sources[0].endswith("000_fb65065cab5627af.txt")
    assert max(sources.count(s) for s in sources) <= 3 and len(set(sources)) >= 2


def test_search_before_any_ingest_says_to_ingest(settings):
    with pytest.raises(IndexMissing, match="coach ingest"):
        search("late parcel", settings=settings)


def test_an_index_built_with_another_embedding_model_is_refused(settings, tmp_path):
    ingest([write_cards(tmp_path / "cards")], settings)
    other = settings.model_copy(update={"embeddings": "openai:text-embedding-3-small"})
    with pytest.raises(EmbeddingMismatch, match="all-MiniLM-L6-v2.*openai:text-embedding-3-small"):
        open_collection(other, "openai:text-embedding-3-small")


def test_rebuild_drops_the_old_index(settings, tmp_path):
    folder = write_cards(tmp_path / "cards")
    ingest([folder], settings)
    shutil.rmtree(folder)
    report = ingest([write_cards(tmp_path / "other")], settings, rebuild=True)
    assert report.added == 3 and len(all_ids(settings)) == 3


def test_ingest_and_search_against_a_chroma_server(settings, seeds_dir, chroma_server):
    host, port = chroma_server
    remote = settings.model_copy(update={"chroma_host": host, "chroma_port": port, "collection": "server-test"})
    first = ingest([seeds_dir], remote)
    second = ingest([seeds_dir], remote)
    assert first.added == first.chunks > 0 and second.added == 0
    hits = search("customers want service rules to be flexible", k=3, settings=remote)
    assert hits and any("002_4ee99484f1a3ee00" in h.source for h in hits)
    assert not (settings.data_dir / "chroma.sqlite3").exists()
