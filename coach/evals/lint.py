"""Lint eval: precision and recall of the familiarity detector on labelled sentences.

The detector (coach.analysis.risk.is_unprofessional) flags a text when it has an error- or
warning-level finding in a risk category: over-familiar, flippant, blaming, dismissive, overreach.
Each labelled sentence says whether it should be flagged; near-misses ("no charge", "Mr. Mate")
are labelled False and count against precision when flagged.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from coach.analysis import lint
from coach.analysis.data import read_yaml
from coach.analysis.risk import DETECTOR_LEVELS, RISK_CATEGORIES, is_unprofessional, risk_findings
from coach.config import PROJECT_ROOT
from coach.schemas import Context

DEFAULT_SENTENCES = PROJECT_ROOT / "evals" / "lint" / "sentences.yaml"
DETECTOR = (
    "flagged = at least one error or warning finding in the categories "
    + ", ".join(sorted(RISK_CATEGORIES))
)


class LabelledSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    unprofessional: bool
    rule: str | None = Field(default=None, description="The rule expected to fire, when flagged.")
    context: Context | None = None
    note: str | None = None
    split: str = Field(default="dev", description='"dev" (rules tuned on it) or "held-out" (never tuned on).')


class SentenceResult(BaseModel):
    text: str
    expected: bool
    predicted: bool
    fired: list[str] = Field(description="Risk-category rules that fired at error or warning level.")
    expected_rule: str | None = None
    split: str = "dev"


class SplitScores(BaseModel):
    sentences: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    precision: float
    recall: float
    f1: float


class LintEvalReport(SplitScores):
    detector: str = DETECTOR
    positives: int
    negatives: int
    rule_agreement: float = Field(description="Share of flagged positives with a rule label where that rule fired.")
    splits: dict[str, SplitScores] = Field(default_factory=dict, description="The same scores per split.")
    misclassified: list[SentenceResult]


def load_sentences(path: Path = DEFAULT_SENTENCES) -> list[LabelledSentence]:
    data = read_yaml(path)
    items = data.get("sentences") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of sentences (or a mapping with 'sentences')")
    return [LabelledSentence.model_validate(item) for item in items]


def evaluate(sentences: list[LabelledSentence]) -> LintEvalReport:
    results = []
    for sentence in sentences:
        findings = lint(sentence.text, sentence.context)
        fired = sorted({f.rule for f in risk_findings(findings) if f.level in DETECTOR_LEVELS})
        results.append(
            SentenceResult(
                text=sentence.text, expected=sentence.unprofessional, predicted=is_unprofessional(findings),
                fired=fired, expected_rule=sentence.rule, split=sentence.split,
            )  # fmt: skip
        )
    overall = _scores(results)
    labelled = [r for r in results if r.expected and r.predicted and r.expected_rule]
    agreement = sum(r.expected_rule in r.fired for r in labelled) / len(labelled) if labelled else 1.0
    splits = {name: _scores([r for r in results if r.split == name]) for name in sorted({r.split for r in results})}
    return LintEvalReport(
        **overall.model_dump(exclude={"sentences"}),
        sentences=len(results), positives=overall.true_positives + overall.false_negatives,
        negatives=overall.false_positives + overall.true_negatives,
        rule_agreement=round(agreement, 4), splits=splits,
        misclassified=[r for r in results if r.expected != r.predicted],
    )  # fmt: skip


def _scores(results: list[SentenceResult]) -> SplitScores:
    tp = sum(r.expected and r.predicted for r in results)
    fp = sum(not r.expected and r.predicted for r in results)
    fn = sum(r.expected and not r.predicted for r in results)
    tn = len(results) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SplitScores(
        sentences=len(results), true_positives=tp, false_positives=fp, false_negatives=fn, true_negatives=tn,
        precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4),
    )  # fmt: skip
