"""Paragraph-by-paragraph reuse (coach.analysis.blocks): a rewrite is scanned only where it changed, and
what it finds is what a scan of the whole text finds."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.analysis import analyse, clear_caches, extract_facts, load_rules
from coach.analysis.blocks import BlockMemo, block_spans, by_block
from coach.analysis.document import Document
from coach.bench.samples import long_answer, long_request
from coach.schemas import Context


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def _matches(pattern: str):
    return lambda text: [Word(m.group(), m.start(), m.end()) for m in re.finditer(pattern, text)]


def _move(word: Word, delta: int) -> Word:
    return replace(word, start=word.start + delta, end=word.end + delta)


class Scanner:
    """A scan that finds words (or what `pattern` matches) and records the texts it was given."""

    def __init__(self, pattern: str = r"\S+") -> None:
        self.find, self.seen = _matches(pattern), []

    def __call__(self, text: str):
        self.seen.append(text)
        return self.find(text)


def test_blocks_cover_the_text_and_keep_the_signature_whole():
    text = "Hi Sarah,\n\nYour order left today.\n \n\nThanks\n-- \nJo\n\nExample Ltd\n"
    spans = block_spans(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert [text[s:e] for s, e in spans] == ["Hi Sarah,\n\n", "Your order left today.\n \n\n", "Thanks\n", "-- \nJo\n\nExample Ltd\n"]
    assert block_spans("") == ()
    assert block_spans("one line") == ((0, 8),)


def test_only_unseen_paragraphs_are_scanned_and_items_land_where_they_are():
    memo, scan = BlockMemo(), Scanner()
    draft = "kept one\n\nold two\n\nkept three"
    rewrite = "new zero\n\nkept one\n\nkept three"
    assert by_block(draft, memo, "k", scan, _move) == scan.find(draft)
    assert scan.seen == [draft]  # a fresh text is scanned whole, in one pass
    found = by_block(rewrite, memo, "k", scan, _move)
    assert found == scan.find(rewrite)
    assert scan.seen[1] == "new zero\n\n"  # the two kept paragraphs came from the memo
    by_block(rewrite, memo, "other key", scan, _move)
    assert scan.seen[2] == rewrite  # another key is another check: nothing reused


def test_blocks_apart_in_the_text_stay_apart_when_scanned_together():
    memo = BlockMemo()
    scan = Scanner(r"\S+(?:\n\ny)?")  # a careless pattern that runs over a blank line into "y"
    by_block("kept\n\nend", memo, "k", scan, _move)
    assert len(memo) == 2
    found = by_block("x\n\nkept\n\ny", memo, "k", scan, _move)
    assert scan.seen[-1] == "x\n\ny"  # the unseen blocks, joined
    assert [w.text for w in found] == ["kept"]  # "x\n\ny" exists only in the joined text: dropped
    assert len(memo) == 2  # and neither "x" nor "y" is remembered with it


def test_an_item_over_a_blank_line_is_kept_but_its_blocks_are_not_remembered():
    memo, scan = BlockMemo(), Scanner(r"\S+(?:\n\n\S+)?")  # a "word" may run over one blank line
    text = "one\n\ntwo\n\nthree"
    assert [w.text for w in by_block(text, memo, "k", scan, _move)] == ["one\n\ntwo", "three"]
    assert len(memo) == 1  # only "three"


def test_the_memo_forgets_the_least_recently_used():
    memo = BlockMemo(maxsize=2)
    memo.put("a", 1, (0, ()))
    memo.put("b", 1, (0, ()))
    assert memo.get("a", 1) is not None  # "a" used last
    memo.put("c", 1, (0, ()))
    assert memo.get("b", 1) is None and memo.get("a", 1) is not None and len(memo) == 2


def _same(a, b):
    strip = lambda analysis: analysis.model_dump(mode="json")  # noqa: E731
    return strip(a) == strip(b)


def test_a_rewrite_analysed_after_its_draft_reads_as_if_analysed_alone():
    request, answer = long_request(600), long_answer(600)
    clear_caches()
    alone = analyse(answer, request.context)
    clear_caches()
    analyse(request.draft, request.context)
    after_draft = analyse(answer, request.context)
    assert _same(after_draft, alone)
    assert after_draft.findings and after_draft.facts  # something to compare


def test_findings_of_a_paragraph_depend_on_the_context():
    text = "Hi Sarah,\n\nno worries mate, it is on its way."
    clear_caches()
    named = analyse(text, Context(customer_name="Sarah Okafor"))
    unnamed = analyse(text)
    clear_caches()
    assert _same(unnamed, analyse(text))
    assert {c.id for c in named.checks if c.applicable} != {c.id for c in unnamed.checks if c.applicable}


_PARAGRAPHS = [
    "hey mate, your order #48213 is late lol.",
    "I'm sorry, there's nothing I can do about the courier!!!",
    "> Where is my parcel?\n> It's late AGAIN.",
    "You should have chosen tracked delivery. Refund of £45.00 by 14 March.",
    "I'll chase the courier today at 3pm and email you by Friday.",
    "Kind regards,\nJo",
    "-- \nJo Marsh\n\nExample Ltd",
    "Please be advised that the SKU-1234 listing may show as OOS until the morning.",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_PARAGRAPHS), min_size=1, max_size=6), st.lists(st.sampled_from(_PARAGRAPHS), min_size=1, max_size=6))
def test_reuse_never_changes_what_is_found(first, second):
    context = Context(customer_name="Sarah Okafor", customer_message="Where is my order? I'm furious.")
    a, b = "\n\n".join(first), "\n\n".join(second)
    clear_caches()
    rules = load_rules()
    fresh_rules = rules.run(Document(b, context))
    fresh_facts = extract_facts(b)
    analyse(a, context)  # the memo now holds a's paragraphs
    assert [(f.rule, f.start, f.end, f.line, f.column) for f in rules.run_by_block(Document(b, context))] == [
        (f.rule, f.start, f.end, f.line, f.column) for f in fresh_rules
    ]
    assert extract_facts(b) == fresh_facts


@pytest.fixture(autouse=True)
def _fresh():
    clear_caches()
    yield
    clear_caches()


def test_the_memo_is_safe_to_share_between_threads():
    from concurrent.futures import ThreadPoolExecutor

    memo = BlockMemo(maxsize=8)  # small: entries are evicted while other threads read them

    def work(n: int) -> bool:
        text = "\n\n".join(f"paragraph {n % 5} {i}" for i in range(12))
        return by_block(text, memo, "k", Scanner(), _move) == Scanner().find(text)

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(400)))
    assert len(memo) <= 8
