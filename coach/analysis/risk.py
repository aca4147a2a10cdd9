"""Familiarity risk, and the familiarity detector that `coach eval lint` measures.

The detector says a text is over-familiar or unprofessional when it has at least one error- or
warning-level finding in a risk category. Suggestions never trip it: they are matters of taste
(an emoji in an email, "no worries", a long sentence).

The risk score adds points per risk finding by level, capped at 100: error 40, warning 20,
suggestion 5. So one "mate" is 40, "mate" plus "lol" is 80, a flood of slang is 100. A text that still
holds an error-level finding of any kind, a broken sentence or an unfilled placeholder scores at least 20.
"""

from __future__ import annotations

from collections.abc import Iterable

from coach.schemas import Finding, Level

RISK_CATEGORIES = frozenset({"over-familiar", "flippant", "blaming", "dismissive", "overreach", "therapy", "curt"})
RISK_POINTS = {Level.error: 40, Level.warning: 20, Level.suggestion: 5}
DETECTOR_LEVELS = frozenset({Level.error, Level.warning})


def risk_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.category in RISK_CATEGORIES]


# A reply that still holds one of these is not ready to send, so its risk is never 0.
NOT_READY = frozenset({"fluency", "placeholder"})
NOT_READY_FLOOR = 20


def familiarity_risk(findings: Iterable[Finding]) -> int:
    """Risk points of the risk-category findings; at least NOT_READY_FLOOR when the text still holds an
    error-level finding, a broken sentence or an unfilled placeholder."""
    findings = list(findings)
    points = min(100, sum(RISK_POINTS[f.level] for f in risk_findings(findings)))
    if any(f.level is Level.error or f.category in NOT_READY for f in findings):
        points = max(points, NOT_READY_FLOOR)
    return points


def is_unprofessional(findings: Iterable[Finding]) -> bool:
    """The familiarity detector: any error or warning in a risk category."""
    return any(f.level in DETECTOR_LEVELS for f in risk_findings(findings))
