"""A time budget for one request, checked between steps.

`with budget(seconds, cancelled):` sets the deadline for the work in this thread; the steps call `check()`
between steps and every few sentences, which raises `BudgetExceeded` once the deadline has passed or the
caller has gone (`cancelled()` true: a client that disconnected). Outside a budget `check()` does nothing,
so the CLI, tests and benchmarks run unbounded unless they ask.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

BUDGET_EXCEEDED = "time budget exceeded"
CLIENT_GONE = "the client disconnected"


class BudgetExceeded(Exception):
    """The request's time budget is spent, or its client has gone: stop the work."""


@dataclass(frozen=True)
class Deadline:
    at: float  # time.monotonic()
    seconds: float
    cancelled: Callable[[], bool] | None = None

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise BudgetExceeded(CLIENT_GONE)
        if time.monotonic() > self.at:
            raise BudgetExceeded(BUDGET_EXCEEDED)

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())


_current: ContextVar[Deadline | None] = ContextVar("coach_deadline", default=None)


def deadline(seconds: float | None, cancelled: Callable[[], bool] | None = None) -> Deadline | None:
    """A deadline `seconds` from now (None: none, though `cancelled` still counts)."""
    if seconds is None and cancelled is None:
        return None
    return Deadline(at=time.monotonic() + (seconds if seconds is not None else float("inf")), seconds=seconds or 0.0, cancelled=cancelled)


@contextmanager
def use(limit: Deadline | None) -> Iterator[Deadline | None]:
    """Make `limit` this thread's deadline for the block: the steps inside call `check()`. A block must not
    span a generator's yields (each may resume in another thread); a step is entered anew after each."""
    if limit is None:
        yield None
        return
    limit.check()
    token = _current.set(limit)
    try:
        yield limit
    finally:
        _current.reset(token)


@contextmanager
def budget(seconds: float | None, cancelled: Callable[[], bool] | None = None) -> Iterator[Deadline | None]:
    """`use(deadline(seconds, cancelled))`: for work done in one call."""
    with use(deadline(seconds, cancelled)) as limit:
        yield limit


def check() -> None:
    """Raise BudgetExceeded if this thread's request is over its budget or its client has gone."""
    deadline = _current.get()
    if deadline is not None:
        deadline.check()
