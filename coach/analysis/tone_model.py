"""The learned tone model beside the rules: what no rule names, and a second opinion on what rules flag.

Every sentence of a draft (at most MAX_SENTENCES distinct ones; past that, the rules alone, with a note)
is scored by the classifier that `coach train tone` made from evals/tone/ (coach.analysis.heads). Then:

* **Model findings.** A sentence whose `any` probability reaches its threshold gets a finding per tone
  category at or above that category's threshold (the likeliest one if none is), rule `tone-model.<category>`,
  on the sentence's span, citing the category's card. It is a warning, or an error where the category's
  probability passes its error threshold. Both thresholds were chosen on the dev split. A category a rule
  already found in that sentence is not reported twice.
* **Context.** A sentence does not see the customer's message, so context is a rule on the detected
  emotion, not a model input: an upbeat sentence (`upbeat` head) to a customer who is grieving or upset
  is flagged flippant ("tone-model.cheerful-after-bad-news"). After a thank-you the same line is fine.
* **Rules under review.** A rule that was wrong on more than 10% of its (at least five) hits in the dev
  split is unreliable: its finding in a sentence the model reads as fine (`any` below the veto threshold,
  chosen on dev) is lowered to a suggestion and says why. Every other rule's findings stand, including
  those of rules the corpus has too few hits to judge: the model has never seen most insults.

Rules stay for explicit, explainable hits with a known replacement; the model adds what no rule names.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from coach.analysis.heads import Classifier, load_shipped
from coach.analysis.risk import RISK_CATEGORIES
from coach.analysis.text import Span
from coach.schemas import Emotion, Finding, Level


MAX_SENTENCES = 64  # distinct sentences scored per text: long and adversarial drafts stay linear
MAX_SENTENCE_CHARS = 1000  # the model reads 256 tokens at most anyway
RULE_PREFIX = "tone-model"
CONTEXT_RULE = f"{RULE_PREFIX}.cheerful-after-bad-news"
BAD_NEWS = frozenset({"sadness", "anger", "frustration"})  # the emotions after which an upbeat line grates
BAD_NEWS_SCORE = 0.5
CARDS = {
    "over-familiar": "no-mate-talk", "flippant": "no-sarcasm-flippancy", "blaming": "no-blame",
    "dismissive": "no-flat-no", "overreach": "respect-boundaries", "therapy": "not-a-therapist", "curt": "human-touch",
}  # fmt: skip
MESSAGES = {
    "over-familiar": "Reads as over-familiar for a customer reply",
    "flippant": "Reads as flippant or sarcastic",
    "blaming": "Reads as blaming the customer",
    "dismissive": "Reads as dismissive: the customer's problem is brushed off",
    "overreach": "Reads as prying or overstepping",
    "therapy": "Reads as therapy talk rather than service",
    "curt": "Reads as cold or curt",
}  # fmt: skip
SUGGESTIONS = {
    "over-familiar": "Keep it friendly but professional: no buddy address, slang or jokes.",
    "flippant": "Say plainly what happened and what you will do; no sarcasm.",
    "blaming": "Describe what happened and the fix, without saying whose fault it was.",
    "dismissive": "Acknowledge the problem and give a next step, even when the answer is no.",
    "overreach": "Ask only for what the task needs, and leave the customer's private life alone.",
    "therapy": "Acknowledge the feeling in one short line, then help with the problem.",
    "curt": "Add the courtesy a person needs: what happens next, and a human word.",
}  # fmt: skip


# "Hi Sarah Okafor," or "Kind regards," on a line of its own: a form, not a tone. The model judges short
# lines harshly, and a greeting's tone is the rules' to judge ("hey mate", "yo").
_PLAIN_SALUTATION = re.compile(
    r"(?i:hi|hello|dear|good\s+(?:morning|afternoon|evening)|(?:kind|best|warm|warmest)\s+(?:regards|wishes)|regards|"
    r"sincerely|yours\s+(?:sincerely|faithfully|truly)|many\s+thanks|thanks|thank\s+you|best|with\s+thanks)"
    r",?(?:\s+(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?)?(?:\s+[A-Z][\w'’.-]*){0,3}\s*[,.!]?"
    r"$"
)
# A signature line: capitalised words, commas and "&" only, short, no sentence end ("Leah, Registrar's Office",
# "Customer Care, Example Ltd").
_SIGNATURE_LINE = re.compile(r"[A-Z][\w'’-]*\.?(?:(?:,?\s+|\s*&\s*)(?:[A-Z][\w'’-]*\.?|of|and|de|van|von|da)){0,7}(?<!\.)")


_RUNS_ON = frozenset(",")  # a line that stops on a word or a comma runs on; any other last character ends it


def whole_sentences(masked: str, sentences: list[Span]) -> list[Span]:
    """The sentences as a reader sees them: a line that stops without a sentence's end and runs on in the
    next line (an email wrapped by hand) is joined to it."""
    joined: list[Span] = []
    for span in sentences:
        if joined:
            last = joined[-1]
            end = masked[last.end - 1]  # the spans are trimmed: the piece's last visible character
            gap = masked[last.end : span.start]
            if (end.isalnum() or end in _RUNS_ON) and gap.count("\n") == 1 and masked[span.start].islower():
                joined[-1] = Span(last.start, span.end)
                continue
        joined.append(span)
    return joined


def _worth_reading(sentence: str, at_edge: bool = True) -> bool:
    """Not a salutation or a signature line where those stand (the first sentence, the last three), and not a
    piece that ends in a comma (a sign-off, or a fragment). "Just Google It" mid-reply is read."""
    if len(sentence) < 2 or not any(ch.isalpha() for ch in sentence) or sentence.endswith(","):
        return False
    if at_edge and (_PLAIN_SALUTATION.match(sentence) or (_SIGNATURE_LINE.fullmatch(sentence) and not sentence.isupper())):
        return False
    return True


def load_classifier() -> Classifier | None:
    return load_shipped("tone")


_scores_lock = threading.Lock()
_scores: dict[str, np.ndarray] = {}  # sentence -> probabilities, so verification re-scores only new sentences


def score(texts: list[str]) -> np.ndarray:
    """(len(texts), labels) probabilities; the MiniLM head joins the words head where ONNX Runtime runs."""
    from coach.analysis import sentence_vectors

    classifier = load_classifier()
    assert classifier is not None
    with _scores_lock:
        known = {t: _scores[t] for t in texts if t in _scores}
    fresh = [t for t in dict.fromkeys(texts) if t not in known]
    if fresh:
        features = {"words": classifier.words(fresh)}
        if sentence_vectors.available():
            features["minilm"] = sentence_vectors.encode(fresh)
        known.update(zip(fresh, classifier.probabilities(features)))
        with _scores_lock:
            if len(_scores) > 8192:
                _scores.clear()
            _scores.update((t, known[t]) for t in fresh)
    return np.stack([known[t] for t in texts]) if texts else np.zeros((0, len(classifier.labels)))


def clear_cache() -> None:
    with _scores_lock:
        _scores.clear()


@dataclass
class Review:
    findings: list[Finding] = field(default_factory=list)  # the model's own
    rule_findings: list[Finding] = field(default_factory=list)  # the rules', some lowered to suggestions
    scored: int = 0
    skipped: int = 0  # distinct sentences past MAX_SENTENCES
    notes: list[str] = field(default_factory=list)


def review(text: str, sentences: list[Span], masked: str, emotions: list[Emotion], rule_findings: list[Finding], line_col) -> Review:
    """The model's findings for `text` and the rule findings after its review. `sentences` are spans of
    `masked` (quoted lines and the signature blanked); `line_col(offset)` gives a finding its position."""
    classifier = load_classifier()
    if classifier is None:
        return Review(rule_findings=rule_findings, notes=["The tone model is not installed: the rules alone checked this text."])
    spans: list[Span] = []
    texts: list[str] = []
    seen: dict[str, int] = {}
    skipped = 0
    readable = whole_sentences(masked, sentences)
    for index, span in enumerate(readable):
        sentence = " ".join(masked[span.start : span.end].split())[:MAX_SENTENCE_CHARS]
        at_edge = index == 0 or index >= len(readable) - 3  # where a greeting or a signature stands
        if not _worth_reading(sentence, at_edge):
            continue
        if sentence not in seen:
            if len(seen) >= MAX_SENTENCES:
                skipped += 1
                continue
            seen[sentence] = len(seen)
        spans.append(span)
        texts.append(sentence)
    if not texts:
        return Review(rule_findings=rule_findings)
    distinct = list(seen)
    probabilities = score(distinct)
    rows = [probabilities[seen[t]] for t in texts]
    labels = classifier.labels
    any_at, upbeat_at = labels.index("any"), labels.index("upbeat")
    veto = float(classifier.meta.get("veto_threshold", 0.0))
    unreliable = frozenset(classifier.meta.get("unreliable_rules", ()))
    on_categories = bool(classifier.meta.get("flag_on_categories", False))
    category_at = [labels.index(c) for c in CARDS]
    bad_news = [e for e in emotions if e.name in BAD_NEWS and e.score >= BAD_NEWS_SCORE]

    findings: list[Finding] = []
    reviewed = list(rule_findings)
    starts = [span.start for span in spans]
    by_sentence: dict[int, list[int]] = {}  # sentence index -> the risk rule findings that start in it
    for i, f in enumerate(reviewed):
        if f.category in RISK_CATEGORIES and f.level is not Level.suggestion:
            k = bisect_right(starts, f.start) - 1
            if k >= 0 and f.start < spans[k].end:
                by_sentence.setdefault(k, []).append(i)
    for k, (span, p) in enumerate(zip(spans, rows)):
        start, end = span.start, span.end  # sentence spans come trimmed (text.sentence_spans)
        in_sentence = by_sentence.get(k, [])
        ruled = {reviewed[i].category for i in in_sentence}
        if p[any_at] < veto:
            for i in in_sentence:
                if reviewed[i].rule in unreliable:
                    reviewed[i] = _lowered(reviewed[i], float(p[any_at]))
            ruled = {reviewed[i].category for i in in_sentence if reviewed[i].rule not in unreliable}
        flagged = p[any_at] >= classifier.thresholds[any_at] or (
            on_categories and any(p[j] >= classifier.thresholds[j] for j in category_at)
        )
        if flagged:
            categories = [c for c in CARDS if p[labels.index(c)] >= classifier.thresholds[labels.index(c)]]
            if not categories:
                categories = [max(CARDS, key=lambda c: p[labels.index(c)])]
            for category in categories:
                if category in ruled:
                    continue
                j = labels.index(category)
                level = Level.error if p[j] >= classifier.error_thresholds[j] else Level.warning
                # the model's overall doubt rides along where it is much surer than of the category ("sarcastic? 0.47;
                # something reads badly: 0.91"), so a reader can tell a sure-but-unnamed problem from a weak one
                overall = f"; p={p[any_at]:.2f} that it reads badly" if p[any_at] - p[j] >= 0.1 else ""
                findings.append(_finding(f"{RULE_PREFIX}.{category}", category, level, MESSAGES[category] + f" (model, p={p[j]:.2f}{overall}).",
                                         SUGGESTIONS[category], text, start, end, line_col))  # fmt: skip
        elif bad_news and p[upbeat_at] >= classifier.thresholds[upbeat_at] and "flippant" not in ruled:
            feeling = max(bad_news, key=lambda e: e.score).name
            findings.append(_finding(CONTEXT_RULE, "flippant", Level.warning,
                                     f"An upbeat line to a customer who shows {feeling} can read as not listening (model, p={p[upbeat_at]:.2f}).",
                                     "Match the customer's mood: a plain, kind close instead of a cheerful one.",
                                     text, start, end, line_col))  # fmt: skip
    notes = [f"The tone model read the first {MAX_SENTENCES} distinct sentences; the rules alone checked the other {skipped}."] if skipped else []
    return Review(findings=findings, rule_findings=reviewed, scored=len(distinct), skipped=skipped, notes=notes)


def _finding(rule, category, level, message, suggestion, text, start, end, line_col) -> Finding:
    line, column = line_col(start)
    return Finding(rule=rule, category=category, level=level, message=message, suggestion=suggestion, start=start, end=end,
                   line=line, column=column, match=text[start:end], card=CARDS[category])  # fmt: skip


def _lowered(finding: Finding, p_any: float) -> Finding:
    return finding.model_copy(update={
        "level": Level.suggestion,
        "message": f"{finding.message} (Lowered to a suggestion: the tone model reads this sentence as fine, p={p_any:.2f}; "
                   "check the word is not a name or a product.)",
    })  # fmt: skip
