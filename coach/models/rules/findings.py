"""Step one: turn the draft into a `Work` text, applying the word-level fixes the findings ask for.

Protected spans become slots. Findings of substitution rules get their swap (from the rule's own
swap map); findings of other rules get the action `tone.yaml` names for them. Findings that need
the whole sentence (dismissive phrases, blame, sarcasm) are only marked here; `sentences` rewrites them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from coach.analysis.emotion import NEGATIVE
from coach.analysis.facts import extract_facts
from coach.analysis.regions import protected_regions
from coach.analysis.text import mask_long_tokens, normalise_phrase
from coach.models.rules.phrases import Phrases, ToneAction
from coach.models.rules.work import Markers, Symbols, Work
from coach.schemas import Analysis, Channel, Context, Finding, Level

_EMOJI = re.compile("[\U0001f300-\U0001faff\u2764\u263a\u2639\u2728\u2705\u270c\u270b\u261d][\ufe0f\u200d\U0001f3fb-\U0001f3ff]*")
_EMOJI_RUN = re.compile(f"{_EMOJI.pattern}(?:[ \t]*{_EMOJI.pattern})*")
_SENTENCE_END = "\n.!?"
_CONNECTOR = re.compile(r"[ \t]*[,;:\-–—]*[ \t]*(?:(?:but|so|that)\b[ \t]*)?", re.IGNORECASE)
_PUNCT_AFTER = re.compile(r"[ \t]*[,;:\-–—]*[ \t]*")
_AFTER_CONJUNCTION = re.compile(r"(?:^|[\s,])(?:but|and|so|because|that|as|since|while|although|though)[ \t]*$", re.IGNORECASE)


@dataclass(frozen=True)
class _Op:
    start: int
    end: int
    text: str  # what replaces draft[start:end]; for an insertion start == end
    rule: str = ""
    kind: str = ""  # "removed" | "replaced" | "" (slots and markers are not logged)
    reason: str = ""
    card: str | None = None


def prepare(draft: str, analysis: Analysis, context: Context, keep: list[str], phrases: Phrases) -> Work:
    sentence_rules = set(phrases.sentence_rules())
    rules, kinds = tuple(sorted(sentence_rules | _sentence_actions(phrases))), tuple(phrases.next_steps.lines)
    symbols = Symbols(draft)
    if symbols.clean:
        markers = Markers.shared(rules, kinds)
        symbols = Symbols(draft, reserved=markers.count())
    else:
        markers = Markers.allocate(symbols, list(rules), list(kinds))
    protected = protected_spans(draft, analysis, keep, phrases)
    regions = {(r.start, r.end) for r in protected_regions(draft)}
    slots: dict[str, str] = {}
    boilerplate: set[str] = set()
    ops: list[_Op] = []
    for start, end in protected:
        slot = symbols.take()
        slots[slot] = draft[start:end]
        if (start, end) in regions:
            boilerplate.add(slot)
        ops.append(_Op(start, end, slot))

    edits: list[_Op] = []
    for finding in analysis.findings:
        if finding.end <= finding.start or draft[finding.start : finding.end] != finding.match:
            continue  # an analysis of some other text; never edit blind
        edits += _ops_for(finding, draft, phrases, markers, sentence_rules)
    edits += _emoji_ops(draft, context, analysis)
    ops += _without_overlaps(edits, protected, draft)

    work = Work(text=_apply(draft, ops), slots=slots, markers=markers, boilerplate=frozenset(boilerplate))
    for op in sorted(ops, key=lambda o: o.start):
        if op.kind:
            work.log(op.kind, draft[op.start : op.end], op.text, op.reason, [op.card] if op.card else [])
    return work


def _sentence_actions(phrases: Phrases) -> set[str]:
    return {rule for rule, action in phrases.tone.actions.items() if action.action == "remove_sentence" or action.otherwise == "remove_sentence"}


# --- protected spans -----------------------------------------------------------------------------


def protected_spans(draft: str, analysis: Analysis, keep: list[str], phrases: Phrases) -> list[tuple[int, int]]:
    """Quoted lines, the signature, facts, the agent's `keep` wording and tone.yaml's `protect`
    patterns: sorted, overlaps merged."""
    spans = [(r.start, r.end) for r in protected_regions(draft) if r.end > r.start]
    spans += [(f.start, f.end) for f in analysis.facts if f.end > f.start and draft[f.start : f.end] == f.value]
    searchable = mask_long_tokens(draft)  # a long token is a fact already; no pattern backtracks through it
    spans += [m.span() for pattern in phrases.tone.protect for m in pattern.finditer(searchable) if m.end() > m.start()]
    for phrase in keep:
        if phrase:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(phrase), draft)]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


# --- one finding -> edits ------------------------------------------------------------------------


def _ops_for(finding: Finding, draft: str, phrases: Phrases, markers: Markers, sentence_rules: set[str]) -> list[_Op]:
    start, end, match = finding.start, finding.end, finding.match
    action = phrases.tone.actions.get(finding.rule)
    wants_sentence = finding.rule in sentence_rules and finding.level is not Level.suggestion
    if wants_sentence or (action and action.action == "remove_sentence"):
        return _mark(finding, markers)

    if finding.replacement is not None:  # a substitution rule's own swap map
        return _some(_swap(draft, finding, finding.replacement))
    if action is None:
        return []
    if action.action == "swap":
        replacement = action.swap.get(normalise_phrase(match))
        if replacement is None:
            if action.otherwise == "remove_sentence":
                return _mark(finding, markers)
            replacement = "" if action.otherwise == "remove" else None
        ops = [] if replacement is None else _some(_swap(draft, finding, replacement, action, markers))
    elif action.action == "remove":
        ops = _some(_swap(draft, finding, "", action, markers))
    elif action.action == "lowercase":
        keep = set(phrases.tone.keep_upper)
        text = re.sub(r"[A-Za-z]+", lambda m: m.group() if m.group() in keep else m.group().lower(), match)
        ops = [_Op(start, end, text, finding.rule, "replaced", finding.message, finding.card)]
    elif action.action == "collapse":
        ops = [_Op(start, end, "!" if match[0] == "‼" else match[0], finding.rule, "replaced", finding.message, finding.card)]
    elif action.action == "exclamations":
        marks = [i for i in range(start, end) if draft[i] == "!"][1:]
        ops = [_Op(i, i + 1, ".", finding.rule, "replaced", finding.message, finding.card) for i in marks]
    else:  # pragma: no cover - remove_sentence is handled above
        ops = []
    if ops and action.next_step:
        ops.append(_Op(ops[-1].end, ops[-1].end, markers.next_steps[action.next_step]))
    return ops


def _emoji_ops(draft: str, context: Context, analysis: Analysis) -> list[_Op]:
    """Emoji for the whole reply: on chat or social one may stay, if the customer used emoji first and
    is not upset; the rest go (the emoji-and-punctuation card)."""
    keep_one = (
        context.channel in (Channel.chat, Channel.social)
        and _EMOJI.search(context.customer_message or "") is not None
        and not any(e.name in NEGATIVE for e in analysis.emotions)
    )
    reason = "Emoji only where the customer used them first, and never when they are upset."
    ops = []
    for i, run in enumerate(_EMOJI_RUN.finditer(draft)):
        start, end = run.span()
        if keep_one and i == 0:
            start = _EMOJI.match(draft, start).end()
            if start >= end:
                continue
            ops.append(_Op(start, end, "", "", "removed", reason, "emoji-and-punctuation"))
            continue
        start, end = _removal_span(draft, start, end, tidy=False)
        # "done 😊 Enjoy" -> "done. Enjoy": the emoji was the full stop.
        before, after = draft[:start].rstrip()[-1:], draft[end:].lstrip()[:1]
        stop = "." if before.isalnum() and after.isupper() else ""
        ops.append(_Op(start, end, stop, "", "removed", reason, "emoji-and-punctuation"))
    return ops


def _some(op: _Op | None) -> list[_Op]:
    return [] if op is None else [op]


@lru_cache(maxsize=512)
def _is_fact(text: str) -> bool:
    return bool(extract_facts(text))


def _mark(finding: Finding, markers: Markers) -> list[_Op]:
    return [_Op(finding.start, finding.start, markers.opens[finding.rule]), _Op(finding.end, finding.end, markers.close)]


def _swap(draft: str, finding: Finding, replacement: str, action: ToneAction | None = None, markers: Markers | None = None) -> _Op | None:
    start, end, match = finding.start, finding.end, finding.match
    if replacement and _is_fact(replacement):
        return None  # "tmrw" -> "tomorrow" would add a date the fact guard has never seen: leave it
    if replacement:
        shouted = len(match) > 1 and match.isupper()  # an acronym ("OOS"): its expansion is not a name
        if match[:1].isupper() and not shouted and replacement[:1].islower():
            replacement = replacement[0].upper() + replacement[1:]
        return _Op(start, end, replacement, finding.rule, "replaced", finding.message, finding.card)
    start, end = _removal_span(draft, start, end, tidy=bool(action and action.tidy_sentence))
    tidy_marker = markers.tidy if markers and action and action.tidy_sentence else ""
    return _Op(start, end, tidy_marker, finding.rule, "removed", finding.message, finding.card)


def _removal_span(draft: str, start: int, end: int, tidy: bool) -> tuple[int, int]:
    """Widen a deletion over the space or punctuation it would leave stranded:
    "again lol." -> "again.", "lol, that's" -> "that's", "No offence, but the" -> "the"."""
    before = draft[start - 1] if start > 0 else "\n"
    after = draft[end] if end < len(draft) else "\n"
    if _at_sentence_start(draft, start):
        tail = (_CONNECTOR if tidy else _PUNCT_AFTER).match(draft, end)
        return start, tail.end() if tail else end
    if before in " \t" and after == "," and _AFTER_CONJUNCTION.search(draft, 0, start):
        return start - 1, end + 1  # "but as I already said, there's" -> "but there's"
    if before in " \t" and (after in " \t\n,.;:!?)" or after == "\r"):
        return start - 1, end
    return start, end


def _at_sentence_start(text: str, position: int) -> bool:
    i = position - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


# --- applying ------------------------------------------------------------------------------------


def _without_overlaps(ops: list[_Op], protected: list[tuple[int, int]], draft: str) -> list[_Op]:
    """Greedy, left to right, longest first; nothing may touch a protected span (those are sorted
    and disjoint). Insertions (markers) go anywhere but strictly inside a span."""
    starts = [s for s, _ in protected]

    def hits_protected(start: int, end: int) -> bool:
        i = bisect_right(starts, start) - 1  # the last span starting at or before `start`
        if i >= 0 and start < protected[i][1] and (end > start or start > protected[i][0]):
            return True
        return i + 1 < len(protected) and protected[i + 1][0] < end

    kept: list[_Op] = []
    last_end = -1
    for op in sorted((o for o in ops if o.start < o.end), key=lambda o: (o.start, -(o.end - o.start))):
        if op.start < last_end < op.end and op.kind == "removed" and not draft[op.start : last_end].strip():
            # Two deletions that both want the space between them ("haha bestie"): the second gives it up.
            op = _Op(last_end, _PUNCT_AFTER.match(draft, op.end).end(), op.text, op.rule, op.kind, op.reason, op.card)
        if op.start >= last_end and not hits_protected(op.start, op.end):
            kept.append(op)
            last_end = op.end
    inside = sorted((o.start, o.end) for o in kept)
    inside_starts = [s for s, _ in inside]
    for op in ops:
        if op.start == op.end and not hits_protected(op.start, op.end):
            i = bisect_right(inside_starts, op.start) - 1
            if i < 0 or not inside[i][0] < op.start < inside[i][1]:
                kept.append(op)
    return kept


def _apply(draft: str, ops: list[_Op]) -> str:
    parts: list[str] = []
    position = 0
    for op in sorted(ops, key=lambda o: (o.start, o.end)):
        if op.start < position:
            continue
        parts.append(draft[position : op.start])
        parts.append(op.text)
        position = op.end
    parts.append(draft[position:])
    return "".join(parts)
