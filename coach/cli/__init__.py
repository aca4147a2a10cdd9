"""The `coach` command. Each face module registers its commands on `app`.

Heavy libraries (torch, chromadb) are imported inside commands, never here, so
`coach lint` and `coach --help` start fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="coach",
    help="Rewrite support replies so customers feel treated as people — warm, professional, facts intact.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"coach {version('coach')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit.", metavar=""),
) -> None:
    """Rewrite support replies so customers feel treated as people — warm, professional, facts intact."""


eval_app = typer.Typer(help="Measure coach: retrieval quality, lint and emotion accuracy, rewrite quality.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

# Registration happens on import; keep these below the app objects.
from coach.cli import evals as _evals  # noqa: E402,F401
from coach.cli import knowledge as _knowledge  # noqa: E402,F401
from coach.cli import lint as _lint  # noqa: E402,F401
from coach.cli import rewrite as _rewrite  # noqa: E402,F401
from coach.cli import serve as _serve  # noqa: E402,F401
from coach.cli import eval_lint as _eval_lint  # noqa: E402,F401
from coach.cli import eval_run as _eval_run  # noqa: E402,F401
from coach.cli import bench as _bench  # noqa: E402,F401
from coach.cli import eval_emotion as _eval_emotion  # noqa: E402,F401
from coach.cli import eval_fluency as _eval_fluency  # noqa: E402,F401
from coach.cli import train as _train  # noqa: E402,F401


def main() -> None:
    import sys

    from coach.config import ConfigError

    try:
        command()(prog_name="coach")
    except ConfigError as exc:
        print(f"coach: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def command():
    """The click command `coach` runs: the Typer app, with flags shown as flags in help.

    Typer labels every boolean option `<bool>` in help (its own --help and completion flags too), as if it
    took a value: show them as flags."""
    root = typer.main.get_command(app)
    stack = [(root, root.make_context("coach", [], resilient_parsing=True))]
    while stack:
        command, ctx = stack.pop()
        flags = [p for p in command.params if getattr(p, "is_flag", False)] + [command.get_help_option(ctx)]
        for flag in flags:
            if flag is not None:
                flag.metavar = ""
        for name, sub in getattr(command, "commands", {}).items():
            stack.append((sub, sub.make_context(name, [], parent=ctx, resilient_parsing=True)))
    return root
