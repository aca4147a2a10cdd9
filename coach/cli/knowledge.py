"""`coach ingest` and `coach search`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from coach.cli import app
from coach.config import get_settings

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(exists=True, help="Files or folders to index (default: knowledge/).")
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(help="Rebuild from scratch (e.g. a new embedding model); the old index serves until the new one is complete.", metavar=""),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.", metavar="")] = False,
) -> None:
    """Index guidance articles (.md, .txt, .html) into the vector store."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from coach.knowledge.ingest import ingest as run_ingest
    from coach.knowledge.store import StoreError

    settings = get_settings()
    targets = paths or [settings.knowledge_dir]
    progress = Progress(
        TextColumn("[bold]indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=err, disable=as_json, transient=True,
    )
    with progress:
        task = progress.add_task("", total=None)
        try:
            report = run_ingest(
                targets,
                settings,
                rebuild=rebuild,
                on_start=lambda total: progress.update(task, total=total),
                on_file=lambda source: progress.update(task, advance=1, description=source),
            )
        except (StoreError, ValueError) as exc:
            raise fail(str(exc))

    if as_json:
        print(report.model_dump_json(indent=2))
        return
    for source, why in report.skipped.items():
        err.print(f"[yellow]skipped[/] {source}: {why}")
    console.print(
        f"[green]indexed[/] {report.files} files, {report.chunks} chunks, {report.tokens} tokens "
        f"in {report.seconds:.1f} s — {report.added} added, {report.removed} removed, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped"
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What the agent is dealing with, in plain words.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 5,
    tag: Annotated[str | None, typer.Option(help="Only passages with this tag.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print passages as JSON.", metavar="")] = False,
) -> None:
    """Find the guidance that fits a situation."""
    from coach.knowledge.search import search as run_search
    from coach.knowledge.store import StoreError

    try:
        passages = run_search(query, k=k, tag=tag, settings=get_settings())
    except ValueError as exc:
        raise fail(str(exc), code=2)
    except StoreError as exc:
        raise fail(str(exc))

    if as_json:
        print(json.dumps([p.model_dump() for p in passages], indent=2))
        return
    if not passages:
        console.print("no guidance matched" + (f" with tag {tag!r}" if tag else ""))
        return
    table = Table(show_lines=True)
    table.add_column("score", justify="right")
    table.add_column("card / source")
    table.add_column("passage")
    for p in passages:
        where = f"[bold]{p.card or p.title}[/]\n[dim]{p.source}[/]\n[dim]{p.section}[/]"
        snippet = p.text if len(p.text) < 400 else p.text[:400] + "…"
        table.add_row(f"{p.score:.2f}", where, snippet)
    console.print(table)
