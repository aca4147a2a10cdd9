"""Regexes that run lower-case on the lower-cased text must find exactly what IGNORECASE finds."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.analysis.language import SAMPLE, guess_language
from coach.analysis.text import caseless, has_cased_letter, lower_case_pattern, lower_keeping_offsets, on_lowered

PATTERNS = [
    r"\bRefund\w*",
    r"\b(?P<kw>Order|PO)\s*#?\s*(?P<id>\d+)",
    r"(?<![\w\-])(?:I['’]m\s+sorry|we\s+are\s+sorry)(?![\w\-])",
    r"[A-Z]{2}-\d+",
    r"\bFoo\S+\W",
    r"(?P<word>ab)c(?P=word)",
]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\b(?P<kw>Order)\s+\S+", r"\b(?P<kw>order)\s+\S+"),  # group names and escapes keep their case
        (r"[A-Z]{2}\d", r"[a-z]{2}\d"),
        (r"(?-i:[A-Z])x", None),  # a part that must keep its case
        (r"\u00C9t\xe9", None),  # a letter written as an escape
        (r"(a)\1", None),  # a back-reference
        (r"[\U0001F300-\U0001FAFF\u2764]", r"[\U0001F300-\U0001FAFF\u2764]"),  # escapes of uncased characters stay
    ],
)
def test_lower_case_pattern(source, expected):
    assert lower_case_pattern(source) == expected


@pytest.mark.parametrize(
    ("source", "cased"),
    [
        (r"[\U0001F300-\U0001FAFF\u2764\u263A]", False),
        (r"(?:[!?]{2,})|(?:‼)", False),
        (r"[\w][\w'’-]*", False),
        (r"\bmate\b", True),
        (r"\x41", True),  # "A"
        (r"(?P<a>\w+) (?P=a)", True),  # a back-reference matches in either case under IGNORECASE
        (r"\N{NO SUCH CHARACTER}", True),  # left for the regex compiler to report
    ],
)
def test_has_cased_letter(source, cased):
    assert has_cased_letter(source) is cased


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcoOrRdDeEfFuUnN PpIi'’m#0123456789-sSyYwWİ\n", max_size=60))
def test_caseless_finds_what_ignorecase_finds(text):
    for source in PATTERNS:
        regex = caseless(source)
        assert on_lowered(regex)
        found = [m.span() for m in regex.finditer(lower_keeping_offsets(text))]
        assert found == [m.span() for m in re.finditer(source, text, re.IGNORECASE)]


def test_a_dotted_capital_i_is_read_as_ignorecase_reads_it():
    text = "İ'M SORRY about order #4821"
    assert len(lower_keeping_offsets(text)) == len(text)
    assert caseless(PATTERNS[2]).search(lower_keeping_offsets(text)).span() == re.search(PATTERNS[2], text, re.I).span()


def test_the_language_is_guessed_from_the_start_of_a_long_text():
    english = "Thank you for your patience, we will send the parcel to you and it is on the way. " * 60
    german = "Vielen Dank für Ihre Geduld, wir haben das Paket nicht und ich bin mit der Lieferung nicht zufrieden. " * 200
    assert len(english) > SAMPLE
    assert guess_language(english + german) == "en"
    assert guess_language(german + english) == "de"
