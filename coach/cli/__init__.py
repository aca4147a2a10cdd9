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
        app()
    except ConfigError as exc:
        print(f"coach: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
