"""A draft prepared once for every check: protected regions masked, sentences split, context at hand."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import cached_property
from itertools import accumulate

from coach.analysis.regions import Region, mask, protected_regions
from coach.analysis.text import Positions, Span, sentence_spans
from coach.schemas import Context

_WORD_SPLIT = re.compile(r"(\w+)")


class Document:
    def __init__(self, text: str, context: Context | None = None) -> None:
        self.text = text
        self.context = context or Context()
        self.regions: list[Region] = protected_regions(text)
        # Rules and checks read `masked`: the same text with quoted lines and the signature blanked out.
        self.masked = mask(text, self.regions)
        self._mentions: dict[str, bool] = {}
        self._positions: dict[str, list[int]] = {}
        self._pairs: dict[str, dict[str, list[int]]] = {}
        self._matches: dict[tuple[str, int, int, int], list[re.Match[str]]] = {}
        self._counts: dict[tuple[str, int, int, int], int] = {}

    @property
    def name_known(self) -> bool:
        return bool(self.context.customer_name or self.context.address_as)

    @cached_property
    def sentences(self) -> list[Span]:
        return sentence_spans(self.masked)

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    @cached_property
    def lines(self) -> Positions:
        return Positions(self.text)

    def sentence_at(self, offset: int) -> Span:
        index = bisect_right(self._sentence_starts, offset) - 1
        if index >= 0 and offset < self.sentences[index].end:
            return self.sentences[index]
        return Span(offset, offset)

    @cached_property
    def _index(self) -> tuple[list[str], list[int], dict[str, list[int]]]:
        """Lower-cased words of `masked`, where each starts, and word -> its indexes in that list."""
        lowered = self.masked.lower()
        same_length = len(lowered) == len(self.masked)  # a few characters (e.g. "İ") change length when lowered
        # Separators and words alternate, so each word starts where the pieces before it end.
        pieces = _WORD_SPLIT.split(lowered if same_length else self.masked)
        words = pieces[1::2] if same_length else [word.lower() for word in pieces[1::2]]
        starts = list(accumulate(map(len, pieces)))[0::2][: len(words)]
        where: dict[str, list[int]] = {}
        for i, word in enumerate(words):
            where.setdefault(word, []).append(i)
        return words, starts, where

    @cached_property
    def words(self) -> frozenset[str]:
        """The distinct lower-cased words of `masked`."""
        return frozenset(self._index[2])

    def has_prefix(self, prefix: str) -> bool:
        """Whether a word starts with `prefix`."""
        return next(self._words_with(prefix), None) is not None

    def _words_with(self, prefix: str) -> Iterator[str]:
        ordered = self._sorted_words
        for i in range(bisect_left(ordered, prefix), len(ordered)):
            if not ordered[i].startswith(prefix):
                return
            yield ordered[i]

    @cached_property
    def _sorted_words(self) -> list[str]:
        return sorted(self._index[2])

    def positions(self, key: str) -> list[int]:
        """Start offsets of a word ("sorry"), a word pair ("as i") or any word with a prefix ("haha*").

        Rules look their phrases up here instead of scanning the whole text."""
        cached = self._positions.get(key)
        if cached is not None:
            return cached
        words, starts, where = self._index
        if key.endswith("*"):
            found = sorted(starts[i] for word in self._words_with(key[:-1]) for i in where[word])
        elif " " in key:
            first, second = key.split(" ", 1)
            found = self.followers(first).get(second, [])
        else:
            found = [starts[i] for i in where.get(key, ())]
        self._positions[key] = found
        return found

    def followers(self, first: str) -> dict[str, list[int]]:
        """Next word -> start offsets of `first` where that word follows it (built once per first word)."""
        if first not in self._pairs:
            words, starts, where = self._index
            pairs: dict[str, list[int]] = {}
            for i in where.get(first, ()):
                if i + 1 < len(words):
                    pairs.setdefault(words[i + 1], []).append(starts[i])
            self._pairs[first] = pairs
        return self._pairs[first]

    def windows(self, words: tuple[str, ...], margin: int = 80) -> list[Span]:
        """Merged stretches of text around `words`: from `margin` characters before a word to the end
        of the line `margin` characters after it, so "$" at a window's end is a real line end."""
        spans: list[Span] = []
        text = self.masked
        for position in sorted(p for word in words for p in self.positions(word)):
            start = max(0, position - margin)
            newline = text.find("\n", min(len(text), position + margin))
            end = len(text) if newline < 0 else newline
            if spans and start <= spans[-1].end:
                spans[-1] = Span(spans[-1].start, max(spans[-1].end, end))
            else:
                spans.append(Span(start, end))
        return spans

    def matches(self, regex: re.Pattern[str], span: Span) -> list[re.Match[str]]:
        """All matches of `regex` in a span of `masked`, remembered: two rules counting words share the work."""
        key = (regex.pattern, regex.flags, span.start, span.end)
        if key not in self._matches:
            self._matches[key] = list(regex.finditer(self.masked, span.start, span.end))
        return self._matches[key]

    def count(self, regex: re.Pattern[str], span: Span) -> int:
        """How many times `regex` matches in a span of `masked`, remembered like `matches`."""
        key = (regex.pattern, regex.flags, span.start, span.end)
        if key not in self._counts:
            self._counts[key] = len(regex.findall(self.masked, span.start, span.end))
        return self._counts[key]

    @cached_property
    def customer_words(self) -> str:
        """The customer's message; failing that, the lines the draft quotes from them."""
        if self.context.customer_message:
            return self.context.customer_message
        return "\n".join(r.text(self.text).lstrip(" \t>") for r in self.regions if r.kind == "quote")

    @cached_property
    def context_text(self) -> str:
        """The customer's words and the history notes, lower-cased: what the customer has told us."""
        parts = [self.customer_words] + [item.note for item in self.context.history]
        return "\n".join(parts).lower()

    def context_mentions(self, word: str) -> bool:
        """Whether the customer's message or history uses `word` (or its plural/possessive)."""
        key = word.lower().replace("’", "'")
        if key not in self._mentions:
            stem = re.sub(r"(?:'s|s)$", "", key) if len(key) > 3 else key
            self._mentions[key] = bool(stem) and re.search(rf"\b{re.escape(stem)}", self.context_text) is not None
        return self._mentions[key]
