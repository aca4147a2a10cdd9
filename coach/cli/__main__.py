"""`python -m coach.cli`: the same as the `coach` console script."""

from coach.cli import app

app(prog_name="coach")
