"""The retrieval eval: labelled agent situations must bring back the right guidance cards."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coach.config import PROJECT_ROOT
from coach.evals.retrieval import DEFAULT_QUERIES, LabelledQuery, evaluate, load_queries
from coach.knowledge.cards import load_cards


def test_the_labelled_queries_name_real_cards():
    queries = load_queries()
    cards = load_cards(PROJECT_ROOT / "knowledge")
    assert len(queries) >= 40 and DEFAULT_QUERIES.is_file()
    assert {card for q in queries for card in q.expect} <= set(cards)


def test_a_query_without_an_expected_card_is_refused():
    with pytest.raises(ValidationError):
        LabelledQuery(query="late parcel", expect=[])


@pytest.mark.slow
def test_recall_at_3_over_the_guidance_cards(settings):
    queries = load_queries()
    report = evaluate(settings, queries)
    assert report.queries == len(queries) and report.embeddings == "local"
    assert report.recall_at_3 >= 0.9, [(m.query, m.expect, m.top) for m in report.misses]
    assert 0.8 <= report.mrr <= 1.0
    assert all(len(r.top) == 3 for r in report.results)
    assert report.recall_at_3 == round(sum(r.recall_at_3 for r in report.results) / len(queries), 4)
