"""`coach eval lint`: precision and recall of the familiarity detector on labelled sentences."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from coach.cli import eval_app


@eval_app.command("lint")
def eval_lint(
    sentences: Annotated[Path | None, typer.Option(help="Labelled sentences (YAML).")] = None,
    min_precision: Annotated[float, typer.Option(help="Exit 1 when precision is below this.")] = 0.0,
    min_recall: Annotated[float, typer.Option(help="Exit 1 when recall is below this.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Precision, recall and F1 of the familiarity detector, and the sentences it gets wrong."""
    from pydantic import ValidationError

    from coach.analysis import DataError
    from coach.evals.lint import DEFAULT_SENTENCES, evaluate, load_sentences

    path = sentences or DEFAULT_SENTENCES
    try:
        report = evaluate(load_sentences(path))
    except (DataError, ValidationError, ValueError) as exc:
        print(f"coach eval lint: cannot evaluate {path}: {exc}", file=sys.stderr)
        raise typer.Exit(2)

    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = Console(highlight=False)
        if report.misclassified:
            table = Table(title="misclassified")
            for column in ("split", "expected", "got", "rules fired", "text"):
                table.add_column(column, overflow="fold")
            for r in report.misclassified:
                table.add_row(
                    r.split, "flag" if r.expected else "pass", "flag" if r.predicted else "pass",
                    ", ".join(r.fired) or "—", escape(r.text),
                )  # fmt: skip
            console.print(table)
        console.print(f"[dim]{report.detector}[/]")
        console.print(
            f"{report.sentences} sentences ({report.positives} over-familiar/unprofessional, {report.negatives} fine) · "
            f"precision [bold]{report.precision:.3f}[/] · recall [bold]{report.recall:.3f}[/] · F1 [bold]{report.f1:.3f}[/] · "
            f"rule agreement {report.rule_agreement:.3f}"
        )
        console.print(f"TP {report.true_positives}  FP {report.false_positives}  FN {report.false_negatives}  TN {report.true_negatives}")
        for name, split in report.splits.items():
            console.print(
                f"  {name}: {split.sentences} sentences · precision {split.precision:.3f} · recall {split.recall:.3f} · "
                f"F1 {split.f1:.3f} (TP {split.true_positives} FP {split.false_positives} FN {split.false_negatives} TN {split.true_negatives})"
            )
    if report.precision < min_precision or report.recall < min_recall:
        raise typer.Exit(1)
