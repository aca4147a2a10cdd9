"""The text the rules engine edits, and the log of what it changed.

Every protected span of the draft (quoted lines, the signature, facts, the agent's `keep` wording)
is swapped for one private-use character, a *slot*, so no edit can reach inside it; `restore` puts
the originals back byte for byte. Slots are not word characters, so no rule or template can match
across one, and a sentence that holds a slot holds a fact that must survive.

*Markers* are private-use characters too, zero-width notes from one step to a later one: "a
finding of rule R starts here", "a next step is wanted after this sentence". `restore` drops them.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from coach.schemas import Change

_PRIVATE_PLANES = (range(0xF0000, 0xFFFFE), range(0x100000, 0x10FFFE))
_PRIVATE = re.compile("[\U000f0000-\U0010ffff]")


class Symbols:
    """Private-use characters that the draft does not contain."""

    def __init__(self, draft: str, reserved: int = 0) -> None:
        self._taken = set(_PRIVATE.findall(draft))
        # The first `reserved` characters are already handed out (to the shared markers).
        self._codes = itertools.islice((code for plane in _PRIVATE_PLANES for code in plane), reserved, None)

    @property
    def clean(self) -> bool:
        """The draft itself holds none of these characters."""
        return not self._taken

    def take(self) -> str:
        for code in self._codes:
            char = chr(code)
            if char not in self._taken:
                self._taken.add(char)
                return char
        raise RuntimeError("no private-use character left for a placeholder")  # pragma: no cover - 130k slots


@dataclass(frozen=True)
class Markers:
    """The marker characters of one rewrite."""

    opens: dict[str, str]  # rule id -> "a finding of this rule starts here"
    close: str  # ... and ends here
    tidy: str  # an edit here may leave a sentence too short to keep
    next_steps: dict[str, str]  # next-step kind -> "add this next step after this sentence if none is offered"
    greeting: str  # the greeting ends here (short register: may run into the next sentence)

    @classmethod
    def allocate(cls, symbols: Symbols, rules: list[str], next_kinds: list[str]) -> Markers:
        return cls(
            opens={rule: symbols.take() for rule in rules},
            close=symbols.take(),
            tidy=symbols.take(),
            next_steps={kind: symbols.take() for kind in next_kinds},
            greeting=symbols.take(),
        )

    @classmethod
    @lru_cache(maxsize=8)
    def shared(cls, rules: tuple[str, ...], next_kinds: tuple[str, ...]) -> Markers:
        """The markers of every draft that holds no private-use characters (nearly all): allocated once."""
        return cls.allocate(Symbols(""), list(rules), list(next_kinds))

    def count(self) -> int:
        return len(self.all())

    def all(self) -> str:
        return "".join([*self.opens.values(), self.close, self.tidy, *self.next_steps.values(), self.greeting])


@dataclass
class Work:
    text: str
    slots: dict[str, str]  # slot character -> the protected text it stands for
    markers: Markers
    changes: list[Change] = field(default_factory=list)
    boilerplate: frozenset[str] = frozenset()  # slots of quoted lines and the signature, which say nothing of ours
    emptied: bool = False  # the edits left none of the agent's own words
    greeting_written: bool = False  # the greeting is ours, so its layout is ours to choose
    added_words: int = 0  # words of the optional additions (a new greeting, acknowledgement, history, next step)

    def __post_init__(self) -> None:
        table: dict[int, str | None] = {ord(ch): original for ch, original in self.slots.items()}
        table.update({ord(ch): None for ch in self.markers.all()})
        self._restore = table
        self._logged: set[tuple[str, str, str, str]] = {(c.kind, c.before, c.after, c.reason) for c in self.changes}
        self._marker_re = re.compile(f"[{re.escape(self.markers.all())}]")
        self._slot_re = re.compile(f"[{re.escape(''.join(self.slots))}]") if self.slots else None

    def copy(self) -> Work:
        twin = copy.copy(self)  # shares the restore table and regexes, which never change
        twin.changes = list(self.changes)
        twin._logged = set(self._logged)
        return twin

    def restore(self, text: str | None = None) -> str:
        return (self.text if text is None else text).translate(self._restore)

    def unmarked(self, text: str | None = None) -> str:
        """The text without markers (slots stay)."""
        return self._marker_re.sub("", self.text if text is None else text)

    def drop_markers(self, markers: str) -> None:
        """Remove markers; one that stood alone (where a sentence was) takes the spaces after it along."""
        if markers:
            chars = re.escape(markers)
            self.text = re.sub(f"[{chars}]", "", re.sub(f"(?<![^\\s])[{chars}]+[ \\t]*", "", self.text))

    def slots_in(self, text: str) -> list[str]:
        return self._slot_re.findall(text) if self._slot_re else []

    def is_slot(self, char: str) -> bool:
        return char in self.slots

    def has_body(self) -> bool:
        """Whether any of the agent's own words (or facts) are left after the greeting."""
        at = self.text.find(self.markers.greeting)
        body = self.text[at + 1 :] if at >= 0 else self.text
        if re.search(r"[^\W_]", body):
            return True
        return any(ch not in self.boilerplate for ch in self.slots_in(body))

    def log(self, kind: str, before: str, after: str, reason: str, cites: list[str]) -> None:
        before, after = self.restore(before).strip(), self.restore(after).strip()
        key = (kind, before, after, reason)
        if key not in self._logged:  # the same fix in several places is one change
            self._logged.add(key)
            self.changes.append(Change(kind=kind, before=before, after=after, reason=reason, cites=list(cites)))


def words(text: str) -> int:
    """Words as the verifier counts them."""
    return len(text.split())
