"""Deterministic per-case metrics for a rewrite, a pass/fail verdict, and aggregation per prompt × engine.

`score_case(case, text, result)` scores one rewrite (`text`) of `case.draft`; `result` is the
pipeline's `RewriteResult`, or None for the unedited-draft baseline and for a case whose engine
crashed (`error`). Everything here is a pure function of its inputs: the analysis
(`coach.analysis.analyse`, `compare_facts`) is recomputed on the text, so scores never depend on
what a cached result was scored with.

Matching follows the semantics spelled out on `coach.evals.cases.Expect` (case-insensitive,
word-bounded phrases; words are `len(text.split())`; quoted lines do not count towards length).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from functools import lru_cache
from statistics import fmean

from pydantic import BaseModel, Field, model_validator

from coach.analysis import analyse, compare_facts
from coach.analysis.emotion import acknowledged
from coach.evals.cost import Spend
from coach.analysis.language import guess_language
from coach.analysis.risk import DETECTOR_LEVELS, risk_findings
from coach.evals.cases import HONORIFICS, Case, contains_phrase, phrase_pattern, quoted_lines, unquoted_words
from coach.analysis.placeholders import PLACEHOLDER
from coach.evals.fragments import fragments, sentences
from coach.evals.registry import METRICS
from coach.schemas import Analysis, Context, FactCheck, RewriteResult

_GOOD_DRAFT = "good-draft"


class Check(BaseModel):
    """One pass/fail check that applied to the case."""

    id: str
    passed: bool
    detail: str = ""


class CaseMetrics(BaseModel):
    """Everything measured about one rewrite; None means the check did not apply to the case."""

    name_used: bool | None = None
    emotion_acknowledged: bool | None = None
    emotions_missed: list[str] = Field(default_factory=list)
    history_referenced: bool | None = None
    familiarity_findings: int = Field(0, description="Error/warning findings in a risk category.")
    familiarity_rules: list[str] = Field(default_factory=list)
    dismissive_left: int = Field(0, description="Findings of the dismissive category, at any level.")
    facts_expected: int = 0
    facts_kept: int = 0
    facts_lost: list[str] = Field(default_factory=list, description="Missing or altered facts, and keep_facts not found verbatim.")
    facts_preserved: bool = True
    invented: list[str] = Field(default_factory=list, description="Facts neither draft nor context gave, and new commitments.")
    forbidden_hits: list[str] = Field(default_factory=list, description="must_not_contain and must_not_mention phrases found.")
    missing: list[str] = Field(default_factory=list, description="must_contain phrases not found.")
    protected_changed: list[str] = Field(default_factory=list)
    words: int = 0
    length_ratio: float = 1.0
    readability: float = Field(0.0, description="Flesch reading ease of the unquoted text (higher is easier).")
    personalisation: int = 0
    familiarity_risk: int = 0
    personalisation_draft: int = 0
    language: str | None = None
    engine_served: str | None = None
    fallback: str | None = None
    error: str | None = None
    fragments_made: int = Field(0, description="Fragments in the rewrite that the draft did not have (coach.evals.fragments).")
    placeholders: int = 0
    opener: str | None = Field(None, description="The rewrite's first sentence after the greeting, when it differs from the draft's.")
    history_relevant: bool | None = None
    checks: list[Check] = Field(default_factory=list)
    passed: bool = False

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def score_case(
    case: Case,
    text: str,
    result: RewriteResult | None = None,
    *,
    engine: str = "draft",
    error: str | None = None,
    trust_result: bool = False,
) -> CaseMetrics:
    """Score `text` as a rewrite of `case.draft`. `engine` is the eval engine id ("draft", "rules", "scripted", "llm:m").

    `trust_result`: reuse the analysis and fact check the pipeline just computed on this very text
    (`verify` runs the same `analyse` and `compare_facts`) instead of recomputing them. Only for a
    result made by this process's code: a cached result is always re-analysed.
    """
    e, ctx, draft = case.expect, case.context, case.draft
    fresh = trust_result and result is not None and result.rewrite == text
    if text == draft:
        analysis = _analysed(draft, ctx.model_dump_json())
        guard = FactCheck(kept=analysis.facts)  # a text compared with itself keeps every fact, adds nothing
    elif fresh:
        assert result is not None
        analysis, guard = result.analysis.rewrite, result.facts
    else:
        analysis, guard = analyse(text, ctx), compare_facts(draft, text, ctx)
    draft_analysis = _analysed(draft, ctx.model_dump_json())
    m = CaseMetrics(error=error, engine_served=result.engine if result else None, fallback=result.fallback if result else None)
    checks: list[Check] = []

    if error:
        checks.append(Check(id="engine", passed=False, detail=f"the engine crashed: {error}"))
    elif result is not None and engine != "rules" and result.fallback:
        checks.append(Check(id="engine", passed=False, detail=f"fell back to {result.engine}: {result.fallback}"))

    # personal
    if e.use_name:
        m.name_used, detail = _name_used(case, text)
        checks.append(Check(id="name", passed=m.name_used, detail=detail))
    if e.acknowledge:
        m.emotions_missed = [emotion for emotion in e.acknowledge if acknowledged(emotion, text) is None]
        m.emotion_acknowledged = not m.emotions_missed
        checks.append(Check(id="emotion", passed=m.emotion_acknowledged, detail=_missing("not acknowledged", m.emotions_missed)))
    if e.reference_history:
        m.history_referenced = any(contains_phrase(text, p) for p in e.reference_history)
        detail = "" if m.history_referenced else "none of: " + ", ".join(f'"{p}"' for p in e.reference_history)
        checks.append(Check(id="history", passed=m.history_referenced, detail=detail))

    # professional
    risky = [f for f in risk_findings(analysis.findings) if f.level in DETECTOR_LEVELS]
    m.familiarity_findings = len(risky)
    m.familiarity_rules = [f'{f.rule} "{f.match}"' for f in risky]
    m.dismissive_left = sum(1 for f in analysis.findings if f.category == "dismissive")
    checks.append(Check(id="familiarity", passed=not risky, detail="; ".join(m.familiarity_rules)))
    m.missing = [p for p in e.must_contain if not contains_phrase(text, p)]
    if e.must_contain:
        checks.append(Check(id="contains", passed=not m.missing, detail=_missing("missing", m.missing)))
    own_text = _unquoted(text)
    m.forbidden_hits = [p for p in [*e.must_not_contain, *e.must_not_mention] if contains_phrase(text, p)]
    m.forbidden_hits += [p for p in e.must_not_add if contains_phrase(own_text, p)]
    if e.must_not_contain or e.must_not_mention or e.must_not_add:
        checks.append(Check(id="forbidden", passed=not m.forbidden_hits, detail=_missing("found", m.forbidden_hits)))

    # faithful
    verbatim_lost = [f for f in e.keep_facts if not _kept_verbatim(f, text)]
    guard_lost = [f.value for f in guard.missing] + [f"{c.before.value} -> {c.after.value}" for c in guard.altered]
    m.facts_lost = list(dict.fromkeys([*verbatim_lost, *guard_lost]))
    m.facts_expected = len(set(e.keep_facts) | {f.value for f in [*guard.kept, *guard.missing]} | {c.before.value for c in guard.altered})
    m.facts_kept = max(0, m.facts_expected - len(m.facts_lost))
    m.facts_preserved = not m.facts_lost
    checks.append(Check(id="facts", passed=m.facts_preserved, detail=_missing("lost", m.facts_lost)))
    m.invented = [f"{f.value} ({f.kind})" for f in guard.added] + [f'"{c.text}" ({c.kind})' for c in guard.new_commitments]
    if e.no_new_commitments:
        checks.append(Check(id="invented", passed=not m.invented, detail=_missing("invented", m.invented)))
    m.protected_changed = list(guard.protected_changed)
    if e.must_keep_quoted or m.protected_changed:
        ok = not m.protected_changed and (not e.must_keep_quoted or _in_order(quoted_lines(draft), quoted_lines(text)))
        checks.append(Check(id="quoted", passed=ok, detail="" if ok else "quoted lines or signature changed"))

    # length, language, readability
    m.words = len(text.split())
    m.length_ratio = round(unquoted_words(text) / max(1, unquoted_words(draft)), 3)
    length_problems = []
    if e.max_length_ratio is not None and m.length_ratio > e.max_length_ratio:
        length_problems.append(f"length ratio {m.length_ratio:.2f} > {e.max_length_ratio}")
    if case.word_limit is not None and m.words > case.word_limit:
        length_problems.append(f"{m.words} words > {case.word_limit}")
    if e.max_length_ratio is not None or case.word_limit is not None:
        checks.append(Check(id="length", passed=not length_problems, detail="; ".join(length_problems)))
    m.language = guess_language(text)
    if m.language and m.language != e.language:
        checks.append(Check(id="language", passed=False, detail=f"in {m.language}, expected {e.language}"))
    m.readability = flesch_reading_ease(_unquoted(text))

    # the analysis scores; an already good draft must not get worse
    m.personalisation, m.familiarity_risk = analysis.personalisation, analysis.familiarity_risk
    m.personalisation_draft = draft_analysis.personalisation
    if _GOOD_DRAFT in case.tags and text != draft:
        worse = []
        if analysis.personalisation < draft_analysis.personalisation:
            worse.append(f"personalisation {draft_analysis.personalisation} -> {analysis.personalisation}")
        if analysis.familiarity_risk > draft_analysis.familiarity_risk:
            worse.append(f"familiarity risk {draft_analysis.familiarity_risk} -> {analysis.familiarity_risk}")
        checks.append(Check(id="not-worse", passed=not worse, detail="; ".join(worse)))

    # the editor's targets: no new fragment, few placeholders, no one opener everywhere
    if text != draft:
        before = {_fragment_key(f.sentence) for f in fragments(draft)}
        made = [f for f in fragments(text) if _fragment_key(f.sentence) not in before]
        m.fragments_made = len(made)
        checks.append(Check(id="fragments", passed=not made, detail="; ".join(f'"{f.sentence}" ({f.problem})' for f in made[:3])))
        m.opener = _opener(text, draft)
    m.placeholders = len(PLACEHOLDER.findall(text))
    m.history_relevant = e.history_relevant

    m.checks = checks
    m.passed = all(c.passed for c in checks)
    return m


_GREETING_PREFIX = re.compile(r"^(?:hi|hello|dear|hey|good\s+\w+)\b[^.!?,]{0,40},\s*", re.I)


def _fragment_key(sentence: str) -> str:
    """A fragment the draft already had is not one the edit made, even when a greeting now runs into it."""
    return _GREETING_PREFIX.sub("", sentence).strip().casefold()


_OPENING_GREETING = re.compile(r"^(?:hi|hello|dear|hey|good\s+\w+)\b[^.!?]{0,40},\s*", re.I)


def _opener(text: str, draft: str) -> str | None:
    """The first sentence after the greeting, when the draft did not open with it."""
    found = [s for s, kind in sentences(text) if kind == "text"]
    draft_first = [s for s, kind in sentences(draft) if kind == "text"][:2]
    for sentence in found[:3]:
        greeting = _OPENING_GREETING.match(sentence)
        if greeting:
            sentence = sentence[greeting.end() :]
            if not sentence:
                continue
        if sentence in draft_first or sentence[:1].lower() + sentence[1:] in " ".join(draft_first):
            return None
        return re.sub(r"\b(?:order|parcel|second|third|husband|wife)\b", "…", sentence.lower()) or None
    return None


@lru_cache(maxsize=512)
def _analysed(text: str, context_json: str) -> Analysis:
    """The draft's analysis, once per case: every engine's rewrite is compared with it."""
    return analyse(text, Context.model_validate_json(context_json))


def _name_used(case: Case, text: str) -> tuple[bool, str]:
    ctx, want = case.context, case.expect.use_name
    if isinstance(want, str):
        forms = [want]
    elif ctx.address_as:
        forms = [ctx.address_as]
    else:
        words = re.findall(r"[\w'’-]+", ctx.customer_name or "")
        forms = [w for w in words if len(w) > 1 and w.casefold() not in HONORIFICS]
    # Names are matched case-sensitively ("Rose" is a name, "rose" is not), word-bounded like every phrase.
    used = any(re.search(phrase_pattern(form).pattern, text) for form in forms)
    return used, "" if used else "expected " + " or ".join(f'"{f}"' for f in forms)


def _kept_verbatim(fact: str, text: str) -> bool:
    """`fact` is in `text` as written, or with only its first letter capitalised where it opens a sentence ("no need
    to do anything" -> "No need to do anything."): a capital a sentence needs changes no fact. Codes and names keep
    their case: a fact that opens with a digit or a capital is compared exactly."""
    if fact in text:
        return True
    if not fact[:1].islower():
        return False
    return re.search(rf"(?:^|[.!?\n])[ \t]*{re.escape(fact[:1].upper() + fact[1:])}", text) is not None


def _missing(label: str, items: Sequence[str]) -> str:
    return f"{label}: " + ", ".join(items) if items else ""


def _in_order(wanted: list[str], found: list[str]) -> bool:
    position = 0
    for line in wanted:
        try:
            position = found.index(line, position) + 1
        except ValueError:
            return False
    return True


def _unquoted(text: str) -> str:
    return re.sub(r"^[ \t]*>.*$", "", text, flags=re.MULTILINE)


# --- readability -------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:['’][A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n")
_VOWELS = re.compile(r"[aeiouyà-ÿ]+")


def syllables(word: str) -> int:
    """A heuristic: vowel groups, minus a silent final e (but not -le), at least one."""
    w = word.lower().strip("'’")
    if len(w) <= 3:
        return 1
    count = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if w.endswith(("ed", "es")) and not w.endswith(("ted", "ded", "ses", "zes", "ces", "ges", "xes")) and count > 1:
        count -= 1
    return max(1, count)


def flesch_reading_ease(text: str) -> float:
    """206.835 - 1.015 words/sentence - 84.6 syllables/word; 60-70 is plain English, 0 for no words."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    score = 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (sum(map(syllables, words)) / len(words))
    return round(score, 1)


# --- aggregation ---------------------------------------------------------------------------------


class GroupSummary(BaseModel):
    """One prompt × engine over its cases: every metric of `registry.METRICS` by name (None when no case
    applied), the judge's means and the failed checks."""

    prompt: str | None
    engine: str
    subset: str | None = Field(None, description='"served": only the cells the model itself served (no fallback, no error).')
    cases: int
    passed: int
    metrics: dict[str, float | int | None] = Field(default_factory=dict)
    judge: dict[str, float] = Field(default_factory=dict, description="Mean judge score per criterion (1-5), and its mean variance.")
    failed_checks: dict[str, int] = Field(default_factory=dict, description="How many cases failed each check.")
    spend: Spend | None = Field(None, description="Model tokens in and out, latency of the computed cells, and cost where the model is priced.")
    repeats: int = Field(1, description="Tries per case (--repeat); the fields below are set when it is above 1.")
    pass_k: float | None = Field(None, description="pass^k: the share of cases whose every try passed.")
    pass_at_k: float | None = Field(None, description="pass@k: the share of cases where at least one try passed.")
    intervals: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="95% interval of each metric over the tries (Wilson for rates; mean ± 1.96 se otherwise)."
    )

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        """A summary written before the metrics moved under `metrics` (metric names as top-level keys)."""
        if isinstance(data, dict) and "metrics" not in data:
            data = dict(data)
            data["metrics"] = {name: data.pop(name) for name in list(data) if name in METRICS}
        return data

    def value(self, name: str) -> float | int | None:
        return self.metrics.get(name)

    @property
    def label(self) -> str:
        return group_label(self.prompt, self.engine) + (f" ({self.subset})" if self.subset else "")


def group_label(prompt: str | None, engine: str) -> str:
    return f"{engine} @ {prompt}" if prompt else engine


def summarise(prompt: str | None, engine: str, metrics: Sequence[CaseMetrics], judges: Sequence[dict[str, float] | None] = (),
              subset: str | None = None) -> GroupSummary:  # fmt: skip
    failed: dict[str, int] = {}
    for m in metrics:
        for check in m.failed:
            failed[check.id] = failed.get(check.id, 0) + 1
    return GroupSummary(
        prompt=prompt,
        engine=engine,
        subset=subset,
        cases=len(metrics),
        passed=sum(m.passed for m in metrics),
        metrics={name: metric.score(metrics) for name, metric in METRICS.items()},
        judge=_judge_means([j for j in judges if j]),
        failed_checks=dict(sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _judge_means(judges: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k for j in judges for k in j})
    return {k: round(fmean(j[k] for j in judges if k in j), 3) for k in keys}
