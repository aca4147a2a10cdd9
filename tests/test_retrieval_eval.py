"""The retrieval eval: labelled agent situations must bring back the right guidance cards."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from coach.config import PROJECT_ROOT
from coach.evals.retrieval import (
    QUERIES_DIR,
    LabelledQuery,
    QueryFileError,
    evaluate,
    load_queries,
    recall_at_3,
    reciprocal_rank,
)
from coach.knowledge.cards import load_cards


def test_the_labelled_queries_name_real_cards_and_cover_each_one():
    queries = load_queries()
    cards = load_cards(PROJECT_ROOT / "knowledge")
    assert len(queries) >= 200
    assert {card for q in queries for card in q.expect} <= set(cards)
    per_card = Counter(card for q in queries for card in q.expect)
    assert min(per_card[card] for card in cards) >= 6
    assert {q.split for q in queries} == {"dev", "heldout"}
    styles = Counter(q.style for q in queries if q.style)
    assert set(styles) == {"typed", "customer", "findings"}


def test_no_group_lies_on_both_sides(tmp_path):
    (tmp_path / "dev-a.yaml").write_text("- {group: g1, query: late parcel, expect: [acknowledge-emotion]}\n")
    (tmp_path / "heldout-b.yaml").write_text("- {group: g1, query: parcel late again, expect: [reference-history]}\n")
    with pytest.raises(QueryFileError, match="both sides"):
        load_queries(tmp_path)
    (tmp_path / "heldout-b.yaml").write_text("- {group: g2, query: parcel late again, expect: [reference-history]}\n")
    assert [q.split for q in load_queries(tmp_path)] == ["dev", "heldout"]


def test_a_query_without_an_expected_card_is_refused():
    with pytest.raises(ValidationError):
        LabelledQuery(query="late parcel", expect=[])


def test_the_metrics():
    assert recall_at_3(["a", "b"], ["a", "x", "y"]) == 0.5
    assert reciprocal_rank(["b"], ["a", "x", "b"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["b"], ["a"]) == 0.0


def test_the_query_folder_is_the_default():
    assert QUERIES_DIR.is_dir() and load_queries() == load_queries(QUERIES_DIR)


@pytest.mark.slow
def test_every_retriever_is_scored_on_both_splits(settings):
    queries = [q for q in load_queries() if q.group in _sample()]
    report = evaluate(settings, queries)
    assert {(s.retriever, s.split) for s in report.scores} == {
        (r, split) for r in ("dense", "lexical", "hybrid") for split in ("dev", "heldout")
    }
    assert report.retriever == "hybrid" and len(report.results) == len(queries)
    assert all(len(r.top) == 3 for r in report.results)
    dev = report.score("hybrid", "dev")
    on_dev = [r for r in report.results if r.split == "dev"]
    assert dev.recall_at_3 == round(sum(r.recall_at_3 for r in on_dev) / len(on_dev), 4)


def _sample() -> set[str]:
    """A few groups from each split: the full run is `coach eval retrieval`, gated below."""
    queries = load_queries()
    return {q.group for split in ("dev", "heldout") for q in [q for q in queries if q.split == split][:5]}


@pytest.mark.slow
def test_hybrid_search_on_the_held_out_queries(settings):
    """The issue's goal, recall@3 >= 0.95 and MRR >= 0.85 on the held-out queries: measured 0.954 and 0.931
    on all 409 (0.964 / 0.959 on h3, measured once), dev 0.981 / 0.933. Fusing must beat either side alone."""
    report = evaluate(settings, load_queries())
    hybrid, dense, lexical = (report.score(r, "heldout") for r in ("hybrid", "dense", "lexical"))
    assert hybrid.queries >= 100
    assert hybrid.recall_at_3 >= 0.95 and hybrid.mrr >= 0.85, [(m.query, m.expect, m.top) for m in report.misses]
    assert hybrid.recall_at_3 > max(dense.recall_at_3, lexical.recall_at_3)
