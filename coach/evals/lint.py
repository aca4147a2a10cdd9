"""Lint eval: how well the analysis tells a problem sentence from a fine one.

Three systems are measured on the tone corpus (evals/tone/, coach.corpora), each as `analyse()` runs it:
* `rules`: the tone rules alone (`learned=False`);
* `model`: the learned tone model alone (`rules=False`);
* `combined`: both, as coach runs by default (the model reviews the rules' findings; see tone_model).

A sentence is flagged when it has an error- or warning-level finding in a risk category; suggestions never
flag (they are matters of taste, or rule hits the model reads as fine). Per category, a sentence counts as
flagged for that category when such a finding has it. Counted per sentence. A context item is analysed
with its customer message.

Dev figures for the model and the combination come from the shipped head's own record: grouped
cross-validation, leaving one author out, so no dev figure is measured on sentences the model was fitted
to. Held-out figures are measured live. The 30 held-out sentences of the earlier lint set
(evals/lint/sentences.yaml) are reported on their own line; its dev sentences are the rules' regression
set (`evaluate_sentences`) and, converted, part of the tone corpus's dev split.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from coach.analysis import analyse, tone_model
from coach.analysis.data import read_yaml
from coach.analysis.risk import DETECTOR_LEVELS, RISK_CATEGORIES, is_unprofessional, risk_findings
from coach.config import PROJECT_ROOT
from coach.corpora import TONE_CATEGORIES, TONE_DIR, data_hash, load_tone
from coach.evals.classification import Scores, brier, scores
from coach.schemas import Context, Finding

DEFAULT_SENTENCES = PROJECT_ROOT / "evals" / "lint" / "sentences.yaml"
SYSTEMS = ("rules", "model", "combined")
_SYSTEM_OPTIONS = {"rules": {"learned": False}, "model": {"learned": True, "rules": False}, "combined": {"learned": True}}
DETECTOR = (
    "flagged = at least one error or warning finding in the categories "
    + ", ".join(sorted(RISK_CATEGORIES))
    + "; suggestions do not flag"
)


class LabelledSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    unprofessional: bool
    rule: str | None = Field(default=None, description="The rule expected to fire, when flagged.")
    context: Context | None = None
    note: str | None = None
    split: str = Field(default="dev", description='"dev" (rules tuned on it) or "held-out" (never tuned on).')


class SystemScores(BaseModel):
    overall: Scores
    categories: dict[str, Scores] = Field(default_factory=dict)


class SplitReport(BaseModel):
    name: str
    sentences: int
    measured: str = Field(description='"live", or "cross-validated" (dev figures recorded when the head was trained).')
    systems: dict[str, SystemScores]
    brier: float | None = Field(default=None, description="Brier score of the model's p(any problem), sentence-only items.")


class Miss(BaseModel):
    split: str
    text: str
    expected: list[str]
    flagged: list[str] = Field(description="The risk-category rules that flagged it (combined system).")


class LintEvalReport(BaseModel):
    detector: str = DETECTOR
    corpus_hash: str
    head_hash: str | None = Field(description="The dev data hash recorded in the shipped tone head.")
    splits: list[SplitReport]
    misclassified: list[Miss] = Field(description="Held-out sentences the combined system gets wrong.")

    def split(self, name: str) -> SplitReport:
        return next(s for s in self.splits if s.name == name)


def _flags(findings: list[Finding]) -> set[str]:
    """The categories a list of findings flags (error or warning, risk categories)."""
    return {f.category for f in risk_findings(findings) if f.level in DETECTOR_LEVELS}


def _measure(texts: list[str], contexts: list[Context | None], expected: list[set[str]], name: str) -> tuple[SplitReport, list[list[Finding]]]:
    systems: dict[str, SystemScores] = {}
    combined_findings: list[list[Finding]] = []
    for system in SYSTEMS:
        results = [analyse(t, c, **_SYSTEM_OPTIONS[system]).findings for t, c in zip(texts, contexts)]
        flagged = [_flags(f) for f in results]
        systems[system] = SystemScores(
            overall=scores([bool(f) for f in flagged], [bool(e) for e in expected]),
            categories={c: scores([c in f for f in flagged], [c in e for e in expected]) for c in TONE_CATEGORIES},
        )
        if system == "combined":
            combined_findings = results
    return SplitReport(name=name, sentences=len(texts), measured="live", systems=systems), combined_findings


def evaluate(directory: Path = TONE_DIR, legacy: Path = DEFAULT_SENTENCES) -> LintEvalReport:
    items = load_tone(directory)
    classifier = tone_model.load_classifier()
    splits: list[SplitReport] = []
    misses: list[Miss] = []

    dev = [i for i in items if i.split == "dev"]
    rules_dev, _ = _measure([i.text for i in dev], [_context(i) for i in dev], [set(i.labels) for i in dev], "dev")
    dev_report = SplitReport(name="dev", sentences=len(dev), measured="cross-validated", systems={"rules": rules_dev.systems["rules"]})
    if classifier is not None:
        cv = classifier.meta.get("dev_cv", {})
        dev_report.systems["model"] = SystemScores(overall=Scores(**cv["model"]), categories={c: Scores(**v) for c, v in cv["categories"].items()})
        dev_report.systems["combined"] = SystemScores(overall=Scores(**cv["combined"]))
        dev_report.brier = cv.get("brier_any")
    splits.append(dev_report)

    held = [i for i in items if i.split == "heldout"]
    report, findings = _measure([i.text for i in held], [_context(i) for i in held], [set(i.labels) for i in held], "held-out")
    if classifier is not None:
        plain = [i.text for i in held if i.context is None]
        if plain:
            p_any = tone_model.score(plain)[:, classifier.index("any")]
            report.brier = brier([float(p) for p in p_any], [bool(i.labels) for i in held if i.context is None])
    splits.append(report)
    for item, found in zip(held, findings):
        flagged = _flags(found)
        if bool(flagged) != bool(item.labels):
            misses.append(Miss(split="held-out", text=item.text, expected=item.labels,
                               flagged=sorted({f.rule for f in risk_findings(found) if f.level in DETECTOR_LEVELS})))  # fmt: skip

    old = [s for s in load_sentences(legacy) if s.split == "held-out"]
    legacy_report, _ = _measure([s.text for s in old], [s.context for s in old],
                                [{(s.rule or "x.").split(".")[0]} if s.unprofessional else set() for s in old], "earlier held-out (30)")  # fmt: skip
    for system in legacy_report.systems.values():
        system.categories = {}  # the earlier set names a rule, not every category a sentence has
    splits.append(legacy_report)
    return LintEvalReport(
        corpus_hash=data_hash(directory, "dev"),
        head_hash=classifier.meta.get("data_hash") if classifier is not None else None,
        splits=splits, misclassified=misses,
    )  # fmt: skip


def _context(item) -> Context | None:
    return Context(customer_message=item.context.customer_message) if item.context else None


# --- the rules' own regression set -----------------------------------------------------------------


class SentenceResult(BaseModel):
    text: str
    expected: bool
    predicted: bool
    fired: list[str]
    split: str = "dev"


class SentenceReport(BaseModel):
    splits: dict[str, Scores]
    overall: Scores
    misclassified: list[SentenceResult]


def load_sentences(path: Path = DEFAULT_SENTENCES) -> list[LabelledSentence]:
    data = read_yaml(path)
    items = data.get("sentences") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of sentences (or a mapping with 'sentences')")
    return [LabelledSentence.model_validate(item) for item in items]


def evaluate_sentences(sentences: list[LabelledSentence], learned: bool = False) -> SentenceReport:
    """The detector on the earlier lint set: the rules' regression check (rules alone by default)."""
    results = []
    for sentence in sentences:
        findings = analyse(sentence.text, sentence.context, learned=learned).findings
        results.append(SentenceResult(
            text=sentence.text, expected=sentence.unprofessional, predicted=is_unprofessional(findings),
            fired=sorted({f.rule for f in risk_findings(findings) if f.level in DETECTOR_LEVELS}), split=sentence.split,
        ))  # fmt: skip
    return SentenceReport(
        splits={name: scores([r.predicted for r in results if r.split == name], [r.expected for r in results if r.split == name])
                for name in sorted({r.split for r in results})},
        overall=scores([r.predicted for r in results], [r.expected for r in results]),
        misclassified=[r for r in results if r.expected != r.predicted],
    )  # fmt: skip
