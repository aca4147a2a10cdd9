"""`coach eval run`, `coach eval compare` and `coach eval report`: the rewrite eval suite."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coach.cli import eval_app
from coach.config import get_settings

if TYPE_CHECKING:
    from coach.evals.compare import Comparison
    from coach.evals.metrics import GroupSummary

console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@eval_app.command("run")
def eval_run(
    prompts: Annotated[str | None, typer.Option(help='Prompt versions, comma-separated, e.g. "rewrite/v1,rewrite/v2" (default: the newest stable one).')] = None,
    engines: Annotated[str | None, typer.Option(help="Engines, comma-separated: rules, scripted, llm:<model> (draft and rules always run).")] = None,
    cases: Annotated[str | None, typer.Option("--cases", help='Only cases with one of these tags, comma-separated, e.g. "hard,grief"; "injection-generated" adds the 240 generated injection cases.')] = None,
    case: Annotated[str | None, typer.Option("--case", help="Only these cases, by id, comma-separated.")] = None,
    cases_dir: Annotated[Path | None, typer.Option(help="A case file or folder (default: evals/cases).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Cells run at once (threads).")] = 4,
    repeat: Annotated[int, typer.Option(min=1, max=50, help="Try each model cell this many times: pass^k, pass@k and 95% intervals (each try is cached on its own).")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute every cell (the cache is refreshed).", metavar="")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for results.json and report.html (default: <data_dir>/eval-runs/<time>).")] = None,
    results: Annotated[Path | None, typer.Option(help="Write the JSON here instead of <out>/results.json (e.g. evals/baseline.json).")] = None,
    slim: Annotated[bool, typer.Option(help="Leave the full pipeline results out of results.json (metrics and rewrites stay).", metavar="")] = False,
    judge_model: Annotated[str | None, typer.Option(help='Grade every reply with this model on the configured endpoint ("scripted": coach\'s offline stand-in judge).')] = None,
    judge_runs: Annotated[int, typer.Option(min=1, max=20, help="Judge runs per reply, averaged.")] = 3,
    judge_prompt: Annotated[str, typer.Option(help="Judge rubric version.")] = "judge/v1",
    judge_temperature: Annotated[float, typer.Option(min=0.0, max=2.0, help="The judge's sampling temperature: above 0, so its runs differ and their spread is measured.")] = 0.7,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.", metavar="")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the model calls, tokens and cost the run would take (judge included), and run nothing.", metavar="")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on a warning: a model that served few or none of its cells, a judge that produced nothing.", metavar="")] = False,
) -> None:
    """Run the rewrite eval: every case × prompt version × engine, scored; writes JSON and an HTML report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from coach.evals.cache import DiskCache
    from coach.evals.cases import DEFAULT_CASES, CaseError, load_cases
    from coach.evals.engines import EngineError, parse_engines
    from coach.evals.report import write_html
    from coach.evals.runner import run_matrix, run_warnings, write_report
    from coach.prompting import PromptError, latest, load_template

    settings = get_settings()
    try:
        selected = _only_ids(_select_cases(cases_dir or DEFAULT_CASES, cases), _split(case))
        specs = parse_engines(_split(engines) or (["rules", "llm"] if settings.model else ["rules"]), settings)
        versions = _split(prompts) or [latest("rewrite", settings)]
        for version in versions:
            if not version.startswith("rewrite/"):
                raise PromptError(f"{version!r} is not a rewrite prompt (rewrite/v1, rewrite/v2, ...)")
            load_template(version, settings)
        judge = None
        if judge_model:
            from coach.evals.judge import Judge

            judge = Judge(judge_model, settings, runs=judge_runs, prompt=judge_prompt, temperature=judge_temperature,
                          cache=DiskCache.for_settings(settings, read=not no_cache))  # fmt: skip
    except (CaseError, EngineError, PromptError) as exc:
        raise _fail(str(exc))

    if dry_run:  # nothing was started: the scripted judge's stub starts on first use
        _print_estimate(selected, versions, specs, settings, repeat, judge_model, judge_runs, judge_prompt)
        return

    # Fallbacks and repairs are expected here and recorded on each case; the pipeline's log lines would only
    # tear the progress bar.
    logging.getLogger("coach.rewrite").setLevel(logging.CRITICAL)
    progress = Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}"),
                        TimeElapsedColumn(), console=err, disable=quiet, transient=False)  # fmt: skip
    task = progress.add_task("eval", total=None, last="")
    try:
        with progress:
            report = run_matrix(
                selected, versions, specs, settings, concurrency=concurrency, use_cache=not no_cache, judge=judge, tag=cases, repeat=repeat,
                on_start=lambda n: progress.update(task, total=n),
                on_done=lambda r: progress.update(task, advance=1, last=f"{r.engine} {r.case}"),
            )  # fmt: skip
    finally:
        if judge:
            judge.close()

    folder = out or settings.data_dir / "eval-runs" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    json_path = write_report(report, folder, slim=slim, path=results)
    html = write_html(report, folder / "report.html")
    print_summary(report.summary)
    warnings = run_warnings(report)
    for warning in warnings:
        console.print(f"[bold yellow]warning[/] {escape(warning)}")
    console.print(
        f"{report.meta.cases} cases · {len(report.records)} cells · {report.meta.computed} computed, "
        f"{report.meta.cache_hits} cached · {report.meta.seconds:.1f}s\nJSON   {json_path}\nreport {html}"
    )
    if strict and warnings:
        raise typer.Exit(1)


def _select_cases(path: Path, tags: str | None) -> list:
    """The cases of `path` with any of `tags`; the generated injection cases when their tag is asked for."""
    from coach.evals import injection
    from coach.evals.cases import load_cases

    wanted = _split(tags)
    if injection.TAG not in wanted:
        return load_cases(path, tags)
    rest = [t for t in wanted if t != injection.TAG]
    return injection.generate() + (load_cases(path, ",".join(rest)) if rest else [])


def _print_estimate(cases, versions, specs, settings, repeat, judge_model, judge_runs, judge_prompt) -> None:
    from coach.evals.cost import estimate

    rows = estimate(cases, versions, specs, settings, repeat, judge_model, judge_runs if judge_model else 0, judge_prompt)
    table = Table(title=f"dry run: {len(cases)} cases, estimated (answers at their token bound; one repair for half the cells)", title_justify="left")
    for name in ("group", "cells", "calls", "tokens in", "tokens out", "cost (USD)"):
        table.add_column(name, justify="left" if name == "group" else "right")
    for row in rows:
        cost = f"${row.cost_usd:.4f}" if row.cost_usd is not None else "unpriced"
        table.add_row(row.group, str(row.cells), str(row.calls), f"{row.tokens_in:,}", f"{row.tokens_out:,}", cost)
    console.print(table if rows else "dry run: no model engine and no judge: the run makes no model calls")
    priced = [r.cost_usd for r in rows if r.cost_usd is not None]
    if priced:
        console.print(f"estimated total: ${sum(priced):.4f} (prices: bench/prices.toml)")


def _only_ids(cases: list, ids: list[str]) -> list:
    """The cases with these ids (all of them when none are given); an unknown id is an error that names the nearest."""
    import difflib

    from coach.evals.cases import CaseError

    if not ids:
        return cases
    known = {c.id: c for c in cases}
    for wanted in ids:
        if wanted not in known:
            close = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.5)
            raise CaseError(f"no case {wanted!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return [known[i] for i in dict.fromkeys(ids)]


def print_summary(groups: list[GroupSummary]) -> None:
    """Metrics as rows, prompt × engine as columns: there are few groups and many metrics."""

    from coach.evals.registry import METRICS

    rows: list[tuple[str, Callable[[GroupSummary], str]]] = [("cases", lambda g: f"{g.cases} × {g.repeats} tries" if g.repeats > 1 else str(g.cases))]
    rows += [(metric.label, lambda g, m=metric: m.display(g.value(m.name))) for metric in METRICS.values()]
    if any(g.spend for g in groups):
        rows += [
            ("model tokens in / out", lambda g: f"{g.spend.tokens_in:,} / {g.spend.tokens_out:,}" if g.spend else "–"),
            ("latency p50 / p95 ms", lambda g: f"{g.spend.latency_p50_ms:,.0f} / {g.spend.latency_p95_ms:,.0f}" if g.spend else "–"),
            ("cost (USD)", lambda g: (f"${g.spend.cost_usd:.4f}" if g.spend.cost_usd is not None else "unpriced") if g.spend else "–"),
        ]
    if any(g.judge for g in groups):
        rows += [
            ("judge overall (1-5)", lambda g: f"{g.judge['overall']:.2f}" if "overall" in g.judge else "–"),
            ("judge variance", lambda g: f"{g.judge['variance']:.3f}" if "variance" in g.judge else "–"),
            ("judge agreement (runs)", lambda g: f"{g.judge['agreement']:.0%}" if "agreement" in g.judge else "–"),
        ]
    repeated = any(g.repeats > 1 for g in groups)
    if repeated:
        rows.insert(1, ("pass^k (every try)", lambda g: f"{g.pass_k:.0%} (k={g.repeats})" if g.pass_k is not None else "–"))
        rows.insert(2, ("pass@k (any try)", lambda g: f"{g.pass_at_k:.0%}" if g.pass_at_k is not None else "–"))
    table = Table(title="rewrite eval" + (" (95% intervals over the tries in brackets)" if repeated else ""), title_justify="left")
    table.add_column("metric", no_wrap=True)
    for g in groups:
        table.add_column(g.label, justify="right")
    for name, get in rows:
        table.add_row(name, *(get(g) + _interval(g, name) for g in groups))
    console.print(table)


def _interval(group: GroupSummary, label: str) -> str:
    from coach.evals.registry import METRICS

    metric = next((m for m in METRICS.values() if m.label == label), None)
    if metric is None or metric.name not in group.intervals:
        return ""
    lo, hi = group.intervals[metric.name]
    return f" [{metric.display(lo)}–{metric.display(hi)}]"


@eval_app.command("compare")
def eval_compare(
    baseline: Annotated[Path, typer.Argument(help="results.json of the baseline run (e.g. evals/baseline.json), or the one run whose groups --a and --b compare.")],
    new: Annotated[Path | None, typer.Argument(help="results.json of the new run (not with --a/--b on one run).")] = None,
    a: Annotated[str | None, typer.Option("--a", help='Group A, e.g. "llm:m@rewrite/v1": compare two groups (of one run, or of BASE and NEW).')] = None,
    b: Annotated[str | None, typer.Option("--b", help='Group B, read as the new side, e.g. "llm:m@rewrite/v2".')] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="A score may drop by this much (rates in 0-1) before it counts.")] = 0.02,
    fail_on_regression: Annotated[bool, typer.Option("--fail-on-regression", help="Exit 1 on a regression: a score that dropped, a fact lost, a critical flip, or a group on one side only.", metavar="")] = False,
    gate_judge: Annotated[bool, typer.Option("--gate-judge", help="Let judge scores fail the gate too (off by default); a judge score must move beyond two standard errors.", metavar="")] = False,
    html: Annotated[Path | None, typer.Option(help="Also write the compare view (both rewrites side by side, filters) to this HTML file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.", metavar="")] = False,
) -> None:
    """Compare two eval runs, or two groups: flipped cases side by side, scores that dropped, facts newly lost."""
    from pydantic import ValidationError

    from coach.evals.compare import compare, compare_groups
    from coach.evals.compare_view import write_compare_html
    from coach.evals.runner import read_report

    if (a is None) != (b is None):
        raise _fail("give both --a and --b, or neither")
    if new is None and a is None:
        raise _fail("give a second run to compare with, or two groups of this one with --a and --b")
    try:
        before = read_report(baseline)
        after = read_report(new) if new is not None else before
    except (OSError, ValidationError, ValueError) as exc:
        raise _fail(f"cannot read a run: {exc}")
    try:
        if a is not None and b is not None:
            result = compare_groups(before, a, b, threshold, other=after, gate_judge=gate_judge)
        else:
            result = compare(before, after, threshold, gate_judge)
    except ValueError as exc:
        raise _fail(str(exc))
    if html is not None:
        console.print(f"compare view {write_compare_html(result, html)}")
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        print_comparison(result)
    if fail_on_regression and (result.regressed or result.missing_groups):
        raise typer.Exit(1)


def print_comparison(result: Comparison) -> None:
    from coach.diff import plain_diff

    for change in result.cases:
        if not change.flipped:
            continue
        colour = "red" if change.passed_before else "green"
        mark = " [bold red]CRITICAL[/]" if change.critical else ""
        console.print(f"[{colour}]{change.kind}[/]{mark} {escape(change.group)} · [bold]{escape(change.case)}[/] [dim]{escape(', '.join(change.tags))}[/]")
        newly = [c for c in change.failed_after if c not in change.failed_before]
        fixed = [c for c in change.failed_before if c not in change.failed_after]
        if newly:
            console.print(f"  now fails: {escape(', '.join(newly))}")
        if fixed:
            console.print(f"  now passes: {escape(', '.join(fixed))}")
        console.print(f"  [dim]draft:[/]  {escape(_one_line(change.draft))}")
        console.print(f"  [dim]before:[/] {escape(_one_line(change.before))}")
        console.print(f"  [dim]after:[/]  {escape(_one_line(change.after))}")
        console.print(f"  [dim]diff:[/]   {escape(_one_line(plain_diff(change.diff)))}")
    moved = [c for c in result.cases if not c.flipped]
    if moved:
        console.print(f"{len(moved)} case(s) moved without flipping: " + ", ".join(
            f"{escape(c.case)} ({', '.join(f'{d.metric} {d.before:g}→{d.after:g}' for d in c.moved[:3])})" for c in moved[:10]
        ) + (" …" if len(moved) > 10 else ""))  # fmt: skip
    if result.regressions or result.improvements:
        table = Table(title=f"scores that moved by more than {result.threshold}", title_justify="left")
        for name in ("prompt × engine", "metric", "before", "after", "change"):
            table.add_column(name, justify="left" if name in ("prompt × engine", "metric") else "right")
        for delta in [*result.regressions, *result.improvements]:
            colour = "red" if delta in result.regressions else "green"
            table.add_row(delta.group, delta.metric, f"{delta.before:.3f}", f"{delta.after:.3f}", f"[{colour}]{delta.change:+.3f}[/]")
        console.print(table)
    for delta in result.noise:
        lo, hi = delta.interval or (0.0, 0.0)
        console.print(f"[dim]noise[/] {escape(delta.group)} · {delta.metric}: {delta.before:.3f} → {delta.after:.3f}, "
                      f"but the 95% interval of the paired difference [{lo:+.3f}, {hi:+.3f}] holds 0: not counted")  # fmt: skip
    for lost in result.lost_facts:
        console.print(f"[red]fact lost[/] {lost.group} · {lost.case}: {', '.join(lost.facts)}")
    if result.only_baseline:
        console.print(f"[yellow]not in the new run:[/] {', '.join(result.only_baseline)}")
    if result.only_new:
        console.print(f"[yellow]not in the baseline:[/] {', '.join(result.only_new)}")
    compared = ", ".join(f"{g} ({result.cases_compared.get(g, 0)} cases)" for g in result.compared) or "nothing"
    console.print(f"compared: {compared}")
    flips = result.flips
    worse = sum(1 for c in flips if c.passed_before)
    console.print(f"flipped: {len(flips)} case(s), {worse} pass → fail, {len(flips) - worse} fail → pass, {len(result.critical)} critical")
    if result.regressed:
        console.print(f"[bold red]REGRESSED[/]: {len(result.regressions)} score(s) dropped, {len(result.lost_facts)} case(s) lost facts, "
                      f"{len(result.critical)} critical flip(s)")  # fmt: skip
    elif result.missing_groups:
        console.print("[bold yellow]groups on one side only[/]: under --fail-on-regression this is an error")
    else:
        console.print("[bold green]no regression[/]")


def _one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@eval_app.command("report")
def eval_report(
    results: Annotated[Path, typer.Argument(help="results.json of a run.")],
    out: Annotated[Path | None, typer.Option(help="HTML file to write (default: report.html next to the results).")] = None,
) -> None:
    """Render the HTML report (and the terminal table) of an existing run."""
    from pydantic import ValidationError

    from coach.evals.report import write_html
    from coach.evals.runner import read_report

    try:
        report = read_report(results)
    except (OSError, ValidationError, ValueError) as exc:
        raise _fail(f"cannot read {results}: {exc}")
    path = write_html(report, out or results.with_name("report.html"))
    print_summary(report.summary)
    console.print(f"report {path}")


@eval_app.command("sendability")
def eval_sendability(
    review: Annotated[Path, typer.Argument(help="A hand review note with its item key, e.g. evals/notes/editor-review-4.md.")],
    rewrites: Annotated[Path | None, typer.Option(help="The reviewed replies, case id -> text (default: <review>-rewrites.json).")] = None,
    cases_dir: Annotated[Path | None, typer.Option(help="A case file or folder (default: evals/cases).")] = None,
) -> None:
    """How often the deterministic sendability proxy agrees with a person's send / edit / no verdicts."""
    from coach.evals.cases import DEFAULT_CASES, CaseError, load_cases
    from coach.evals.metrics import score_case
    from coach.evals.sendability import agreement, read_labels, read_rewrites

    path = rewrites or review.with_name(f"{review.stem}-rewrites.json")
    try:
        labels, texts = read_labels(review), read_rewrites(path)
        cases = {c.id: c for c in load_cases(cases_dir or DEFAULT_CASES)}
    except (OSError, ValueError, CaseError) as exc:
        raise _fail(f"cannot read the review: {exc}")
    missing = sorted(set(texts) - set(cases))
    if missing or not labels:
        raise _fail(f"no labels in {review}" if not labels else f"reviewed cases not in the suite: {', '.join(missing[:5])}")
    metrics = {cid: score_case(cases[cid], text, engine="rules") for cid, text in texts.items()}
    result = agreement(labels, metrics)
    console.print(f"sendability proxy (fragments, placeholders, forbidden phrases, facts) against {result.items} hand verdicts: "
                  f"agrees on {result.agree} ({result.rate:.0%}), Cohen's kappa {result.kappa}; the proxy says send where the "
                  f"person would not on {result.proxy_send_person_not}, and the reverse on {result.person_send_proxy_not}")  # fmt: skip
