"""Familiarity risk, and the familiarity detector that `coach eval lint` measures.

The detector says a text is over-familiar or unprofessional when it has at least one error- or
warning-level finding in a risk category. Suggestions never trip it: they are matters of taste
(an emoji in an email, "no worries", a long sentence).

The risk score adds points per risk finding by level, capped at 100: error 40, warning 20,
suggestion 5. So one "mate" is 40, "mate" plus "lol" is 80, a flood of slang is 100.
"""

from __future__ import annotations

from collections.abc import Iterable

from coach.schemas import Finding, Level

RISK_CATEGORIES = frozenset({"over-familiar", "flippant", "blaming", "dismissive", "overreach", "therapy", "curt"})
RISK_POINTS = {Level.error: 40, Level.warning: 20, Level.suggestion: 5}
DETECTOR_LEVELS = frozenset({Level.error, Level.warning})


def risk_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.category in RISK_CATEGORIES]


def familiarity_risk(findings: Iterable[Finding]) -> int:
    return min(100, sum(RISK_POINTS[f.level] for f in risk_findings(findings)))


def is_unprofessional(findings: Iterable[Finding]) -> bool:
    """The familiarity detector: any error or warning in a risk category."""
    return any(f.level in DETECTOR_LEVELS for f in risk_findings(findings))
