"""Verification: each check a rewrite must pass, stated as a sentence the repair prompt can use."""

from __future__ import annotations

import pytest

from coach.analysis import analyse
from coach.schemas import Constraints, Context, RewriteRequest
from coach.verify import verify

DRAFT = "hey mate, your order #48213 of £45.00 ships on 12 March. Track it at https://track.example.com/48213"
CONTEXT = Context(customer_name="Sarah", customer_message="This is the second time my order is late!")
GOOD = (
    "Hi Sarah, I'm sorry your order is late again. Your order #48213 of £45.00 ships on 12 March, "
    "and you can follow it at https://track.example.com/48213"
)


def _verify(text: str, draft: str = DRAFT, context: Context = CONTEXT, **constraints):
    request = RewriteRequest(draft=draft, context=context, constraints=Constraints(**constraints))
    return verify(request, analyse(draft, context), text)


def test_a_faithful_personal_rewrite_passes():
    verdict = _verify(GOOD)
    assert verdict.ok, verdict.violations
    assert verdict.facts.ok and verdict.analysis.personalisation > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("#48213 ", "#48231 "), "changed"),
        (GOOD.replace("£45.00", "£54.00"), "changed"),
        (GOOD.replace(", and you can follow it at https://track.example.com/48213", "."), "missing"),
        (GOOD + " I have also refunded you £10.", "new"),
        (GOOD + " I'll send you a replacement.", "commitment"),
        (GOOD.replace("Hi Sarah, ", "Hi mate, "), "breaks over-familiar"),
        (GOOD.replace("Hi Sarah, I'm", "I'm"), "name is not used"),
        ("", "empty"),
    ],
)
def test_each_violation_is_named(text, expected):
    verdict = _verify(text)
    assert not verdict.ok
    assert any(expected in v for v in verdict.violations), verdict.violations


def test_keep_wording_and_length_bound():
    verdict = _verify(GOOD, keep=["ships on 12 March", "Kind regards"], max_words=10)
    assert any('"Kind regards" word for word' in v for v in verdict.violations)
    assert not any('"ships on 12 March"' in v for v in verdict.violations)
    assert any("the limit is 10" in v for v in verdict.violations)


def test_a_switch_of_language_is_caught():
    draft = "Hallo Herr Weber, Ihre Bestellung #48213 ist leider noch nicht bei uns eingetroffen. Wir melden uns bei Ihnen."
    english = "Hello Mr Weber, your order #48213 has not reached us yet and we will be in touch with you."
    context = Context(customer_name="Herr Weber")
    verdict = _verify(english, draft=draft, context=context)
    assert any("draft in de" in v for v in verdict.violations), verdict.violations
    assert _verify(draft, draft=draft, context=context).ok
