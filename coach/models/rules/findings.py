"""Step one: turn the draft into a `Work` text, applying the word-level fixes the findings ask for.

Protected spans become slots. Findings of substitution rules get their swap (from the rule's own
swap map); findings of other rules get the action `tone.yaml` names for them. Findings that need
the whole sentence (dismissive phrases, blame, sarcasm) are only marked here; `sentences` rewrites them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from coach.analysis.emotion import NEGATIVE
from coach.analysis.facts import extract_facts
from coach.analysis.regions import protected_regions
from coach.analysis.text import normalise_phrase
from coach.models.rules.phrases import Phrases, ToneAction
from coach.models.rules.work import Markers, Symbols, Work
from coach.schemas import Analysis, Channel, Context, Finding, Level

_EMOJI = re.compile("[\U0001f300-\U0001faff\u2764\u263a\u2639\u2728\u2705\u270c\u270b\u261d][\ufe0f\u200d\U0001f3fb-\U0001f3ff]*")
_SENTENCE_END = "\n.!?"
_CONNECTOR = re.compile(r"[ \t]*[,;:\-–—]*[ \t]*(?:(?:but|so|that)\b[ \t]*)?", re.IGNORECASE)
_PUNCT_AFTER = re.compile(r"[ \t]*[,;:\-–—]*[ \t]*")


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
    protected = protected_spans(draft, analysis, keep)
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

    upset = any(e.name in NEGATIVE for e in analysis.emotions)
    edits: list[_Op] = []
    for finding in analysis.findings:
        if finding.end <= finding.start or draft[finding.start : finding.end] != finding.match:
            continue  # an analysis of some other text; never edit blind
        edits += _ops_for(finding, draft, phrases, markers, sentence_rules, context.channel, upset)
    ops += _without_overlaps(edits, protected)

    work = Work(text=_apply(draft, ops), slots=slots, markers=markers, boilerplate=frozenset(boilerplate))
    for op in sorted(ops, key=lambda o: o.start):
        if op.kind:
            work.log(op.kind, draft[op.start : op.end], op.text, op.reason, [op.card] if op.card else [])
    return work


def _sentence_actions(phrases: Phrases) -> set[str]:
    return {rule for rule, action in phrases.tone.actions.items() if action.action == "remove_sentence" or action.otherwise == "remove_sentence"}


# --- protected spans -----------------------------------------------------------------------------


def protected_spans(draft: str, analysis: Analysis, keep: list[str]) -> list[tuple[int, int]]:
    spans = [(r.start, r.end) for r in protected_regions(draft) if r.end > r.start]
    spans += [(f.start, f.end) for f in analysis.facts if f.end > f.start and draft[f.start : f.end] == f.value]
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


def _ops_for(finding: Finding, draft: str, phrases: Phrases, markers: Markers, sentence_rules: set[str],
             channel: Channel, upset: bool) -> list[_Op]:  # fmt: skip
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
    elif action.action == "emoji":
        keep_first = channel in (Channel.chat, Channel.social) and not upset
        found = list(_EMOJI.finditer(draft, start, end))[1 if keep_first else 0 :]
        ops = [op for m in found for op in _some(_swap(draft, _part(finding, m), ""))]
    elif action.action == "exclamations":
        marks = [i for i in range(start, end) if draft[i] == "!"][1:]
        ops = [_Op(i, i + 1, ".", finding.rule, "replaced", finding.message, finding.card) for i in marks]
    else:  # pragma: no cover - remove_sentence is handled above
        ops = []
    if ops and action.next_step:
        ops.append(_Op(ops[-1].end, ops[-1].end, markers.next_steps[action.next_step]))
    return ops


def _some(op: _Op | None) -> list[_Op]:
    return [] if op is None else [op]


@lru_cache(maxsize=512)
def _is_fact(text: str) -> bool:
    return bool(extract_facts(text))


def _mark(finding: Finding, markers: Markers) -> list[_Op]:
    return [_Op(finding.start, finding.start, markers.opens[finding.rule]), _Op(finding.end, finding.end, markers.close)]


def _part(finding: Finding, match: re.Match[str]) -> Finding:
    return finding.model_copy(update={"start": match.start(), "end": match.end(), "match": match.group()})


def _swap(draft: str, finding: Finding, replacement: str, action: ToneAction | None = None, markers: Markers | None = None) -> _Op | None:
    start, end, match = finding.start, finding.end, finding.match
    if replacement and _is_fact(replacement):
        return None  # "tmrw" -> "tomorrow" would add a date the fact guard has never seen: leave it
    if replacement:
        if match[:1].isupper() and replacement[:1].islower():
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
    if before in " \t" and (after in " \t\n,.;:!?)" or after == "\r"):
        return start - 1, end
    return start, end


def _at_sentence_start(text: str, position: int) -> bool:
    i = position - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


# --- applying ------------------------------------------------------------------------------------


def _without_overlaps(ops: list[_Op], protected: list[tuple[int, int]]) -> list[_Op]:
    """Greedy, left to right, longest first; nothing may touch a protected span."""
    kept: list[_Op] = []
    last_end = -1
    for op in sorted(ops, key=lambda o: (o.start, -(o.end - o.start))):
        if any(op.start < e and s < op.end for s, e in protected) or any(s < op.start < e for s, e in protected):
            continue
        if op.start < op.end and op.start >= last_end:
            kept.append(op)
            last_end = op.end
    replaced = [(o.start, o.end) for o in kept]
    # Insertions (markers) go anywhere but strictly inside a replaced span.
    kept += [o for o in ops if o.start == o.end and not any(s < o.start < e for s, e in replaced + protected)]
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
