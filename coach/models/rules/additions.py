"""What the engine adds, all optional (dropped first when the word limit is tight): an acknowledgement
of the customer's feeling, a reference to a relevant earlier contact, and a next step after a refusal.
Each uses only what the context gives: the detected emotion, the history's own date, no promises.
"""

from __future__ import annotations

import datetime as dt
import re

from coach.analysis.document import Document
from coach.analysis.emotion import NEGATIVE, acknowledged
from coach.analysis.personal import _content_words, _relevant_history, load_personal_lexicon
from coach.analysis.text import sentence_spans
from coach.models.rules.phrases import Phrases, Register
from coach.models.rules.work import Work, words
from coach.schemas import Analysis, Context, Emotion

_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e[sd]?|apologies)\b", re.IGNORECASE)
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*•]|\d+[.)])\s")
_NEXT_STEP_CITES = {
    "options": ["no-flat-no"], "find_out": ["have-an-answer"], "look_into": ["have-an-answer"],
    "hand_over": ["have-an-answer"], "follow_up": ["anticipate-next-need"],
}  # fmt: skip
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


# --- acknowledgement -----------------------------------------------------------------------------


def acknowledgement(work: Work, message: str, emotions: list[Emotion], phrases: Phrases, register: Register) -> tuple[str, str] | None:
    """(sentence, reason) acknowledging the strongest feeling the draft leaves unacknowledged;
    `message` is what the emotions were read from (the customer's message, or the lines the draft quotes)."""
    if not emotions:
        return None
    body = work.unmarked()
    missing = [e for e in emotions if acknowledged(e.name, body) is None]
    negative = [e for e in missing if e.name in NEGATIVE]
    target = negative[0] if negative else (missing[0] if missing and emotions[0] is missing[0] else None)
    if target is None:
        return None
    apologises = _APOLOGY.search(body) is not None
    for variant in phrases.acknowledgements.emotions.get(target.name, []):
        if variant.fits(message) and not (variant.apology and apologises):
            cues = ", ".join(f'"{c}"' for c in target.cues[:2])
            return variant.text(register), f"Acknowledges the customer's {target.name}{f' ({cues})' if cues else ''} before the answer."
    return None


# --- history -------------------------------------------------------------------------------------


def history_reference(draft: str, context: Context, analysis: Analysis, phrases: Phrases, register: Register) -> tuple[str, str] | None:
    """(sentence, reason) referring to the earlier contact the customer's message is about, if any.

    Relevance is the analysis's own (`personal._relevant_history`), narrowed to notes that share a topic
    with the message; a sensitive note needs the customer to have raised that topic themselves."""
    check = next((c for c in analysis.checks if c.id == "history-referenced"), None)
    if check is None or not check.applicable or check.passed or not context.history:
        return None
    lex = load_personal_lexicon()
    doc = Document(draft, context)
    message = doc.customer_words
    if not message.strip():
        return None
    topic = _content_words(message.lower(), lex)
    for item in _relevant_history(doc, lex):
        if not topic & _content_words(item.note.lower(), lex):
            continue
        if any(not p.search(message) for p in phrases.history.sensitive if p.search(item.note)):
            continue
        templates = phrases.history.templates[register]
        if item.date:
            text = templates.dated.format(date=format_date(item.date, context.locale, phrases))
            return text, f"Refers to the earlier contact on {item.date.isoformat()}, so the customer need not explain again."
        return templates.undated, "Refers to the earlier contact in the history, so the customer need not explain again."
    return None


def format_date(date: dt.date, locale: str, phrases: Phrases) -> str:
    formats = phrases.history.date_formats
    fmt = formats.get(locale) or formats.get(re.split(r"[-_]", locale)[0]) or formats["default"]
    return fmt.format(day=date.day, month=_MONTHS[date.month - 1], year=date.year)


# --- placing the opening additions ---------------------------------------------------------------


Addition = tuple[str, str, list[str]]  # sentence, reason, cites


def add_opening(work: Work, additions: list[Addition], opening_thanks: re.Pattern[str]) -> None:
    """Put the sentences at the start of the body: after the greeting, and after a first sentence
    that only thanks the customer for writing."""
    if not additions:
        return
    position = _body_start(work)
    if position is None:
        return
    text = work.text
    line_end = text.find("\n", position)
    line_end = len(text) if line_end < 0 else line_end
    first = re.match(r"[^.!?\n]*[.!?]+[\"'’”)]*", text[position:line_end])
    sentences = " ".join(sentence for sentence, _, _ in additions)
    if first and opening_thanks.match(work.unmarked(first.group()).strip()):
        position += first.end()
        sentences = " " + sentences
    elif _LIST_ITEM.match(text, position) or position >= line_end:
        sentences += "\n\n"
    else:
        sentences += " "
    work.text = text[:position] + sentences + text[position:]
    work.added_words += words(sentences)
    for sentence, reason, cites in additions:
        work.log("added", "", sentence, reason, cites)


def _body_start(work: Work) -> int | None:
    """Where the reply's own words start: after the greeting and any quoted lines."""
    text = work.text
    marker = text.find(work.markers.greeting)
    position = marker + 1 if marker >= 0 else 0
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        line_end = text.find("\n", position)
        line_end = len(text) if line_end < 0 else line_end
        line = work.unmarked(text[position:line_end]).strip()
        if line and not all(work.is_slot(ch) or ch.isspace() for ch in line):
            return position
        position = line_end
    return None


# --- next step -----------------------------------------------------------------------------------


def add_next_step(work: Work, phrases: Phrases, register: Register, next_step: re.Pattern[str], allowed: bool) -> None:
    """A next step where a template or action asked for one, or after a refusal; never a second one."""
    markers = {char: kind for kind, char in work.markers.next_steps.items()}
    text = work.text
    if allowed and not next_step.search(work.unmarked()):
        first = re.search(f"[{re.escape(''.join(markers))}]", text)
        wanted = (first.start(), markers[first.group()]) if first else None
        if wanted is None:
            refusal = _refusal_end(work, phrases)
            wanted = (refusal, "options") if refusal is not None else None
        if wanted is not None:
            at, kind = wanted
            line = phrases.next_steps.lines[kind].text(register)  # type: ignore[index]
            before = " " if at > 0 and not text[at - 1].isspace() else ""
            after = " " if at < len(text) and not text[at].isspace() and text[at] not in markers else ""
            text = text[:at] + before + line + after + text[at:]
            work.added_words += words(line)
            work.log("added", "", line, "Says what happens next, so the customer is not left with a refusal or a dead end.", _NEXT_STEP_CITES[kind])
    work.text = text
    work.drop_markers("".join(markers))


def _refusal_end(work: Work, phrases: Phrases) -> int | None:
    text = work.text
    for span in sentence_spans(text):
        sentence = work.unmarked(text[span.start : span.end])
        if any(p.search(sentence) for p in phrases.next_steps.refusals):
            return span.end
    return None
