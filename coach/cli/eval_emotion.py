"""`coach eval emotion`: the customer-message emotion detector, lexicon against model, on dev and held-out."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from coach.cli import eval_app


@eval_app.command("emotion")
def eval_emotion(
    min_macro_f1: Annotated[float, typer.Option(help="Exit 1 when the combination's held-out macro-F1 is below this.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.", metavar="")] = False,
) -> None:
    """Macro-F1 on the primary label for the lexicon, the model and the combination; per-label figures."""
    from pydantic import ValidationError

    from coach.corpora import CorpusError
    from coach.evals.emotion import evaluate

    try:
        report = evaluate()
    except (CorpusError, ValidationError, ValueError, OSError) as exc:
        print(f"coach eval emotion: {exc}", file=sys.stderr)
        raise typer.Exit(2)
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console(highlight=False)
        table = Table(title="emotion: macro-F1 on the primary label")
        for column in ("split", "messages", "lexicon", "model", "combined", "Brier (combined)"):
            table.add_column(column)
        for split in report.splits:
            f = split.macro_f1
            table.add_row(f"{split.name} ({split.measured})", str(split.messages), *(f"{f[k]:.3f}" if k in f else "—" for k in ("lexicon", "model", "combined")),
                          f"{split.brier:.3f}" if split.brier is not None else "—")  # fmt: skip
        console.print(table)
        held = report.split("held-out")
        if held.labels:
            table = Table(title="held-out, combined: per label (precision / recall)")
            table.add_column("label")
            table.add_column("P / R")
            for label, s in held.labels.items():
                table.add_row(label, f"{s.precision:.2f} / {s.recall:.2f}")
            console.print(table)
        if report.head_hash != report.corpus_hash:
            console.print("[yellow]the shipped emotion head was trained on other data than this corpus's dev split: run coach train emotion[/]")
    if report.split("held-out").macro_f1.get("combined", 0.0) < min_macro_f1:
        raise typer.Exit(1)
