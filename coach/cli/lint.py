"""`coach lint`: analyse a draft and report findings; exit 1 on an error-level finding (pre-send hook)."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from coach.cli import app
from coach.cli.inputs import (
    AddressAsOpt, ChannelOpt, ContextFileOpt, DraftArg, FileOpt, HistoryOpt, LocaleOpt, MessageOpt, NameOpt,
    UsageProblem, context_from_options, read_draft,
)  # fmt: skip
from coach.schemas import Analysis

_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "suggestion": "cyan"}


@app.command("lint")
def lint_command(
    draft: DraftArg = None,
    file: FileOpt = None,
    name: NameOpt = None,
    address_as: AddressAsOpt = None,
    customer_message: MessageOpt = None,
    history: HistoryOpt = None,
    channel: ChannelOpt = None,
    locale: LocaleOpt = None,
    context_file: ContextFileOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.", metavar="")] = False,
) -> None:
    """Check a draft reply for over-familiarity, blame, dismissiveness and missed personal touches."""
    from coach.analysis import DataError, analyse

    try:
        text = read_draft(draft, file)
        context = context_from_options(context_file, name, address_as, customer_message, history, channel, locale)
        analysis = analyse(text, context)
    except UsageProblem as exc:
        _fail(str(exc))
    except DataError as exc:
        _fail(f"the rules or lexicons are broken: {exc}")

    if as_json:
        print(analysis.model_dump_json(indent=2))
    else:
        _print_report(analysis)
    raise typer.Exit(1 if analysis.has_errors else 0)


def _fail(message: str) -> NoReturn:
    print(f"coach lint: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _print_report(analysis: Analysis) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if analysis.findings:
        table = Table(show_lines=False, pad_edge=False)
        for column in ("level", "at", "match", "message", "rule · card"):
            table.add_column(column, overflow="fold")
        for f in analysis.findings:
            message = escape(f.message) + (f"\n[dim]→ {escape(f.suggestion)}[/]" if f.suggestion else "")
            if f.replacement is not None:
                swap = f'"{escape(f.replacement)}"' if f.replacement else "(delete)"
                message += f"\n[dim]swap → {swap}[/]"
            table.add_row(
                f"[{_LEVEL_STYLE[f.level.value]}]{f.level.value}[/]",
                f"{f.line}:{f.column}" if f.end > f.start else "—",
                escape(f.match),
                message,
                f"{f.rule}\n[dim]{f.card or ''}[/]",
            )
        console.print(table)
    else:
        console.print("[green]No findings.[/]")

    checks = "  ".join(
        ("[green]✓[/]" if c.passed else "[red]✗[/]" if c.applicable else "[dim]–[/]") + f" {c.id}"
        for c in analysis.checks
    )
    console.print(f"\npersonalisation [bold]{analysis.personalisation}[/]/100   familiarity risk [bold]{analysis.familiarity_risk}[/]/100")
    console.print(checks)
    if analysis.emotions:
        console.print("emotions: " + ", ".join(f"{e.name} {e.score:.2f}" for e in analysis.emotions))
    if analysis.facts:
        console.print("protected facts: " + escape(", ".join(f"{f.value} ({f.kind})" for f in analysis.facts)))
    for note in analysis.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    counts = {level: sum(f.level.value == level for f in analysis.findings) for level in _LEVEL_STYLE}
    console.print(f"[dim]{counts['error']} error(s), {counts['warning']} warning(s), {counts['suggestion']} suggestion(s)[/]")
