"""Deterministic draft analysis: rules, emotion, personalisation checks and the fact guard.

The rewrite engine, the HTTP API, the CLI and the evals all call these functions:

    analyse(text, context)  -> Analysis      findings, scores, emotions, facts
    lint(text, context)     -> list[Finding]
    extract_facts(text)     -> list[Fact]
    compare_facts(draft, rewrite, context) -> FactCheck
    load_rules()            -> RuleSet       rules with their swap maps, for the rewrite engine

Nothing here imports a model, an HTTP stack or Chroma; `coach lint` must start fast. Rule findings and
facts are remembered paragraph by paragraph (`blocks`): checking a rewrite scans only the paragraphs its
draft did not have.
"""

from __future__ import annotations

from coach.analysis import emotion_model, tone_model
from coach.analysis.data import DataError
from coach.analysis.document import Document
from coach.analysis.emotion import detect_emotions
from coach.analysis.factcheck import compare_facts
from coach.analysis.facts import extract_facts as _extract_facts
from coach.analysis.language import likely_language
from coach.analysis.personal import check_personalisation
from coach.analysis.fluency import surface_findings
from coach.analysis.placeholders import placeholder_spans
from coach.analysis.risk import familiarity_risk, is_unprofessional
from coach.analysis.rules import Rule, RuleSet, load_rules
from coach.budget import check
from coach.config import get_settings
from coach.schemas import Analysis, Context, Fact, Finding

__all__ = [
    "DataError", "Rule", "RuleSet", "analyse", "clear_caches", "compare_facts", "detect_emotions", "extract_facts",
    "is_unprofessional", "lint", "load_rules",
]  # fmt: skip


def analyse(text: str, context: Context | None = None, *, learned: bool | None = None, rules: bool = True) -> Analysis:
    """`learned`: run the learned tone and emotion models beside the rules and the lexicon (default: the
    `tone_model` setting).
    `rules=False` leaves the tone rules out (the model alone, as `coach eval lint` measures it)."""
    doc = Document(text, context)
    rule_findings = load_rules().run_by_block(doc) if rules else []
    check()  # the request's time budget (coach.budget), between steps
    emotions = detect_emotions(doc.customer_words)
    notes: list[str] = []
    if learned if learned is not None else get_settings().tone_model:
        emotions = emotion_model.combine(doc.customer_words, emotions)
        if likely_language(text, doc.context.locale) not in ("en", None):  # the models learned English only
            notes.append("The tone model reads English only: this text was checked by the rules alone.")
        else:
            gaps = placeholder_spans(text)  # the words around a placeholder are ours, not the agent's: not judged
            judged = [s for s in doc.sentences if not any(s.start <= a < s.end for a, _ in gaps)]
            review = tone_model.review(text, judged, doc.masked, emotions, rule_findings, doc.lines.line_col)
            rule_findings = review.rule_findings + review.findings
            notes += review.notes
    rule_findings = rule_findings + surface_findings(doc.masked, doc.sentences, doc.lines.line_col)
    personal = check_personalisation(doc, emotions, rule_findings)
    check()
    findings = sorted(rule_findings + personal.findings, key=lambda f: (f.start, f.end, f.rule))
    return Analysis(
        findings=findings,
        personalisation=personal.score,
        familiarity_risk=familiarity_risk(findings),
        checks=personal.checks,
        emotions=emotions,
        facts=_extract_facts(text, doc.context.locale),
        notes=notes,
    )


def clear_caches() -> None:
    """Forget the per-text and per-paragraph results kept for the checks of one rewrite (findings, facts,
    commitments, emotions, acknowledgements, language, paragraphs, sentence vectors and model scores). Benchmarks call it so that repeating a draft measures
    a new draft's cost."""
    from coach.analysis import blocks, emotion, factcheck, facts, language, rules, sentence_vectors

    for cached in (facts._extract_facts, factcheck._commitments, factcheck._kinds_made, emotion._detect_cached,
                   emotion._acknowledged, language.guess_language, blocks.block_spans):  # fmt: skip
        cached.cache_clear()
    facts.FACTS_BY_BLOCK.clear()
    rules.FINDINGS_BY_BLOCK.clear()
    tone_model.clear_cache()
    sentence_vectors.clear()
    emotion_model.clear_cache()


def lint(text: str, context: Context | None = None, *, learned: bool | None = None) -> list[Finding]:
    return analyse(text, context, learned=learned).findings


def extract_facts(text: str, locale: str = "en") -> list[Fact]:
    return _extract_facts(text, locale)
