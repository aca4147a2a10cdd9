"""`coach eval lint`: how well rules, the learned model and both together flag problem sentences."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from coach.cli import eval_app


@eval_app.command("lint")
def eval_lint(
    corpus: Annotated[Path | None, typer.Option(help="The tone corpus folder (dev-*.jsonl, heldout-*.jsonl).")] = None,
    min_precision: Annotated[float, typer.Option(help="Exit 1 when held-out precision (combined) is below this.")] = 0.0,
    min_recall: Annotated[float, typer.Option(help="Exit 1 when held-out recall (combined) is below this.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.", metavar="")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List the held-out sentences the combination gets wrong.", metavar="")] = False,
) -> None:
    """Precision and recall of rules, model and combined, by category, on dev and held-out."""
    from pydantic import ValidationError

    from coach.analysis import DataError
    from coach.corpora import TONE_DIR, CorpusError
    from coach.evals.lint import evaluate

    folder = corpus or TONE_DIR
    try:
        report = evaluate(folder)
    except (DataError, CorpusError, ValidationError, ValueError, OSError) as exc:
        print(f"coach eval lint: cannot evaluate {folder}: {exc}", file=sys.stderr)
        raise typer.Exit(2)

    held = report.split("held-out").systems["combined"].overall
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        _print(report, show_misses)
    if held.precision < min_precision or held.recall < min_recall:
        raise typer.Exit(1)


def _print(report, show_misses: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from coach.corpora import TONE_CATEGORIES

    console = Console(highlight=False)
    if show_misses and report.misclassified:
        table = Table(title="held-out sentences the combination gets wrong")
        for column in ("expected", "flagged by", "text"):
            table.add_column(column, overflow="fold")
        for miss in report.misclassified:
            table.add_row(", ".join(miss.expected) or "fine", ", ".join(miss.flagged) or "—", escape(miss.text))
        console.print(table)

    table = Table(title="per sentence: flagged for any problem")
    for column in ("split", "sentences", "system", "precision", "recall", "F1", "TP", "FP", "FN", "Brier"):
        table.add_column(column)
    for split in report.splits:
        for name, system in split.systems.items():
            s = system.overall
            table.add_row(f"{split.name} ({split.measured})" if name == "rules" else "", str(split.sentences) if name == "rules" else "",
                          name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn),
                          f"{split.brier:.3f}" if split.brier is not None and name == "model" else "")  # fmt: skip
    console.print(table)

    for split in report.splits:
        if not any(system.categories for system in split.systems.values()):
            continue
        table = Table(title=f"{split.name}: by category (precision / recall)")
        table.add_column("category")
        for name in split.systems:
            table.add_column(name)
        for category in TONE_CATEGORIES:
            cells = []
            for system in split.systems.values():
                s = system.categories.get(category)
                cells.append(f"{s.precision:.2f} / {s.recall:.2f}" if s else "—")
            table.add_row(category, *cells)
        console.print(table)
    console.print(f"[dim]{report.detector}. Dev figures for the model and the combination are cross-validated "
                  f"(leave one author out), recorded when the head was trained.[/]")  # fmt: skip
    if report.head_hash != report.corpus_hash:
        console.print("[yellow]the shipped tone head was trained on other data than this corpus's dev split: run coach train tone[/]")
