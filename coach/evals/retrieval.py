"""Retrieval eval: do labelled agent situations bring back the right guidance cards?

The queries live in `evals/retrieval/` as `dev-*.yaml` and `heldout-*.yaml`. Held-out files were written
apart, by an author who saw neither the dev queries nor the cards' keywords, and committed before any
tuning; fusion weights, keywords and chunking are chosen on dev alone. Variants of one situation share a
`group`, and no group lies on both sides (`load_queries` checks).

Runs against its own collection, built from the knowledge directory (plus any extra folders given), so
articles ingested into the main index cannot skew the numbers. Each retriever (dense, lexical, hybrid)
is scored on each split in the same run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from coach.config import PROJECT_ROOT, Settings
from coach.knowledge.ingest import ingest
from coach.knowledge.search import RETRIEVERS, search

QUERIES_DIR = PROJECT_ROOT / "evals" / "retrieval"
SPLITS = ("dev", "heldout")
DEPTH = 10


class QueryFileError(ValueError):
    """A query file that does not parse, or groups that cross the split."""


class LabelledQuery(BaseModel):
    query: str = Field(min_length=1)
    expect: list[str] = Field(min_length=1)
    group: str | None = None
    style: Literal["typed", "customer", "findings"] | None = None
    split: Literal["dev", "heldout"] = "dev"


class QueryResult(BaseModel):
    query: str
    expect: list[str]
    split: str
    top: list[str | None]
    recall_at_3: float
    reciprocal_rank: float


class Score(BaseModel):
    """One retriever on one split."""

    retriever: str
    split: str
    queries: int
    recall_at_3: float
    mrr: float


class RetrievalReport(BaseModel):
    embeddings: str
    retriever: str = Field(description="The retriever whose per-query results are listed: the configured one.")
    scores: list[Score]
    results: list[QueryResult]

    def score(self, retriever: str | None = None, split: str = "heldout") -> Score | None:
        wanted = retriever or self.retriever
        return next((s for s in self.scores if s.retriever == wanted and s.split == split), None)

    @property
    def misses(self) -> list[QueryResult]:
        return [r for r in self.results if r.recall_at_3 < 1.0]


def recall_at_3(expect: list[str], top3: list[str | None]) -> float:
    return len(set(expect) & set(top3)) / len(set(expect))


def reciprocal_rank(expect: list[str], ranked: list[str | None]) -> float:
    first = next((rank for rank, card in enumerate(ranked, 1) if card in set(expect)), None)
    return 1.0 / first if first else 0.0


def query_files(folder: Path = QUERIES_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name.startswith(SPLITS))


def load_queries(paths: list[Path] | Path | None = None) -> list[LabelledQuery]:
    """Every query in the files (by default all of evals/retrieval/), each with its split from its file name."""
    if paths is None:
        paths = query_files()
    elif isinstance(paths, Path):
        paths = query_files(paths) if paths.is_dir() else [paths]
    queries: list[LabelledQuery] = []
    for path in paths:
        split = "heldout" if path.name.startswith("heldout") else "dev"
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise QueryFileError(f"{path.name}: expected a list of queries")
        for n, item in enumerate(raw, 1):
            if not isinstance(item, dict):
                raise QueryFileError(f"{path.name}, item {n}: expected a mapping with query and expect")
            queries.append(LabelledQuery.model_validate({**item, "group": item.get("group") or f"{path.stem}-{n}", "split": split}))
    sides: dict[str, set[str]] = {}
    for q in queries:
        sides.setdefault(q.group, set()).add(q.split)
    crossing = sorted(group for group, split in sides.items() if len(split) > 1)
    if crossing:
        raise QueryFileError(f"groups on both sides of the split: {', '.join(crossing[:5])}")
    return queries


def evaluate(
    settings: Settings,
    queries: list[LabelledQuery],
    retrievers: tuple[str, ...] = RETRIEVERS,
    extra: list[Path] = (),
) -> RetrievalReport:
    eval_settings = settings.model_copy(update={"collection": f"{settings.collection}-eval"})
    ingest([settings.knowledge_dir / "cards", *extra], eval_settings, rebuild=True)

    listed = settings.retriever if settings.retriever in retrievers else retrievers[0]
    scores: list[Score] = []
    listed_results: list[QueryResult] = []
    for retriever in retrievers:
        results = [_run(item, eval_settings, retriever) for item in queries]
        if retriever == listed:
            listed_results = results
        for split in SPLITS:
            on_split = [r for r in results if r.split == split]
            if on_split:
                scores.append(
                    Score(
                        retriever=retriever,
                        split=split,
                        queries=len(on_split),
                        recall_at_3=round(sum(r.recall_at_3 for r in on_split) / len(on_split), 4),
                        mrr=round(sum(r.reciprocal_rank for r in on_split) / len(on_split), 4),
                    )
                )
    return RetrievalReport(embeddings=settings.embeddings, retriever=listed, scores=scores, results=listed_results)


def _run(item: LabelledQuery, settings: Settings, retriever: str) -> QueryResult:
    top3 = [p.card for p in search(item.query, k=3, settings=settings, retriever=retriever)]
    ranked = [p.card for p in search(item.query, k=DEPTH, settings=settings, retriever=retriever)]
    return QueryResult(
        query=item.query,
        expect=item.expect,
        split=item.split,
        top=top3,
        recall_at_3=recall_at_3(item.expect, top3),
        reciprocal_rank=reciprocal_rank(item.expect, ranked),
    )
