"""`python -m coach.cli`: the same as the `coach` console script."""

from coach.cli import main

main()
