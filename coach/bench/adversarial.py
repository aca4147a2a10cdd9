"""Adversarial inputs: text shapes that make careless regexes and scans super-linear.

Each generator takes a length in characters and returns a text of about that length. The worst-case
bench runs each at 50,000 characters through analysis and the rewrite; the property test in
tests/test_linear_time.py checks that doubling the length at most doubles the time (with slack).
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str, length: int, head: str = "") -> str:
    body = length - len(head)
    return head + (unit * (body // len(unit) + 1))[: max(0, body)]


GENERATORS: dict[str, Callable[[int], str]] = {
    "one long token": lambda n: _repeat("A", n),
    "long lower-case word": lambda n: _repeat("ab", n),
    "prefixed ids": lambda n: _repeat("ORD-", n),
    "iso date fragments": lambda n: _repeat("2026-", n),
    "date fragments after a word": lambda n: _repeat("2026-", n, head="y "),
    "thousands separators": lambda n: _repeat(",000", n, head="1"),
    "digits and separators": lambda n: _repeat("1 2/3-4.5:6,", n),
    "spaced digit groups": lambda n: _repeat("2026 ", n),
    "repeated amounts": lambda n: _repeat("£1,", n),
    "hash ids": lambda n: _repeat("#1", n),
    "commitment phrases": lambda n: _repeat("will refund ", n),
    "commitments in sentences": lambda n: _repeat("I'll call you tomorrow and we will refund you. ", n),
    "slang words": lambda n: _repeat("mate lol ", n),
    "one long url": lambda n: _repeat("a/", n, head="https://example.com/"),
    "url fragments": lambda n: _repeat("www.a.co ", n),
    "email fragments": lambda n: _repeat("a@b.", n),
    "mixed scripts": lambda n: _repeat("Привет 注文 مرحبا ORD-1 ", n),
    "emoji and marks": lambda n: _repeat("😀!?", n),
    "many short sentences": lambda n: _repeat("Sorry. ", n),
    "many lines": lambda n: _repeat("ok\n", n),
    "quoted lines": lambda n: _repeat("> you said\n", n),
    "one long sentence": lambda n: _repeat("and the order ", n),
}
