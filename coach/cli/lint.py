"""`coach lint`: analyse a draft and report findings; exit 1 on an error-level finding (pre-send hook)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from coach.cli import app
from coach.schemas import Analysis, Channel, Context

_DATED_NOTE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[:\-–—]\s*(.+)$", re.DOTALL)
_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "suggestion": "cyan"}


class UsageProblem(Exception):
    """Bad input from the user: exit 2 with a message, no traceback."""


@app.command("lint")
def lint_command(
    draft: Annotated[str | None, typer.Argument(help="The draft text; '-' or nothing (with a pipe) reads stdin.", show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Customer's name, e.g. 'Sarah Okafor'.")] = None,
    address_as: Annotated[str | None, typer.Option("--address-as", help="How they like to be addressed, e.g. 'Ms Okafor'.")] = None,
    customer_message: Annotated[str | None, typer.Option("--customer-message", help="The customer's message.")] = None,
    history: Annotated[list[str] | None, typer.Option("--history", help="A past interaction, 'YYYY-MM-DD: note' or a note; repeatable.")] = None,
    channel: Annotated[Channel | None, typer.Option("--channel", help="email, chat, social or phone.")] = None,
    locale: Annotated[str | None, typer.Option("--locale", help="e.g. en-GB, en-US (reads 03/04 dates).")] = None,
    context_file: Annotated[Path | None, typer.Option("--context", help="Context as a JSON or YAML file; flags override it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
) -> None:
    """Check a draft reply for over-familiarity, blame, dismissiveness and missed personal touches."""
    from coach.analysis import DataError, analyse

    try:
        text = read_draft(draft, file)
        context = build_context(
            context_file,
            {"customer_name": name, "address_as": address_as, "customer_message": customer_message,
             "channel": channel.value if channel else None, "locale": locale},
            history or [],
        )  # fmt: skip
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


def read_draft(draft: str | None, file: Path | None) -> str:
    if draft is not None and file is not None:
        raise UsageProblem("give the draft as an argument or with --file, not both")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"cannot read draft file {file}: {exc}") from exc
    elif draft == "-" or (draft is None and not sys.stdin.isatty()):
        text = sys.stdin.read()
    elif draft is None:
        raise UsageProblem("no draft: pass it as an argument, with --file, or on stdin")
    else:
        text = draft
    if not text.strip():
        raise UsageProblem("the draft is empty")
    return text


def build_context(path: Path | None, flags: dict[str, Any], history: list[str]) -> Context:
    from pydantic import ValidationError

    data: dict[str, Any] = _read_context_file(path) if path else {}
    data.update({key: value for key, value in flags.items() if value is not None})
    items = [_history_item(h) for h in data.get("history", []) or []] + [_history_item(h) for h in history]
    if items:
        data["history"] = items
    try:
        return Context.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'context'}: {e['msg']}" for e in exc.errors())
        raise UsageProblem(f"invalid context: {problems}") from exc


def _read_context_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read context file {path}: {exc}") from exc
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise UsageProblem(f"context file {path} is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageProblem(f"context file {path} must hold a mapping (customer_name, customer_message, history, ...)")
    if "name" in data and "customer_name" not in data:
        data["customer_name"] = data.pop("name")
    return data


def _history_item(item: Any) -> Any:
    if not isinstance(item, str):
        return item
    dated = _DATED_NOTE.match(item)
    return {"date": dated.group(1), "note": dated.group(2).strip()} if dated else {"note": item.strip()}


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
    counts = {level: sum(f.level.value == level for f in analysis.findings) for level in _LEVEL_STYLE}
    console.print(f"[dim]{counts['error']} error(s), {counts['warning']} warning(s), {counts['suggestion']} suggestion(s)[/]")
