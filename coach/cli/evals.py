"""`coach eval retrieval`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coach.cli import eval_app
from coach.cli.knowledge import console, fail
from coach.config import get_settings


@eval_app.command("retrieval")
def eval_retrieval(
    queries: Annotated[
        Path | None, typer.Option(help="Labelled queries: a YAML file or a folder of dev-*.yaml and heldout-*.yaml.")
    ] = None,
    retriever: Annotated[
        list[str] | None, typer.Option(help="Score only this retriever (dense, lexical or hybrid); repeatable.")
    ] = None,
    with_articles: Annotated[
        list[Path] | None,
        typer.Option("--with", help="Also ingest these folders of articles, as a user adding their own would."),
    ] = None,
    min_recall: Annotated[
        float, typer.Option(help="Exit 1 when the configured retriever's recall@3 is below this (held-out, or dev when there is none).")
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.", metavar="")] = False,
) -> None:
    """Recall@3 and MRR of guidance retrieval on labelled agent situations: each retriever, each split."""
    from pydantic import ValidationError
    from yaml import YAMLError

    from coach.evals.retrieval import QUERIES_DIR, QueryFileError, evaluate, load_queries
    from coach.knowledge.search import RETRIEVERS
    from coach.knowledge.store import StoreError

    path = queries or QUERIES_DIR
    unknown = [r for r in retriever or () if r not in RETRIEVERS]
    if unknown:
        raise fail(f"unknown retriever {unknown[0]!r}; expected one of {', '.join(RETRIEVERS)}", code=2)
    missing = [p for p in with_articles or () if not p.is_dir()]
    if missing:
        raise fail(f"--with {missing[0]}: no such folder", code=2)
    try:
        labelled = load_queries(path)
    except (OSError, YAMLError, ValidationError, QueryFileError) as exc:
        raise fail(f"cannot read queries from {path}: {exc}", code=2)
    if not labelled:
        raise fail(f"no labelled queries in {path}", code=2)
    try:
        report = evaluate(get_settings(), labelled, tuple(retriever or RETRIEVERS), extra=list(with_articles or ()))
    except StoreError as exc:
        raise fail(str(exc))

    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        if report.misses:
            table = Table(title=f"queries that missed a card in the top 3 ({report.retriever})")
            for column in ("split", "query", "expected", "top 3"):
                table.add_column(column)
            for miss in report.misses:
                table.add_row(miss.split, miss.query, ", ".join(miss.expect), ", ".join(str(c) for c in miss.top))
            console.print(table)
        scores = Table(title=f"retrieval, embeddings {report.embeddings}")
        for column in ("retriever", "split", "queries", "recall@3", "MRR"):
            scores.add_column(column, justify="right" if column in ("queries", "recall@3", "MRR") else "left")
        for score in report.scores:
            scores.add_row(score.retriever, score.split, str(score.queries), f"{score.recall_at_3:.3f}", f"{score.mrr:.3f}")
        console.print(scores)
    gate = report.score(split="heldout") or report.score(split="dev")
    if gate and gate.recall_at_3 < min_recall:
        raise typer.Exit(1)
