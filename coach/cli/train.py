"""`coach train tone|emotion`: fit the learned heads from the corpora's dev split and ship them in the package."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from coach.cli import app

train_app = typer.Typer(help="Train the learned tone and emotion heads (needs the `train` extra: scikit-learn).", no_args_is_help=True)
app.add_typer(train_app, name="train")


def _sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("coach train: scikit-learn is not installed; pip install -e '.[train]'", file=sys.stderr)
        raise typer.Exit(2) from None


def _train(name: str, quiet: bool) -> None:
    _sklearn()
    import importlib

    from coach.analysis.heads import classifier_path

    importlib.import_module(f"coach.training.{name}").train(log=(lambda *_: None) if quiet else print)
    print(classifier_path(name))


QUIET = typer.Option("--quiet", "-q", help="Print only the saved file's path.", metavar="")


@train_app.command("tone")
def train_tone(quiet: Annotated[bool, QUIET] = False) -> None:
    """Fit the tone classifier on evals/tone/dev-*.jsonl and write coach/analysis/trained/tone.npz."""
    _train("tone", quiet)


@train_app.command("emotion")
def train_emotion(quiet: Annotated[bool, QUIET] = False) -> None:
    """Fit the emotion classifier on evals/emotion/dev-*.jsonl and write coach/analysis/trained/emotion.npz."""
    _train("emotion", quiet)
