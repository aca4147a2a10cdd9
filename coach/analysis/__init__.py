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

from coach.analysis.data import DataError
from coach.analysis.document import Document
from coach.analysis.emotion import detect_emotions
from coach.analysis.factcheck import compare_facts
from coach.analysis.facts import extract_facts as _extract_facts
from coach.analysis.personal import check_personalisation
from coach.analysis.risk import familiarity_risk, is_unprofessional
from coach.analysis.rules import Rule, RuleSet, load_rules
from coach.schemas import Analysis, Context, Fact, Finding

__all__ = [
    "DataError", "Rule", "RuleSet", "analyse", "clear_caches", "compare_facts", "detect_emotions", "extract_facts",
    "is_unprofessional", "lint", "load_rules",
]  # fmt: skip


def analyse(text: str, context: Context | None = None) -> Analysis:
    doc = Document(text, context)
    rule_findings = load_rules().run_by_block(doc)
    emotions = detect_emotions(doc.customer_words)
    personal = check_personalisation(doc, emotions, rule_findings)
    findings = sorted(rule_findings + personal.findings, key=lambda f: (f.start, f.end, f.rule))
    return Analysis(
        findings=findings,
        personalisation=personal.score,
        familiarity_risk=familiarity_risk(findings),
        checks=personal.checks,
        emotions=emotions,
        facts=_extract_facts(text, doc.context.locale),
    )


def clear_caches() -> None:
    """Forget the per-text and per-paragraph results kept for the checks of one rewrite (findings, facts,
    commitments, emotions, acknowledgements, language, paragraphs). Benchmarks call it so that repeating a draft measures
    a new draft's cost."""
    from coach.analysis import blocks, emotion, factcheck, facts, language, rules

    for cached in (facts._extract_facts, factcheck._commitments, factcheck._kinds_made, emotion._detect_cached,
                   emotion._acknowledged, language.guess_language, blocks.block_spans):  # fmt: skip
        cached.cache_clear()
    facts.FACTS_BY_BLOCK.clear()
    rules.FINDINGS_BY_BLOCK.clear()


def lint(text: str, context: Context | None = None) -> list[Finding]:
    return analyse(text, context).findings


def extract_facts(text: str, locale: str = "en") -> list[Fact]:
    return _extract_facts(text, locale)
