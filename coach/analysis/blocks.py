"""Work done on a text, remembered paragraph by paragraph, so a rewrite is checked only where it changed.

A rewrite keeps most of its draft's paragraphs. The checks that read within a paragraph (rule matches,
facts, commitments) remember what they found in each paragraph ("block"); the next text that has the
same paragraph reuses it and only the paragraphs never seen are scanned, joined into one text, in one
pass. A text none of whose paragraphs were seen is scanned whole, as it is.

A block ends after a blank line. The signature, from its "-- " line to the end, is one block, so it is
never split and its lines stay protected. Sentences end at line breaks, so nothing a check reads within
a sentence crosses blocks; what does (a match running over a blank line) is kept, but its blocks are not
remembered.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from functools import lru_cache
from threading import Lock
from typing import Protocol, TypeVar

from coach.analysis.regions import signature_start

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


class _Located(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


Item = TypeVar("Item", bound=_Located)


@lru_cache(maxsize=64)  # one check of a rewrite splits the draft and the rewrite several times
def block_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each block; together they are the whole text, each with its trailing blank lines."""
    limit = signature_start(text)
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BLANK_LINE.finditer(text, 0, limit):
        spans.append((start, match.end()))
        start = match.end()
    if start < limit:
        spans.append((start, limit))
    if limit < len(text):
        spans.append((limit, len(text)))
    return tuple(spans)


def paragraphs_not_in(text: str, other: str) -> str:
    """The blocks of `text` that `other` does not have, joined by blank lines."""
    have = {other[start:end] for start, end in block_spans(other)}
    return "\n\n".join(text[start:end] for start, end in block_spans(text) if text[start:end] not in have)


class BlockMemo:
    """What one check found in each block: (block text, key) -> (where the block started in the text
    scanned, the items found in it, with their offsets in that text). Least recently used entries go first."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, Hashable], tuple[int, tuple]] = OrderedDict()
        self._lock = Lock()  # the server checks drafts in several threads at once

    def get(self, block: str, key: Hashable) -> tuple[int, tuple] | None:
        with self._lock:
            found = self._entries.get((block, key))
            if found is not None:
                self._entries.move_to_end((block, key))
            return found

    def put(self, block: str, key: Hashable, found: tuple[int, tuple]) -> None:
        with self._lock:
            self._entries[(block, key)] = found
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def by_block(
    text: str,
    memo: BlockMemo,
    key: Hashable,
    scan: Callable[[str], Sequence[Item]],
    move: Callable[[Item, int], Item],
) -> list[Item]:
    """Everything `scan` finds in `text`, in order, scanning only the blocks `memo` has not seen under `key`.

    `move(item, delta)` gives the item with its offsets moved by `delta` (the item itself for 0, if it is
    immutable); a fresh text is scanned whole, so its items need no moving."""
    spans = block_spans(text)
    found: list[tuple[int, tuple] | None] = [memo.get(text[s:e], key) for s, e in spans]
    unseen = [i for i, entry in enumerate(found) if entry is None]
    if unseen:
        _scan_unseen(text, spans, unseen, found, memo, key, scan)
    result: list[Item] = []
    for (start, _end), (origin, items) in zip(spans, found):  # type: ignore[misc]
        result += [move(item, start - origin) for item in items]
    return result


def _scan_unseen(text, spans, unseen, found, memo, key, scan) -> None:
    """Scan the unseen blocks joined into one text; share out the items by block and remember them."""
    parts: list[str] = []
    offsets: list[int] = []  # where each unseen block starts in the joined text
    length = 0
    for n, i in enumerate(unseen):
        block = text[spans[i][0] : spans[i][1]]
        if n and not _contiguous(unseen, n) and not parts[-1].endswith("\n\n"):
            parts.append("\n\n")  # keep blocks that were apart apart
            length += 2
        offsets.append(length)
        parts.append(block)
        length += len(block)
    joined = "".join(parts)
    shares: list[list[Item]] = [[] for _ in unseen]
    crossing: set[int] = set()
    for item in scan(joined):
        n = bisect_right(offsets, item.start) - 1
        end_of_block = offsets[n] + spans[unseen[n]][1] - spans[unseen[n]][0]
        if item.end > end_of_block:
            crossing.update((n, n + 1))  # never true of either block alone: neither is remembered
            if not (n + 1 < len(unseen) and _contiguous(unseen, n + 1)):
                continue  # an artefact of joining blocks that are apart in the text
        shares[n].append(item)
    for n, i in enumerate(unseen):
        found[i] = (offsets[n], tuple(shares[n]))
        if n not in crossing:
            memo.put(text[spans[i][0] : spans[i][1]], key, found[i])


def moved(item, delta: int):
    """A frozen pydantic item (a fact, a commitment) with its offsets moved by `delta`."""
    if not delta:
        return item
    return item.model_copy(update={"start": item.start + delta, "end": item.end + delta})


def _contiguous(unseen: list[int], n: int) -> bool:
    """Whether the n-th unseen block directly follows the one before it in the text."""
    return unseen[n] == unseen[n - 1] + 1
