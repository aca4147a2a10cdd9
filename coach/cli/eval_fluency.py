"""`coach eval fluency`: the fluency guard's precision and recall at finding broken sentences, dev and held-out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from coach.cli import eval_app


@eval_app.command("fluency")
def eval_fluency(
    data: Annotated[Path | None, typer.Option(help="A folder of labelled sentence files (default: evals/fluency).")] = None,
    min_recall: Annotated[float, typer.Option(help="Exit 1 when held-out recall is below this.")] = 0.0,
    show: Annotated[bool, typer.Option("--show", help="List dev misses and false alarms (held-out stays unread).", metavar="")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.", metavar="")] = False,
) -> None:
    """How often the guard calls a broken sentence broken (recall) and is right when it does (precision)."""
    import yaml

    from coach.evals.fluency import DEFAULT_DIR, evaluate, load_items

    try:
        items = load_items(data or DEFAULT_DIR)
        if not items:
            raise OSError(f"no labelled sentences in {data or DEFAULT_DIR} (expected *.yaml files with an 'items' list)")
        scores = evaluate(items)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        print(f"coach eval fluency: {exc}", file=sys.stderr)
        raise typer.Exit(2)
    figures = {name: {"items": s.items, "precision": round(s.precision, 3), "recall": round(s.recall, 3),
                      "true_positives": s.tp, "false_alarms": s.fp, "misses": s.fn} for name, s in scores.items()}  # fmt: skip
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console(highlight=False)
        table = Table(title="fluency guard: finding broken sentences")
        for column in ("split", "items", "precision", "recall", "false alarms", "misses"):
            table.add_column(column)
        for name, f in figures.items():
            table.add_row(name, str(f["items"]), f"{f['precision']:.2f}", f"{f['recall']:.2f}", str(f["false_alarms"]), str(f["misses"]))
        console.print(table)
        if show:
            console.print("[bold]dev misses[/]", *scores["dev"].misses, sep="\n  ")
            console.print("[bold]dev false alarms[/]", *scores["dev"].false_alarms, sep="\n  ")
    if figures["held-out"]["recall"] < min_recall:
        raise typer.Exit(1)
