"""Personalisation checks that need the context, and the personalisation score they explain.

Points (out of the checks that apply): name used in the right form 30, the customer's emotion
acknowledged 25, a relevant past interaction referenced 20, a next step offered 25. Penalties:
a wrong name -30, each personal detail the customer never gave -15, each template phrase found
by a `personalisation` rule -5 (suggestion) / -10 (warning) / -20 (error).
Markers and word lists live in `knowledge/lexicons/personal.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.analysis.data import DataError, lexicon
from coach.analysis.document import Document
from coach.analysis.emotion import acknowledged
from coach.analysis.facts import extract_facts
from coach.analysis.text import cue_alternation
from coach.schemas import Emotion, Finding, Level, PastInteraction, PersonalCheck

WRONG_NAME_PENALTY, DETAIL_PENALTY = 30, 15
TEMPLATE_PENALTY = {Level.suggestion: 5, Level.warning: 10, Level.error: 20}


@dataclass(frozen=True)
class _Check:
    id: str
    points: int  # what passing earns; 0 for checks that can only cost points
    card: str


NAME = _Check("name-used", 30, "use-the-name")
EMOTION = _Check("emotion-acknowledged", 25, "acknowledge-emotion")
HISTORY = _Check("history-referenced", 20, "reference-history")
NEXT_STEP = _Check("next-step", 25, "anticipate-next-need")
RIGHT_NAME = _Check("right-name", 0, "use-the-name")
DETAILS = _Check("details-supported", 0, "respect-boundaries")
TEMPLATES = _Check("no-template-phrases", 0, "human-touch")
_CONTENT_WORD = re.compile(r"[a-z]{4,}")


@dataclass(frozen=True)
class PersonalLexicon:
    titles: tuple[str, ...]
    not_names: frozenset[str]
    greeting: re.Pattern[str]
    refusal: re.Pattern[str]
    next_step: re.Pattern[str]
    history_reference: re.Pattern[str]
    customer_refers_back: re.Pattern[str]
    personal_detail: re.Pattern[str]
    stopwords: frozenset[str]


@lru_cache(maxsize=4)
def load_personal_lexicon(directory: Path | None = None) -> PersonalLexicon:
    data = lexicon("personal", directory)

    def any_of(key: str) -> re.Pattern[str]:
        value = data[key]
        return re.compile(cue_alternation(value) if isinstance(value, list) else value, re.IGNORECASE | re.MULTILINE)

    try:
        titles = tuple(str(t) for t in data["titles_words"])
        title_re = "|".join(titles)
        # The greeting is case-insensitive; the name after it must be capitalised.
        greeting = re.compile(
            rf"(?i:{data['greeting']})(?:(?P<title>(?i:{title_re}))\.?\s+)?(?P<name>[A-Z][\w'’-]*)", re.MULTILINE
        )
        return PersonalLexicon(
            titles=titles,
            not_names=frozenset(str(w).lower() for w in data["not_names_words"]),
            greeting=greeting,
            refusal=any_of("refusal"),
            next_step=any_of("next_step"),
            history_reference=any_of("history_reference"),
            customer_refers_back=any_of("customer_refers_back"),
            personal_detail=any_of("personal_detail"),
            stopwords=frozenset(str(w).lower() for w in data["stopwords_words"]),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise DataError(f"personal lexicon is malformed: {exc}") from exc


@dataclass
class PersonalResult:
    checks: list[PersonalCheck]
    findings: list[Finding]
    score: int


def check_personalisation(doc: Document, emotions: list[Emotion], rule_findings: list[Finding]) -> PersonalResult:
    lex = load_personal_lexicon()
    findings: list[Finding] = []
    checks = [
        _check_name(doc, lex, findings),
        _check_emotion(doc, emotions, findings),
        _check_history(doc, lex, findings),
        _check_next_step(doc, lex, findings),
        _check_right_name(doc, lex, findings),
        _check_details(doc, lex, findings),
        _check_templates(rule_findings),
    ]
    return PersonalResult(checks=checks, findings=findings, score=score(checks))


def score(checks: list[PersonalCheck]) -> int:
    possible = sum(c.max_points for c in checks if c.applicable)
    earned = sum(c.points for c in checks if c.applicable and c.max_points > 0)
    penalties = sum(c.points for c in checks if c.applicable and c.points < 0)
    base = 100 * earned / possible if possible else 100
    return max(0, min(100, round(base + penalties)))


# --- the checks ----------------------------------------------------------------------


def _check_name(doc: Document, lex: PersonalLexicon, findings: list[Finding]) -> PersonalCheck:
    ctx = doc.context
    if not doc.name_known:
        return _na(NAME, "No customer name in the context.")
    first, last = _split_name(ctx.customer_name or "", lex.titles)
    preferred = (ctx.address_as or "").strip()
    text = doc.masked

    def found(pattern: str | None) -> re.Match[str] | None:
        return re.search(pattern, text) if pattern else None

    titles = "|".join(lex.titles)
    preferred_re = _name_pattern(preferred, lex.titles) if preferred else None
    titled_re = rf"\b(?:{titles})\.?\s+{re.escape(last)}\b" if last else None
    full_re = rf"\b{re.escape(first)}\s+{re.escape(last)}\b" if first and last else None
    first_re = rf"\b{re.escape(first)}\b" if first else None
    bare_last_re = rf"(?<!{re.escape(first)} )\b{re.escape(last)}\b" if last else None

    if preferred_re and (m := found(preferred_re)):
        return _passed(NAME, f'Addresses the customer as they prefer ("{m.group()}").')
    if not preferred and (m := found(titled_re) or found(full_re) or found(first_re)):
        return _passed(NAME, f'Uses the customer\'s name ("{m.group()}").')
    if preferred and (m := found(full_re)):
        return _passed(NAME, f'Uses the customer\'s full name ("{m.group()}").')

    wrong = (preferred and (found(titled_re) or found(first_re))) or _bare_surname(text, bare_last_re, titles)
    if wrong:
        want = f'"{preferred}"' if preferred else f'"{first}" or a title with "{last}"'
        message = f'The name is used in the wrong form ("{wrong.group()}"); use {want}.'
        findings.append(_finding(doc, "personal.name-form", Level.warning, message, wrong.span(), NAME.card))
        return _failed(NAME, message)
    how = f'"{preferred}"' if preferred else f'"{first}"'
    message = f"The customer's name is known but not used; greet them as {how}."
    findings.append(_finding(doc, "personal.name-missing", Level.warning, message, (0, 0), NAME.card))
    return _failed(NAME, message)


def _bare_surname(text: str, pattern: str | None, titles: str) -> re.Match[str] | None:
    if not pattern:
        return None
    for match in re.finditer(pattern, text):
        if not re.search(rf"\b(?:{titles})\.?\s+$", text[max(0, match.start() - 8) : match.start()]):
            return match
    return None


def _split_name(name: str, titles: tuple[str, ...]) -> tuple[str, str]:
    words = [w for w in name.split() if w.rstrip(".") not in titles]
    if not words:
        return "", ""
    return words[0], (words[-1] if len(words) > 1 else "")


def _name_pattern(name: str, titles: tuple[str, ...]) -> str:
    parts = [re.escape(w.rstrip(".")) + (r"\.?" if w.rstrip(".") in titles else "") for w in name.split()]
    return r"\b" + r"\s+".join(parts) + r"\b"


def _check_right_name(doc: Document, lex: PersonalLexicon, findings: list[Finding]) -> PersonalCheck:
    if not doc.name_known:
        return _na(RIGHT_NAME, "No customer name in the context.")
    ctx = doc.context
    known = {w.lower().rstrip(".") for w in f"{ctx.customer_name or ''} {ctx.address_as or ''}".split()}
    for match in lex.greeting.finditer(doc.masked):
        name = match.group("name")
        if name.lower() in known or name.lower() in lex.not_names:
            continue
        message = f'The greeting says "{name}", but the customer is {ctx.address_as or ctx.customer_name}.'
        findings.append(_finding(doc, "personal.wrong-name", Level.error, message, match.span("name"), NAME.card))
        return _penalty(RIGHT_NAME, WRONG_NAME_PENALTY, message)
    return _passed(RIGHT_NAME, "No other name in the greeting.")


def _check_emotion(doc: Document, emotions: list[Emotion], findings: list[Finding]) -> PersonalCheck:
    if not emotions:
        return _na(EMOTION, "No emotion detected in the customer's message.")
    missed = []
    for emotion in emotions:
        if acknowledged(emotion.name, doc.masked) is None:
            missed.append(emotion)
            level = Level.suggestion if emotion.name == "gratitude" else Level.warning
            cues = ", ".join(f'"{c}"' for c in emotion.cues[:3])
            message = f"The customer sounds {_adjective(emotion.name)} ({cues}); the draft does not acknowledge it."
            findings.append(_finding(doc, "personal.emotion-unacknowledged", level, message, (0, 0), EMOTION.card))
    names = ", ".join(e.name for e in emotions)
    if missed:
        return _failed(EMOTION, f"Not acknowledged: {', '.join(e.name for e in missed)} (detected: {names}).")
    if doc.customer_words and not _names_what_they_said(doc):
        return _partial(EMOTION, f"Acknowledges the feeling ({names}), but with a generic line: name what the customer said.")
    return _passed(EMOTION, f"Acknowledges what the customer feels ({names}), in their terms.")


# Words every acknowledgement has; sharing one of these with the message is not naming what the customer said.
_ACK_WORDS = frozenset(
    "sorry apologise apologize apologies understand understandable frustrating frustrated frustration worrying worried "
    "worry concern concerned upsetting upset really truly experience trouble hassle caused feel feels feeling hear "
    "know this that your about with have been such".split()
)


def _names_what_they_said(doc: Document) -> bool:
    """A sentence of the reply that acknowledges (sorry, understand, thank you) and shares a content word with the
    customer's message ("I'm sorry the engineer didn't arrive again"), not only the feeling ("I understand how
    frustrating this is")."""
    ack_words = {_stem(w) for w in _ACK_WORDS}
    message = {_stem(w) for w in _CONTENT_WORD.findall(doc.customer_words.lower())} - ack_words
    for span in doc.sentences:
        sentence = doc.masked[span.start : span.end].lower()
        if not _ACKNOWLEDGING.search(sentence):
            continue
        if ({_stem(w) for w in _CONTENT_WORD.findall(sentence)} - ack_words) & message:
            return True
        if _COUNT_WORDS.search(sentence):
            return True  # "the second time", "again": the repeat the customer told us about
    return False


_ACKNOWLEDGING = re.compile(r"\b(?:sorry|apologi[sz]e|apologies|understand|thank(?:s| you)|condolences|congratulations)\b")
_COUNT_WORDS = re.compile(r"\b(?:second|third|fourth|fifth|again|twice)\b")


def _adjective(emotion: str) -> str:
    return {"anger": "angry", "frustration": "frustrated", "worry": "worried", "urgency": "in a hurry",
            "sadness": "sad", "gratitude": "grateful"}.get(emotion, emotion)  # fmt: skip


def _check_history(doc: Document, lex: PersonalLexicon, findings: list[Finding]) -> PersonalCheck:
    history = doc.context.history
    if not history:
        return _na(HISTORY, "No past interactions in the context.")
    relevant = _relevant_history(doc, lex)
    if not relevant:
        return _na(HISTORY, "No past interaction looks relevant to this message.")
    marker = lex.history_reference.search(doc.masked)
    draft_words = _content_words(doc.masked.lower(), lex)
    draft_dates = {f.normal for f in extract_facts(doc.masked, doc.context.locale) if f.kind == "date"}
    for item in relevant:
        shared = draft_words & _content_words(item.note.lower(), lex)
        if len(shared) >= 2 or (item.date and item.date.isoformat() in draft_dates):
            return _passed(HISTORY, f"Mentions the earlier contact ({', '.join(sorted(shared)) or item.date}).")
    if marker:  # "again", "last time": it remembers, but says nothing of what happened
        return _partial(HISTORY, f'Refers back to earlier contact ("{marker.group()}") without naming it: give its date or what it was about.')
    item = relevant[0]
    when = f"{item.date.isoformat()}: " if item.date else ""
    message = f'An earlier contact looks relevant ("{when}{item.note}"); mention it so the customer need not repeat themselves.'
    findings.append(_finding(doc, "personal.history-unreferenced", Level.suggestion, message, (0, 0), HISTORY.card))
    return _failed(HISTORY, message)


def _relevant_history(doc: Document, lex: PersonalLexicon) -> list[PastInteraction]:
    history = sorted(doc.context.history, key=lambda h: (h.date is not None, h.date), reverse=True)
    message = doc.customer_words
    if message and lex.customer_refers_back.search(message):
        return history
    topic = _content_words((message or doc.masked).lower(), lex)
    return [item for item in history if topic & _content_words(item.note.lower(), lex)]


def _content_words(text: str, lex: PersonalLexicon) -> set[str]:
    return {_stem(w) for w in _CONTENT_WORD.findall(text) if w not in lex.stopwords}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _check_next_step(doc: Document, lex: PersonalLexicon, findings: list[Finding]) -> PersonalCheck:
    step = lex.next_step.search(doc.masked)
    if step:
        return _passed(NEXT_STEP, f'Offers a next step ("{step.group()}").')
    refusal = lex.refusal.search(doc.masked)
    if refusal:
        message = f'The draft refuses or gives bad news ("{refusal.group().strip()}") without a next step or an alternative.'
        findings.append(_finding(doc, "personal.no-next-step", Level.warning, message, refusal.span(), "no-flat-no"))
    else:
        message = "No next step: say what happens now, or what the customer can do."
        findings.append(_finding(doc, "personal.no-next-step", Level.suggestion, message, (0, 0), NEXT_STEP.card))
    return _failed(NEXT_STEP, message)


def _check_details(doc: Document, lex: PersonalLexicon, findings: list[Finding]) -> PersonalCheck:
    ctx = doc.context
    if not (doc.customer_words or ctx.history):
        return _na(DETAILS, "No customer message or history to check personal details against.")
    unsupported = [m for m in lex.personal_detail.finditer(doc.masked) if not doc.context_mentions(m.group("detail"))]
    for m in unsupported:
        message = f'"{m.group()}": the customer never mentioned their {m.group("detail")}; use only details they gave.'
        findings.append(_finding(doc, "personal.unsupported-detail", Level.warning, message, m.span(), DETAILS.card))
    if unsupported:
        details = ", ".join(m.group("detail") for m in unsupported)
        return _penalty(DETAILS, DETAIL_PENALTY * len(unsupported), f"Personal details the customer never gave: {details}.")
    return _passed(DETAILS, "Uses only personal details the customer or history gave.")


def _check_templates(rule_findings: list[Finding]) -> PersonalCheck:
    templates = [f for f in rule_findings if f.category == "personalisation"]
    if not templates:
        return _passed(TEMPLATES, "No form-letter phrases.")
    penalty = sum(TEMPLATE_PENALTY[f.level] for f in templates)
    phrases = ", ".join(f'"{f.match}"' for f in templates[:3])
    return _penalty(TEMPLATES, penalty, f"Form-letter phrases: {phrases}.")


# --- small constructors ----------------------------------------------------------


def _passed(check: _Check, detail: str) -> PersonalCheck:
    return PersonalCheck(id=check.id, applicable=True, passed=True, points=check.points, max_points=check.points,
                         detail=detail, card=check.card)  # fmt: skip


def _partial(check: _Check, detail: str) -> PersonalCheck:
    """Applies and is met, but only in a generic way: half the points."""
    return PersonalCheck(id=check.id, applicable=True, passed=True, points=check.points // 2, max_points=check.points,
                         detail=detail, card=check.card)  # fmt: skip


def _failed(check: _Check, detail: str) -> PersonalCheck:
    return PersonalCheck(id=check.id, applicable=True, passed=False, points=0, max_points=check.points,
                         detail=detail, card=check.card)  # fmt: skip


def _na(check: _Check, detail: str) -> PersonalCheck:
    return PersonalCheck(id=check.id, applicable=False, passed=False, points=0, max_points=check.points,
                         detail=detail, card=check.card)  # fmt: skip


def _penalty(check: _Check, points: int, detail: str) -> PersonalCheck:
    return PersonalCheck(id=check.id, applicable=True, passed=False, points=-points, max_points=0,
                         detail=detail, card=check.card)  # fmt: skip


def _finding(doc: Document, rule: str, level: Level, message: str, span: tuple[int, int], card: str) -> Finding:
    start, end = span
    line, column = doc.lines.line_col(start)
    return Finding(
        rule=rule, category="personalisation", level=level, message=message, suggestion=None,
        start=start, end=end, line=line, column=column, match=doc.text[start:end], card=card,
    )  # fmt: skip
