"""The rule engine: one compiled rule, run over a `Document`.

A plain class (not a pydantic model) because it sits on the hot path: a 2,000-word draft is
checked against every rule in a few milliseconds.

How matching stays fast:
- Phrases (tokens, swap keys) are never scanned for. Each is keyed by its first word, or first
  two words, and tried only where the document's word index has that key.
- Patterns are scanned for, but only near the rule's `requires` words when it has them.
- Exceptions are looked for only around a hit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from coach.analysis.document import Document
from coach.analysis.text import Span, has_cased_letter, normalise_phrase, phrases_pattern
from coach.schemas import Finding, Level

if TYPE_CHECKING:
    from coach.analysis.rules import Rule

_WORD = re.compile(r"\w+")
_GROUP_NAME = re.compile(r"\(\?P<(\w+)>")
_EXCEPTION_REACH = 60  # characters either side of a hit where an exception phrase may sit
# One rule reports at most this many findings in one text: no real draft comes near it, and a draft of
# 20,000 emoji must not cost 20,000 findings in every later step (hardening: bounded work per request).
# Matches past the first _SCANNED are not made into findings at all (exceptions may drop some of those).
MAX_FINDINGS_PER_RULE = 100
_SCANNED = 2 * MAX_FINDINGS_PER_RULE


class CompiledRule:
    __slots__ = (
        "id", "category", "level", "kind", "sentence_scope", "message", "suggestion", "card", "max", "requires",
        "flags", "sources", "_regex", "scan_regex", "phrases_by_key", "word_keys", "pair_keys", "pair_firsts", "key_regexes",
        "exceptions", "conditions", "swap", "triggers", "trigger_prefixes",
    )  # fmt: skip

    def __init__(self, rule: Rule) -> None:
        self.id, self.category, self.level, self.card = rule.id, rule.category, rule.level, rule.card
        self.kind = rule.kind.value
        self.sentence_scope = rule.scope.value == "sentence"
        self.message, self.suggestion, self.max = rule.message, rule.suggestion, rule.max
        self.requires = tuple(w.lower() for w in rule.requires)
        self.flags = re.MULTILINE | (0 if rule.case_sensitive else re.IGNORECASE)

        phrases = [*rule.tokens, *rule.swap]
        patterns = _unique_group_names(rule.patterns)
        word_phrases = [p for p in phrases if _WORD.match(p)]
        other_phrases = [p for p in phrases if not _WORD.match(p)]
        self.sources = ([phrases_pattern(phrases)] if phrases else []) + patterns
        self._regex: re.Pattern[str] | None = None
        scanned = ([phrases_pattern(other_phrases)] if other_phrases else []) + patterns
        self.scan_regex = _compile(_alternation(scanned), self.flags, "patterns") if scanned else None
        self.phrases_by_key: dict[str, list[str]] = {}
        for phrase in word_phrases:
            self.phrases_by_key.setdefault(phrase_key(phrase), []).append(phrase)
        self.word_keys = frozenset(k for k in self.phrases_by_key if " " not in k)
        self.pair_keys: dict[str, list[tuple[str, str]]] = {}  # first word -> (second word, key)
        for key in self.phrases_by_key:
            if " " in key:
                first, second = key.split(" ", 1)
                self.pair_keys.setdefault(first, []).append((second, key))
        self.pair_firsts = frozenset(self.pair_keys)
        self.key_regexes: dict[str, re.Pattern[str]] = {}

        exceptions = ([phrases_pattern(rule.exceptions)] if rule.exceptions else []) + list(rule.exception_patterns)
        self.exceptions = _compile(_alternation(exceptions), self.flags, "exceptions") if exceptions else None
        self.conditions = [
            (
                c,
                _compile("|".join(c.followed_by), self.flags, "followed_by") if c.followed_by else None,
                _compile("|".join(c.preceded_by), self.flags, "preceded_by") if c.preceded_by else None,
            )
            for c in rule.unless
        ]
        self.swap = {normalise_phrase(k): v for k, v in rule.swap.items()}
        self.triggers, self.trigger_prefixes = self._triggers()

    def _triggers(self) -> tuple[frozenset[str] | None, tuple[str, ...]]:
        """Words ("sorry") and prefixes ("haha*") one of which a document must have for the rule to find
        anything; None when it reads every text (it scans whole texts or sentences, or counts over the text)."""
        scans_everything = self.scan_regex is not None and not self.requires
        if scans_everything or (self.kind == "occurrence" and not self.sentence_scope):
            return None, ()
        words = self.word_keys | self.pair_firsts | frozenset(self.requires)
        return frozenset(w for w in words if not w.endswith("*")), tuple(w[:-1] for w in words if w.endswith("*"))

    def may_match(self, doc: Document) -> bool:
        """False when the document has none of the rule's trigger words: the rule would find nothing."""
        if self.triggers is None:
            return True
        return not self.triggers.isdisjoint(doc.words) or any(doc.has_prefix(p) for p in self.trigger_prefixes)

    @property
    def regex(self) -> re.Pattern[str]:
        """The whole rule as one regex, for sentence-scope rules and occurrence counts; compiled on first
        use because most rules never need it (start-up time matters for `coach lint`)."""
        if self._regex is None:
            self._regex = _compile(_alternation(self.sources), self.flags, "patterns")
        return self._regex

    # --- running ---------------------------------------------------------------------

    def run(self, doc: Document) -> list[Finding]:
        """The rule's findings in `doc`, at most MAX_FINDINGS_PER_RULE of them."""
        if self.kind == "occurrence":
            return self._run_occurrence(doc)[:MAX_FINDINGS_PER_RULE]
        if not self.sentence_scope and not self.conditions:  # the common case, without the wrapping below
            found = [self._finding(doc, m.start(), m.end(), self.level) for m in self._text_matches(doc)[:_SCANNED]]
            return self._without_exceptions(doc, found)[:MAX_FINDINGS_PER_RULE]
        findings = []
        for match, sentence in self._matches(doc):
            level = self.level
            if self.conditions:
                verdict = self._apply_conditions(doc, match, sentence)
                if verdict == "skip":
                    continue
                level = Level(verdict) if verdict else level
            findings.append(self._finding(doc, match.start(), match.end(), level))
            if len(findings) >= _SCANNED:
                break
        return self._without_exceptions(doc, findings)[:MAX_FINDINGS_PER_RULE]

    def _matches(self, doc: Document):
        if not self.sentence_scope:
            for match in self._text_matches(doc):
                yield _Shifted(match, 0), doc.sentence_at(match.start())
            return
        for sentence in self._candidate_sentences(doc):
            for match in self.regex.finditer(doc.masked[sentence.start : sentence.end]):
                yield _Shifted(match, sentence.start), sentence

    def _text_matches(self, doc: Document) -> list[re.Match[str]]:
        found: list[re.Match[str]] = []
        keys = self._present_keys(doc) if self.phrases_by_key else ()
        if keys:
            candidates = sorted((p, key) for key in keys for p in doc.positions(key))
            last_end = -1
            for position, key in candidates:
                if position < last_end:
                    continue
                match = self._key_regex(key).match(doc.masked, position)
                if match:
                    found.append(match)
                    last_end = match.end()
        if self.scan_regex is not None:
            windows = doc.windows(self.requires) if self.requires else [Span(0, len(doc.masked))]
            for window in windows:
                found.extend(self.scan_regex.finditer(doc.masked, window.start, window.end))
            found.sort(key=lambda m: m.start())
        return found

    def _present_keys(self, doc: Document) -> list[str]:
        """The phrase keys the document has: set intersections rule out most words and pairs' first words."""
        keys = list(self.word_keys & doc.words)
        for first in self.pair_firsts & doc.words:
            followers = doc.followers(first)
            keys += [key for second, key in self.pair_keys[first] if second in followers]
        return keys

    def _key_regex(self, key: str) -> re.Pattern[str]:
        """The phrases that start with `key`, compiled on first use, so start-up stays fast."""
        regex = self.key_regexes.get(key)
        if regex is None:
            regex = self.key_regexes[key] = re.compile(phrases_pattern(self.phrases_by_key[key]), self.flags)
        return regex

    def _candidate_sentences(self, doc: Document) -> list[Span]:
        if self.scan_regex is not None and not self.requires:
            return doc.sentences
        positions = [p for key in (*self._present_keys(doc), *self.requires) for p in doc.positions(key)]
        sentences = {doc.sentence_at(p) for p in positions}
        return sorted((s for s in sentences if s.end > s.start), key=lambda s: s.start)

    def _apply_conditions(self, doc: Document, match: _Shifted, sentence: Span) -> str | None:
        for condition, followed, preceded in self.conditions:
            if followed and not followed.search(doc.masked, match.end(), sentence.end):
                continue
            if preceded and not preceded.search(doc.masked[sentence.start : match.start()]):
                continue
            if condition.channel_in and doc.context.channel not in condition.channel_in:
                continue
            if condition.name_known is not None and condition.name_known != doc.name_known:
                continue
            if condition.context_mentions:
                word = match.group() if condition.context_mentions == "match" else match.group(condition.context_mentions)
                if not word or not doc.context_mentions(word):
                    continue
            return condition.then
        return None

    def _run_occurrence(self, doc: Document) -> list[Finding]:
        assert self.max is not None
        scopes = self._candidate_sentences(doc) if self.sentence_scope else [Span(0, len(doc.masked))]
        findings = []
        for scope in scopes:
            if self.sentence_scope:
                count = doc.count(self.regex, scope)
                if count > self.max:
                    findings.append(self._finding(doc, scope.start, scope.end, self.level, count=count))
                continue
            matches = doc.matches(self.regex, scope)
            if len(matches) > self.max:
                findings.append(self._finding(doc, matches[0].start(), matches[-1].end(), self.level, count=len(matches)))
        return findings

    def _without_exceptions(self, doc: Document, findings: list[Finding]) -> list[Finding]:
        if not findings or self.exceptions is None:
            return findings
        kept = []
        for f in findings:
            start, end = max(0, f.start - _EXCEPTION_REACH), min(len(doc.masked), f.end + _EXCEPTION_REACH)
            if not any(m.start() < f.end and f.start < m.end() for m in self.exceptions.finditer(doc.masked, start, end)):
                kept.append(f)
        return kept

    def _finding(self, doc: Document, start: int, end: int, level: Level, count: int | None = None) -> Finding:
        matched = doc.text[start:end]
        replacement = self.swap.get(normalise_phrase(matched)) if self.swap else None
        values = {"match": matched, "replacement": replacement or "", "count": count or "", "max": self.max or ""}
        line, column = doc.lines.line_col(start)
        # Validated: pydantic-core checks a dozen plain fields faster than model_construct copies them in Python.
        return Finding(
            rule=self.id, category=self.category, level=level,
            message=self.message.format_map(values),
            suggestion=self.suggestion.format_map(values) if self.suggestion else None,
            start=start, end=end, line=line, column=column, match=matched, replacement=replacement, card=self.card,
        )  # fmt: skip


class _Shifted:
    """A match found in a slice, with offsets moved back into the whole text."""

    __slots__ = ("_match", "_offset")

    def __init__(self, match: re.Match[str], offset: int) -> None:
        self._match, self._offset = match, offset

    def start(self) -> int:
        return self._match.start() + self._offset

    def end(self) -> int:
        return self._match.end() + self._offset

    def group(self, name: str | int = 0) -> str | None:
        if isinstance(name, int):
            return self._match.group(name)
        for key in self._match.re.groupindex:
            if key.split("__")[0] == name and self._match.group(key):
                return self._match.group(key)
        return None


def phrase_key(phrase: str) -> str:
    """The key a phrase is looked up by in the document's word index: its first word, or first two."""
    return " ".join(_WORD.findall(phrase.lower())[:2])


def _unique_group_names(patterns: list[str]) -> list[str]:
    # One alternation cannot repeat a group name, so pattern i's "topic" becomes "topic__i".
    return [_GROUP_NAME.sub(lambda m: f"(?P<{m.group(1)}__{i}>", p) for i, p in enumerate(patterns)]


def _alternation(sources: list[str]) -> str:
    # The first branch that matches wins, so try "no worries mate" before "no worries".
    return "|".join(f"(?:{s})" for s in sorted(dict.fromkeys(sources), key=len, reverse=True))


def _compile(pattern: str, flags: int, what: str) -> re.Pattern[str]:
    if flags & re.IGNORECASE and not has_cased_letter(pattern):
        flags &= ~re.IGNORECASE  # the same matches (an emoji class, "!{2,}"), found about twice as fast
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"{what}: invalid regular expression: {exc}") from exc
