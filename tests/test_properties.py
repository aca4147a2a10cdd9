"""Property-based checks on the deterministic core: any string in, no exception out, and a text
compared with itself never shows a fact change."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.analysis import analyse, compare_facts, extract_facts
from coach.schemas import Channel, Context, PastInteraction

# Text that looks like support replies: facts, slang, emoji, quotes, RTL and control characters.
_PIECES = st.sampled_from(
    [
        "order #48213", "£45.00", "$1,299.99", "12 March 2026", "2026-03-12", "03/04/2026", "https://x.example/a?b=1",
        "TRK-99812-GB", "mate", "lol", "!!!", "😀😀😀", "\n> quoted line\n", "\n--\nJo\nSupport\n", "company policy",
        "I don't know", "you should have", "مرحبا", "שלום", "你好", "\u202e", "\x00", "\r\n", "  ", "Mr. Mate",
        "no charge", "I'll refund you", "by Friday", "10%", "3pm", "+44 20 7946 0958", "help@example.com",
    ]
)
_TEXT = st.one_of(st.text(max_size=300), st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=25).map(" ".join))
_CONTEXT = st.builds(
    Context,
    customer_name=st.one_of(st.none(), st.text(max_size=30)),
    customer_message=st.one_of(st.none(), _TEXT),
    history=st.lists(st.builds(PastInteraction, note=st.text(min_size=1, max_size=50)), max_size=3),
    channel=st.sampled_from(list(Channel)),
)
_RELAXED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_RELAXED
@given(_TEXT, _CONTEXT)
def test_analyse_never_raises_and_scores_stay_in_range(text, context):
    analysis = analyse(text, context)
    assert 0 <= analysis.personalisation <= 100 and 0 <= analysis.familiarity_risk <= 100
    for finding in analysis.findings:
        assert 0 <= finding.start <= finding.end <= len(text)


@_RELAXED
@given(_TEXT)
def test_fact_spans_point_at_their_values(text):
    for fact in extract_facts(text):
        assert text[fact.start : fact.end] == fact.value


@_RELAXED
@given(_TEXT, _CONTEXT)
def test_a_text_compared_with_itself_shows_no_fact_change(text, context):
    check = compare_facts(text, text, context)
    assert not (check.missing or check.altered or check.new_commitments or check.protected_changed)
    assert not check.added
