"""Intervals for repeated runs: Wilson for rates, the normal approximation for means, and the paired
difference that `compare` calls noise when its interval holds 0. Plain formulas; no dependency."""

from __future__ import annotations

import math
from collections.abc import Sequence

Z95 = 1.959964


def wilson(successes: float, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a rate: successes out of trials (None when there were none)."""
    if trials <= 0:
        return None
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def mean_interval(values: Sequence[float], z: float = Z95) -> tuple[float, float] | None:
    """mean ± z·sd/√n (None for no values; a single value is its own interval)."""
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n == 1:
        return (round(mean, 4), round(mean, 4))
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = z * sd / math.sqrt(n)
    return (round(mean - half, 4), round(mean + half, 4))


def paired_difference(before: Sequence[float], after: Sequence[float]) -> tuple[float, tuple[float, float]] | None:
    """The mean of after - before over paired items, and its 95% interval."""
    if not before or len(before) != len(after):
        return None
    diffs = [b - a for a, b in zip(before, after)]
    interval = mean_interval(diffs)
    return (round(sum(diffs) / len(diffs), 4), interval) if interval else None


def holds_zero(interval: tuple[float, float]) -> bool:
    return interval[0] <= 0 <= interval[1]
