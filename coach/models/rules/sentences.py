"""Step three: rewrite the sentences that findings marked (see `findings`).

A marked sentence goes through the templates of `sentences.yaml` for its rules; when none applies,
the rule's `remove_sentence` action in `tone.yaml` (if any) drops it. A sentence holding a slot keeps
its protected fact: templates that would lose it are skipped, and only the marked words go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.analysis.text import sentence_spans
from coach.models.rules.phrases import Phrases, SentenceTemplate
from coach.models.rules.work import Work
from coach.schemas import Finding

_WORD = re.compile(r"[^\W_]")
_LEADING_JUNK = re.compile(r"^[\s,;:.\-–—]+")


@dataclass(frozen=True)
class SentenceContext:
    phrases: Phrases
    mode: str  # "full", "short" (the agent's word limit is tight) or "off" (no templates)
    next_step: re.Pattern[str]  # what counts as offering a next step
    findings: dict[str, Finding]  # rule -> its first finding, for the reason of a removal


def rewrite_sentences(work: Work, ctx: SentenceContext) -> None:
    markers = work.markers
    opens = {char: rule for rule, char in markers.opens.items()}
    wanted = re.compile(f"[{re.escape(''.join(opens) + markers.tidy)}]")
    text = work.text
    spans = sentence_spans(text)
    for i in reversed(range(len(spans))):
        span = spans[i]
        sentence = text[span.start : span.end]
        if not wanted.search(sentence):
            continue
        head, body = _split_greeting(sentence, markers.greeting)
        rules = list(dict.fromkeys(opens[ch] for ch in wanted.findall(body) if ch in opens))
        if not rules and markers.tidy not in body:
            continue
        following = work.unmarked(text[span.end : spans[i + 1].end]) if i + 1 < len(spans) else ""
        new_body = _rewrite(work, body, rules, ctx, following)
        if new_body is None:
            text = _cut(text, span.start + len(head), span.end)
        else:
            text = text[: span.start] + head + new_body + text[span.end :]
    work.text = text


def _split_greeting(sentence: str, marker: str) -> tuple[str, str]:
    """An inline greeting ("Hi Sarah, no idea.") is not part of the sentence the templates see."""
    at = sentence.find(marker)
    if at < 0:
        return "", sentence
    end = at + 1
    while end < len(sentence) and sentence[end] in " \t":
        end += 1
    return sentence[:end], sentence[end:]


def _rewrite(work: Work, body: str, rules: list[str], ctx: SentenceContext, following: str) -> str | None:
    """The new sentence, or None to drop it (any next-step markers it wants are kept)."""
    markers = work.markers
    next_markers = "".join(ch for ch in body if ch in markers.next_steps.values())
    plain = work.unmarked(body)
    applied = False
    if ctx.mode != "off":
        for template in ctx.phrases.sentences.templates:
            if set(template.rules) & set(rules):
                result = _apply(work, template, plain, ctx, following)
                if result is not None:
                    plain, wanted = result
                    applied = True
                    if wanted:
                        next_markers += markers.next_steps[wanted]
    if not applied:
        for rule in rules:
            action = ctx.phrases.tone.actions.get(rule)
            if not action or "remove_sentence" not in (action.action, action.otherwise):
                continue
            if action.next_step:
                next_markers += markers.next_steps[action.next_step]
            finding = ctx.findings.get(rule)
            reason = finding.message if finding else "Removed a sentence that undermines the reply."
            cites = [finding.card] if finding and finding.card else []
            if not work.slots_in(body):
                work.log("removed", plain, "", reason, cites)
                return next_markers or None
            body, cut = _cut_marked(body, markers.opens[rule], markers.close)
            plain = work.unmarked(body)
            if cut:
                work.log("removed", cut, "", reason, cites)
    words = re.findall(r"\w+", plain)
    if markers.tidy in body and not work.slots_in(plain) and len(words) < 3:
        if words:
            work.log("removed", plain, "", "Too little was left of this sentence after the edit to keep it.", [])
        return next_markers or None
    if not _WORD.search(plain) and not work.slots_in(plain):
        return next_markers or None
    return plain + next_markers


def _apply(work: Work, template: SentenceTemplate, plain: str, ctx: SentenceContext, following: str) -> tuple[str, str | None] | None:
    # "I'm not sure yet. I'll check tomorrow." already has its next step, one sentence on.
    if template.unless_next_step and (ctx.next_step.search(plain) or ctx.next_step.search(following)):
        return None
    match = template.pattern.search(plain)
    if match is None:
        return None
    text = template.short if ctx.mode == "short" and template.short is not None else template.replace
    groups = {k: v or "" for k, v in match.groupdict().items()}
    replacement = text.format_map(groups)
    before, after = plain[: match.start()], plain[match.end() :]
    if not replacement:
        after = _LEADING_JUNK.sub("", after) if not before.strip() else after
    elif template.lower_next:
        after = _lower_first(after, ctx.phrases.greetings.lowercase_after)
    candidate = before + replacement + after
    if sorted(work.slots_in(candidate)) != sorted(work.slots_in(plain)):
        return None  # would lose a protected fact
    restored = work.restore(match.group()).strip()
    work.log("removed" if not replacement else "replaced", match.group(), replacement,
             template.reason.replace("{match}", restored), list(template.cites))  # fmt: skip
    return candidate, template.next_step


def _lower_first(text: str, words: list[str]) -> str:
    match = re.match(r"([A-Z][\w'’]*)", text)
    if match and match.group(1).lower() in {w.lower() for w in words}:
        return text[0].lower() + text[1:]
    return text


def _cut_marked(body: str, open_marker: str, close: str) -> tuple[str, str]:
    start = body.find(open_marker)
    end = body.find(close, start)
    if start < 0 or end < 0:
        return body, ""
    return body[:start] + body[end + 1 :], body[start + 1 : end]


def _cut(text: str, start: int, end: int) -> str:
    """Remove a sentence with the spaces after it; a line left empty goes with it."""
    while end < len(text) and text[end] in " \t":
        end += 1
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if not text[line_start:start].strip() and not text[end:line_end].strip():
        return text[:line_start] + text[line_end + 1 :] if line_end < len(text) else text[:line_start].rstrip("\n")
    if end >= line_end:  # the sentence ended the line: drop the space before it too
        while start > line_start and text[start - 1] in " \t":
            start -= 1
    return text[:start] + text[end:]
