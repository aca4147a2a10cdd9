"""Hybrid guidance search: BM25 beside the MiniLM vectors, kept consistent with the Chroma collection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coach.config import PROJECT_ROOT
from coach.knowledge.cards import load_cards
from coach.knowledge.embed import get_embedder
from coach.knowledge.ingest import ingest
from coach.knowledge.head import CardHead, card_head
from coach.knowledge.lexical import LexicalIndex, revision
from coach.knowledge.loader import load_document
from coach.knowledge.search import search
from coach.knowledge.store import open_collection

CARDS = PROJECT_ROOT / "knowledge" / "cards"


# --- the lexical index on its own (no embedder, no Chroma) ---


def test_bm25_finds_a_rare_word_in_any_inflection():
    index = LexicalIndex(
        ["mate", "answer", "tags"],
        ["No pals, buddies or pet names", "Never leave a bare I don't know", "Use tags and labels"],
        [["familiarity"], ["clarity"], []],
    )
    assert [hit.id for hit in index.search("I called him buddy", 3)] == ["mate"]
    assert index.search("dont know what to say", 3)[0].id == "answer"  # the apostrophe does not split the word
    assert index.search("zzzz qqqq", 3) == []  # no shared word: nothing, not three zero-scored chunks
    assert index.search("buddy", 3, tag="clarity") == []
    assert LexicalIndex([], [], []).search("anything", 3) == []


def test_card_keywords_are_read_from_front_matter():
    doc = load_document(CARDS / "no-mate-talk.md")
    assert doc.keywords and "pet names" in doc.keywords and all(isinstance(k, str) for k in doc.keywords)


def test_no_keyword_is_taken_from_the_issues_quoted_queries():
    quoted = ("buddy", "idea", "firmware", "honestly", "bank", "leak", "called")
    for card in sorted(CARDS.glob("*.md")):
        for keyword in load_document(card).keywords:
            assert not any(word in keyword.lower() for word in quoted), (card.name, keyword)


def test_the_card_head_learns_which_card_a_query_belongs_to():
    rng = np.random.default_rng(7)
    centres = {"apology": np.eye(8)[0], "refusal": np.eye(8)[1], "names": np.eye(8)[2]}
    labels = [card for card in centres for _ in range(20)]
    vectors = np.stack([centres[card] + rng.normal(0, 0.3, 8) for card in labels])
    head = CardHead(vectors, labels, tags={"apology": {"tone"}, "refusal": {"refusal", "tone"}, "names": {"tone"}})
    ranked = head.rank(centres["refusal"] + 0.1 * centres["names"], 3)
    assert [card for card, _ in ranked] == ["refusal", "names", "apology"]
    assert ranked[0][1] > 0.5 and abs(sum(p for _, p in ranked) - 1.0) < 1e-6
    assert len(head.rank(centres["apology"], 1)) == 1
    # a tag filter holds here as on the other two sides
    assert [card for card, _ in head.rank(centres["apology"], 3, tag="Refusal")] == ["refusal"]
    # one card with phrasings is no classifier: it is returned as it is; none at all ranks nothing
    assert CardHead(vectors[:3], ["only"] * 3).rank(centres["names"], 3) == [("only", 1.0)]
    assert CardHead(np.zeros((0, 8)), []).rank(centres["names"], 3) == []


# --- against a real embedded Chroma and the local embedder ---


@pytest.fixture(scope="module")
def cards_index(tmp_path_factory):
    from coach.config import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("hybrid") / "index", collection="hybrid-test", chroma_host=None)
    ingest([CARDS], settings)
    return settings


@pytest.mark.slow
@pytest.mark.parametrize(
    "query, card",
    [
        ("I called the customer buddy in my draft", "no-mate-talk"),
        ("I honestly have no idea when the firmware fix ships", "have-an-answer"),
        ("reply to someone worried their bank details were leaked", "acknowledge-emotion"),
    ],
    ids=["buddy", "no-idea", "bank-details"],
)
def test_the_issues_quoted_queries_find_their_card(cards_index, query, card):
    assert card in [p.card for p in search(query, k=3, settings=cards_index)]


@pytest.mark.slow
def test_each_cards_own_keywords_find_it(cards_index):
    cards = load_cards(PROJECT_ROOT / "knowledge")
    missed = []
    for card_id in cards:
        for keyword in load_document(CARDS / f"{card_id}.md").keywords:
            top = [p.card for p in search(keyword, k=3, settings=cards_index, retriever="lexical")]
            if card_id not in top:
                missed.append((card_id, keyword, top))
    assert not missed


@pytest.mark.slow
def test_every_retriever_returns_passages_with_their_similarity(cards_index):
    for retriever in ("dense", "lexical", "hybrid"):
        hits = search("customer is furious about the late parcel", k=4, settings=cards_index, retriever=retriever)
        assert len(hits) == 4 and len({h.card for h in hits}) == 4
        assert all(-1.0 <= h.score <= 1.0 for h in hits)
    with pytest.raises(ValueError, match="unknown retriever"):
        search("x", settings=cards_index, retriever="fuzzy")


@pytest.mark.slow
def test_the_card_head_is_fitted_from_the_collections_phrasings(cards_index):
    collection = open_collection(cards_index, get_embedder(cards_index).name)
    key = ("test-store", collection.name, revision(collection))
    head = card_head(collection, key)
    assert len(head) == len(load_cards(PROJECT_ROOT / "knowledge"))  # every card has phrasings: one class each
    assert card_head(collection, key) is head  # fitted once per revision
    newer = card_head(collection, (*key[:-1], "a later revision"))
    assert newer is not head and len(newer) == len(head)
    vector = np.asarray(get_embedder(cards_index).embed(["hey hun, my parcel is late lol"])[0], dtype=np.float32)
    chunk = head.rank(vector, 1)[0][0]
    assert collection.get(ids=[chunk], include=["metadatas"])["metadatas"][0]["card"] == "no-mate-talk"


@pytest.mark.slow
def test_a_tag_filter_holds_on_both_sides(cards_index):
    hits = search("buddy mate pal", k=3, tag="refusal", settings=cards_index)
    assert hits and all("refusal" in h.tags for h in hits)


def _card(folder: Path, body: str, keywords: str = "[]") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "quirk.md").write_text(f"---\nid: quirk\ntitle: A quirky card\ntags: [test]\nkeywords: {keywords}\n---\n{body}\n")
    (folder / "plain.md").write_text("---\nid: plain\ntitle: Plain words\ntags: [test]\n---\nSay things plainly and kindly.\n")
    return folder


@pytest.mark.slow
def test_a_changed_keyword_is_searchable_after_re_ingest(settings, tmp_path):
    folder = _card(tmp_path / "cards", "Greet people warmly.", "[zeppelin]")
    ingest([folder], settings)
    assert [p.card for p in search("zeppelin", k=1, settings=settings, retriever="lexical")] == ["quirk"]
    collection = open_collection(settings, get_embedder(settings).name)
    first = collection.metadata["revision"]

    _card(folder, "Greet people warmly.", "[gondola]")
    report = ingest([folder], settings)
    assert report.added == 1 and report.removed == 1  # the keyword is part of the chunk's identity
    assert [p.card for p in search("gondola", k=1, settings=settings, retriever="lexical")] == ["quirk"]
    assert search("zeppelin", k=1, settings=settings, retriever="lexical") == []
    assert open_collection(settings, get_embedder(settings).name).metadata["revision"] != first

    ingest([folder], settings)  # nothing changed: the revision stays, so no process rebuilds for nothing
    assert open_collection(settings, get_embedder(settings).name).metadata["revision"] != first


@pytest.mark.slow
def test_replicas_share_the_lexical_side_through_a_chroma_server(settings, tmp_path, chroma_server):
    """Ingest in one process, search from another: each builds BM25 from the collection it shares."""
    host, port = chroma_server
    remote = settings.model_copy(update={"chroma_host": host, "chroma_port": port, "collection": "replicas"})
    env = {**os.environ, "CHROMA_HOST": host, "CHROMA_PORT": str(port), "COACH_COLLECTION": "replicas"}
    folder = _card(tmp_path / "cards", "Mind the quokka when greeting.")

    def ingest_elsewhere() -> None:
        done = subprocess.run(
            [str(Path(sys.executable).with_name("coach")), "ingest", str(folder)], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]

    ingest_elsewhere()
    assert [p.card for p in search("quokka", k=1, settings=remote, retriever="lexical")] == ["quirk"]

    _card(folder, "Mind the axolotl when greeting.")
    ingest_elsewhere()  # this process built its BM25 before; the new revision makes it rebuild
    assert [p.card for p in search("axolotl", k=1, settings=remote, retriever="lexical")] == ["quirk"]
    assert search("quokka", k=1, settings=remote, retriever="lexical") == []
    assert [p.card for p in search("axolotl", k=1, settings=remote)] == ["quirk"]
