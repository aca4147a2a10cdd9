"""Benchmark: `analyse()` on a 2,000-word draft with a full context (target: under 20 ms on one core).

The draft mixes plain prose with the things the analysis looks for: slang, blame, facts, quoted
customer text and a signature, so every rule, check and fact pattern does real work.
"""

from __future__ import annotations

import statistics
import time

from coach.schemas import Context, PastInteraction

_PARAGRAPHS = [
    "Hi Sarah, thanks for getting back to us about order #48213. I've checked with the warehouse and "
    "the parcel left on 12 March 2026; the tracking code is 1Z999AA10123456784 and it should arrive in 5-7 days.",
    "No worries mate, these things happen lol. Obviously the courier should have scanned it, but as I already "
    "said, there's nothing I can do about their systems. You should have chosen tracked delivery!!",
    "I understand how frustrating it is to wait again after last time. I'll chase the courier today at 3pm and "
    "email you at sarah.okafor@example.com by Friday with an update, or call you on 020 7946 0958 if you prefer.",
    "If the parcel doesn't turn up, I can refund the £45.00 in full or send a replacement, whichever you prefer. "
    "You can also start a return at https://www.example.com/returns within 30 days and we'll cover the postage.",
    "Please be advised that our backend sync runs overnight, so the SKU-1234 listing may show as OOS until the "
    "morning, which is not unlikely during busy periods when the fulfilment centre is processing a great many "
    "orders at once and the system takes a little longer than usual to catch up with everything that has changed.",
    "> I've been waiting for over a week and nobody has told me anything.\n> This is the third time!",
    "Thanks again for your patience, Ms Okafor. I know how important this delivery is, and I'm sorry it has "
    "taken longer than we promised. I've added a note to your account so anyone you speak to can see the history.",
]
_SIGNATURE = "\n-- \nJo Marsh\nCustomer Care, Example Ltd\n"


def sample_draft(words: int = 2000) -> str:
    paragraphs: list[str] = []
    count = 0
    i = 0
    while count < words:
        paragraph = _PARAGRAPHS[i % len(_PARAGRAPHS)]
        paragraphs.append(vary(paragraph, i // len(_PARAGRAPHS)))
        count += len(paragraph.split())
        i += 1
    return "\n\n".join(paragraphs) + "\n" + _SIGNATURE


def vary(paragraph: str, round_: int) -> str:
    """The paragraph as the `round_`-th repeat of the sample gives it: marked "(ii)", "(iii)", ... from the
    second round on, so no two paragraphs of a long draft are the same text and nothing that reuses the
    work done on a paragraph makes a long draft cheaper than a real one."""
    return paragraph if round_ == 0 else f"{paragraph} ({_roman(round_ + 1).lower()})"


def _roman(number: int) -> str:
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip
    digits = []
    for value, numeral in numerals:
        count, number = divmod(number, value)
        digits.append(numeral * count)
    return "".join(digits)


def sample_context() -> Context:
    return Context(
        customer_name="Sarah Okafor",
        address_as="Ms Okafor",
        customer_message="This is the THIRD time my order #48213 is late. I'm furious and I need it by Friday!!",
        history=[
            PastInteraction(note="Order 47001 arrived late; apologised and gave a 10% voucher.", date="2026-02-02"),
            PastInteraction(note="Asked about changing the delivery address.", date="2025-11-20"),
        ],
    )


def distinct_sentences(draft: str) -> str:
    """The draft with every sentence made unique ("... in full (s12)."): the learned models score each
    distinct sentence once, so a draft of repeated paragraphs would flatter them."""
    import itertools
    import re

    counter = itertools.count(1)
    return re.sub(r"(?<=[a-z0-9])([.!?])(?=\s)", lambda m: f" (s{next(counter)}){m.group(1)}", draft)


def run(repeats: int = 50, words: int = 2000, learned: bool = False) -> dict[str, float | int]:
    """Time `analyse()` on one core: median and p95 in milliseconds, after one warm-up call. `learned`: with
    the tone and emotion models, on the draft with every sentence distinct (their sentence vectors and
    scores are forgotten before each call too)."""
    from coach.analysis import analyse, clear_caches

    draft, context = sample_draft(words), sample_context()
    if learned:
        draft = distinct_sentences(draft)
    started = time.perf_counter()
    analyse(draft, context, learned=learned)  # warm-up: loads the rules, lexicons and models once per process
    first_ms = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(max(1, repeats)):
        clear_caches()  # each call costs what a new draft would
        started = time.perf_counter()
        analyse(draft, context, learned=learned)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95_index = min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))
    return {
        "words": len(draft.split()),
        "chars": len(draft),
        "repeats": len(samples),
        "first_call_ms": round(first_ms, 2),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[p95_index], 2),
        "min_ms": round(samples[0], 2),
        "max_ms": round(samples[-1], 2),
    }


def lint_cold_start(repeats: int = 5) -> dict[str, float | int]:
    """Seconds for `coach lint` on a short draft in a fresh process (imports, rules, models), wall time."""
    import subprocess
    import sys

    from coach.bench.common import summarise

    command = [sys.executable, "-m", "coach.cli", "lint", "hey mate, your order #48213 is late again lol", "--name", "Sarah"]
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        samples.append(time.perf_counter() - started)
    return summarise(samples)


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(run(), indent=2))
