"""What a process derives from a Chroma collection (the BM25 index, the card head), kept per revision.

Nothing derived is stored: each process builds it from the collection on first use and builds it again
when `coach ingest` stamps a new revision, so every API replica on one Chroma server agrees with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerRevision(Generic[T]):
    """One value per collection, built by `build(collection)` and rebuilt when the revision in its key changes."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self._build = build
        self._values: dict[tuple, T] = {}
        self._lock = threading.Lock()

    def get(self, collection, key: tuple) -> T:
        """`key` names the store, the collection and, last, its revision (`coach.knowledge.lexical.revision`)."""
        with self._lock:
            value = self._values.get(key)
            if value is None:
                for old in [k for k in self._values if k[:-1] == key[:-1]]:
                    del self._values[old]  # an older revision of the same collection
                value = self._values[key] = self._build(collection)
            return value
