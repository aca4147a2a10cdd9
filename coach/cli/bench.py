"""`coach bench`: measure speed, cost and scale; write JSON + markdown (+ PNG) to bench/results/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.bench.runner import AREAS
from coach.cli import app

_AREAS = ", ".join(AREAS)


@app.command("bench")
def bench_command(
    only: Annotated[
        str | None, typer.Option(help=f"Comma-separated areas to run (default all): {_AREAS}.")
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="Small sizes and few repeats (seconds to a minute); writes bench-quick.*.", metavar="")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default bench/results in the project).", file_okay=False)
    ] = None,
    prices: Annotated[
        Path | None, typer.Option(help="Price table, USD per 1M tokens (default bench/prices.toml).", dir_okay=False)
    ] = None,
) -> None:
    """Benchmark ingest, retrieval, pipeline overhead, the rules engine, the HTTP API, a load test and token cost."""
    from rich.console import Console

    from coach.bench.runner import run_bench

    console = Console(stderr=True)
    areas = [a.strip() for a in only.split(",") if a.strip()] if only else None
    unknown = sorted(set(areas or []) - set(AREAS))
    if unknown:
        console.print(f"[red]unknown area(s): {', '.join(unknown)}[/red]; choose from {_AREAS}")
        raise typer.Exit(2)
    if prices is not None and not prices.is_file():
        console.print(f"[red]no price table at {prices}[/red]")
        raise typer.Exit(2)

    results = run_bench(areas, quick=quick, out=out, prices=prices, log=lambda line: console.print(line, style="dim"))

    from coach.bench.report import rich_summary
    from coach.bench.runner import DEFAULT_OUT

    Console().print(rich_summary(results))
    folder = out or DEFAULT_OUT
    stem = "bench-quick" if quick else "bench"
    console.print(f"results: {folder / (stem + '.json')}, {folder / (stem + '.md')}"
                  + "".join(f", {folder / p}" for p in results.get("plots", [])))  # fmt: skip
    if any(isinstance(v, dict) and v.get("error") for v in results.values()):
        raise typer.Exit(1)
