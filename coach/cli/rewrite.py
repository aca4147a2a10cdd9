"""`coach rewrite`: the main job in a terminal: the rewrite, a coloured diff, and why each change was made."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from coach.cli import app
from coach.cli.inputs import (
    AddressAsOpt, ChannelOpt, ContextFileOpt, DraftArg, FileOpt, HistoryOpt, LocaleOpt, MessageOpt, NameOpt,
    UsageProblem, context_from_options, read_draft,
)  # fmt: skip
from coach.diff import plain_diff
from coach.schemas import Constraints, EngineChoice, RewriteResult, Tone


@app.command("rewrite")
def rewrite_command(
    draft: DraftArg = None,
    file: FileOpt = None,
    name: NameOpt = None,
    address_as: AddressAsOpt = None,
    customer_message: MessageOpt = None,
    history: HistoryOpt = None,
    channel: ChannelOpt = None,
    locale: LocaleOpt = None,
    context_file: ContextFileOpt = None,
    engine: Annotated[EngineChoice, typer.Option("--engine", help="rules, llm, or auto (the LLM when one is configured).")] = EngineChoice.auto,
    prompt: Annotated[str | None, typer.Option("--prompt", help='Prompt version, e.g. "rewrite/v1"; default: the newest stable one.')] = None,
    tone: Annotated[Tone, typer.Option("--tone")] = Tone.warm_professional,
    max_words: Annotated[int | None, typer.Option("--max-words", min=5, help="Longest rewrite allowed.")] = None,
    keep: Annotated[list[str] | None, typer.Option("--keep", help="Wording that must survive verbatim; repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.", metavar="")] = False,
) -> None:
    """Rewrite a draft reply: personal, warm and professional, with every fact kept."""
    from pydantic import ValidationError

    from coach.analysis import DataError
    from coach.pipeline import rewrite
    from coach.prompting import PromptError
    from coach.schemas import RewriteRequest

    try:
        text = read_draft(draft, file)
        context = context_from_options(context_file, name, address_as, customer_message, history, channel, locale)
        request = RewriteRequest(
            draft=text, context=context, tone=tone, engine=engine, prompt=prompt,
            constraints=Constraints(max_words=max_words, keep=keep or []),
        )  # fmt: skip
        result = rewrite(request)
    except UsageProblem as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    except PromptError as exc:
        _fail(str(exc))
    except DataError as exc:
        _fail(f"the rules, phrases or lexicons are broken: {exc}")

    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        show(result)


def _fail(message: str) -> NoReturn:
    print(f"coach rewrite: {message}", file=sys.stderr)
    raise typer.Exit(2)


def show(result: RewriteResult) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    console = Console(highlight=False)
    engine = result.engine + (f"  [yellow](fell back: {escape(result.fallback)})[/]" if result.fallback else "")
    console.print(Panel(escape(result.rewrite), title="rewrite", title_align="left", subtitle=f"engine: {engine}", subtitle_align="left"))

    if not any(op != "=" for op, _ in result.diff):
        console.print("[dim]no changes[/]")
    elif console.is_terminal:
        diff = Text()
        for op, chunk in result.diff:
            diff.append(chunk, style={"-": "red strike", "+": "green", "=": ""}[op])
        console.print(Panel(diff, title="diff", title_align="left", border_style="dim"))
    else:  # a pre-send hook or a log: no colour, so the edits are marked in the text
        console.print("diff:\n" + escape(plain_diff(result.diff)))

    changes = [c for c in result.changes if (c.before or "").strip() or (c.after or "").strip()]
    if changes:
        console.print("[bold]changes[/]")
        for change in changes:
            what = {"added": f'+ "{change.after}"', "removed": f'- "{change.before}"'}.get(
                change.kind, f'"{change.before}" → "{change.after}"'
            )
            cites = f" [dim]({', '.join(change.cites)})[/]" if change.cites else ""
            console.print(f"  {escape(what)}: {escape(change.reason)}{cites}")
    if result.citations:
        console.print("[bold]guidance followed[/]")
        for citation in result.citations:
            console.print(f"  [cyan]{citation.card}[/] {escape(citation.title)} [dim]{escape(citation.source)}[/]")

    open_findings = result.analysis.rewrite.findings
    said = {f.message for f in open_findings}
    open_checks = [c for c in result.analysis.rewrite.checks if c.applicable and not c.passed and c.detail not in said]
    if open_findings or open_checks:
        console.print("[bold]still open in the rewrite[/]")
        for finding in open_findings:
            quoted = f' "{finding.match}"' if finding.match else ""
            console.print(f"  {finding.level.value}{escape(quoted)}: {escape(finding.message)} [dim]({finding.rule})[/]")
        for check in open_checks:
            console.print(f"  check {check.id}: {escape(check.detail)}")

    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    before, after = result.analysis.draft, result.analysis.rewrite
    facts = result.facts
    console.print(
        f"personalisation {before.personalisation} → [bold]{after.personalisation}[/]   "
        f"familiarity risk {before.familiarity_risk} → [bold]{after.familiarity_risk}[/]   "
        f"facts kept {len(facts.kept)}/{len(facts.kept) + len(facts.missing) + len(facts.altered)}"
    )
