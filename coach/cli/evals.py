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
    queries: Annotated[Path | None, typer.Option(help="Labelled queries (YAML).")] = None,
    min_recall: Annotated[float, typer.Option(help="Exit 1 when recall@3 is below this.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Recall@3 and MRR of guidance retrieval on labelled agent situations."""
    from pydantic import ValidationError
    from yaml import YAMLError

    from coach.evals.retrieval import DEFAULT_QUERIES, evaluate, load_queries
    from coach.knowledge.store import StoreError

    path = queries or DEFAULT_QUERIES
    try:
        labelled = load_queries(path)
    except (OSError, YAMLError, ValidationError) as exc:
        raise fail(f"cannot read queries from {path}: {exc}", code=2)
    try:
        report = evaluate(get_settings(), labelled)
    except StoreError as exc:
        raise fail(str(exc))

    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        if report.misses:
            table = Table(title="queries that missed a card in the top 3")
            for column in ("query", "expected", "top 3"):
                table.add_column(column)
            for miss in report.misses:
                table.add_row(miss.query, ", ".join(miss.expect), ", ".join(str(c) for c in miss.top))
            console.print(table)
        console.print(
            f"{report.queries} queries · recall@3 [bold]{report.recall_at_3:.3f}[/] · "
            f"MRR [bold]{report.mrr:.3f}[/] · embeddings {report.embeddings}"
        )
    if report.recall_at_3 < min_recall:
        raise typer.Exit(1)
