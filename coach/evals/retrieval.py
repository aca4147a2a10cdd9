"""Retrieval eval: do labelled agent situations bring back the right guidance cards?

Runs against its own collection, built from the knowledge directory, so articles
ingested into the main index cannot skew the numbers.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from coach.config import PROJECT_ROOT, Settings
from coach.knowledge.ingest import ingest
from coach.knowledge.search import search

DEFAULT_QUERIES = PROJECT_ROOT / "evals" / "retrieval" / "queries.yaml"


class LabelledQuery(BaseModel):
    query: str = Field(min_length=1)
    expect: list[str] = Field(min_length=1)


class QueryResult(BaseModel):
    query: str
    expect: list[str]
    top: list[str | None]
    recall_at_3: float
    reciprocal_rank: float


class RetrievalReport(BaseModel):
    queries: int
    recall_at_3: float
    mrr: float
    embeddings: str
    results: list[QueryResult]

    @property
    def misses(self) -> list[QueryResult]:
        return [r for r in self.results if r.recall_at_3 < 1.0]


def load_queries(path: Path = DEFAULT_QUERIES) -> list[LabelledQuery]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [LabelledQuery.model_validate(item) for item in raw]


def evaluate(settings: Settings, queries: list[LabelledQuery], depth: int = 10) -> RetrievalReport:
    eval_settings = settings.model_copy(update={"collection": f"{settings.collection}-eval"})
    ingest([settings.knowledge_dir / "cards"], eval_settings)

    results = []
    for item in queries:
        top3 = [p.card for p in search(item.query, k=3, settings=eval_settings)]
        ranked = [p.card for p in search(item.query, k=depth, settings=eval_settings)]
        expected = set(item.expect)
        first = next((rank for rank, card in enumerate(ranked, 1) if card in expected), None)
        results.append(
            QueryResult(
                query=item.query,
                expect=item.expect,
                top=top3,
                recall_at_3=len(expected & set(top3)) / len(expected),
                reciprocal_rank=1.0 / first if first else 0.0,
            )
        )
    n = len(results) or 1
    return RetrievalReport(
        queries=len(results),
        recall_at_3=round(sum(r.recall_at_3 for r in results) / n, 4),
        mrr=round(sum(r.reciprocal_rank for r in results) / n, 4),
        embeddings=settings.embeddings,
        results=results,
    )
