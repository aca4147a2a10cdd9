"""The fact guard: extracting protected facts and comparing a rewrite with its draft."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.analysis import compare_facts, extract_facts
from coach.analysis.commitments import find_commitments
from coach.analysis.regions import mask, protected_regions
from coach.schemas import Context

PAIRS = yaml.safe_load((Path(__file__).parent / "data" / "fact_pairs.yaml").read_text())["pairs"]


@pytest.mark.parametrize(
    ("text", "kind", "value", "normal"),
    [
        ("Your order #48213 is late.", "order", "#48213", "48213"),
        ("Your order 48213 is late.", "order", "48213", "48213"),
        ("Order ORD-2024-00017 shipped.", "order", "ORD-2024-00017", "ORD-2024-00017"),
        ("Ticket #9921 is open.", "ticket", "#9921", "9921"),
        ("Tracking: 1Z999AA10123456784.", "tracking", "1Z999AA10123456784", "1Z999AA10123456784"),
        ("Royal Mail ref AB123456789GB.", "tracking", "AB123456789GB", "AB123456789GB"),
        ("It costs £45.00.", "amount", "£45.00", "GBP 45.00"),
        ("It costs £45.", "amount", "£45", "GBP 45.00"),
        ("It costs $1,299.99.", "amount", "$1,299.99", "USD 1299.99"),
        ("It costs 45 EUR.", "amount", "45 EUR", "EUR 45.00"),
        ("It costs €12,50.", "amount", "€12,50", "EUR 12.50"),
        ("It costs 50p.", "amount", "50p", "GBP 0.50"),
        ("You save 20%.", "percentage", "20%", "20%"),
        ("You save 20 per cent.", "percentage", "20 per cent", "20%"),
        ("Due 12 March 2026.", "date", "12 March 2026", "2026-03-12"),
        ("Due 2026-03-12.", "date", "2026-03-12", "2026-03-12"),
        ("Due 12/03/2026.", "date", "12/03/2026", "2026-03-12"),
        ("Due 12-03-2026.", "date", "12-03-2026", "2026-03-12"),
        ("Due March 12th.", "date", "March 12th", "--03-12"),
        ("Due on Friday.", "date", "Friday", "weekday:friday"),
        ("Due tomorrow.", "date", "tomorrow", "rel:tomorrow"),
        ("Call at 3pm.", "time", "3pm", "15:00"),
        ("Call at 15:00.", "time", "15:00", "15:00"),
        ("Call at 3:30 p.m.", "time", "3:30 p.m.", "15:30"),
        ("Allow 5-7 days.", "duration", "5-7 days", "120-168 h"),
        ("We reply within 48 hours.", "duration", "within 48 hours", "48 h"),
        ("We reply within two days.", "duration", "within two days", "48 h"),
        ("Refunds take 3 to 5 working days.", "duration", "3 to 5 working days", "3-5 working-day"),
        ("See https://www.example.com/returns.", "url", "https://www.example.com/returns", "example.com/returns"),
        ("See example.com/help for more.", "url", "example.com/help", "example.com/help"),
        ("Email Support@Example.com today", "email", "Support@Example.com", "support@example.com"),
        ("Call +44 20 7946 0958.", "phone", "+44 20 7946 0958", "+442079460958"),
        ("Call 020 7946 0958.", "phone", "020 7946 0958", "02079460958"),
        ("Item SKU-1234 is back.", "product_code", "SKU-1234", "SKU-1234"),
        # tracking numbers written in groups
        ("Tracking number: 9400 1118 9922 3344 5566 77.", "tracking", "9400 1118 9922 3344 5566 77", "9400111899223344556677"),
        ("Special Delivery, tracking RM 8821 3301 5GB.", "tracking", "RM 8821 3301 5GB", "RM882133015GB"),
        ("Royal Mail RM 8821 3301 5GB is on its way.", "reference", "RM 8821 3301 5GB", "RM882133015GB"),
        ("Our VAT number is GB 123 4567 89.", "reference", "GB 123 4567 89", "GB123456789"),
        # codes: capitals and digits joined by hyphens
        ("Your quote reference is Q-77310.", "reference", "Q-77310", "Q-77310"),
        ("A discount code, LOYAL15-QZ, on your next order.", "reference", "LOYAL15-QZ", "LOYAL15-QZ"),
        ("Your code SORRY10-8XK2 is valid until July.", "reference", "SORRY10-8XK2", "SORRY10-8XK2"),
        ("The replacement part, number 4471-B, arrives soon.", "reference", "4471-B", "4471-B"),
        ("Batch 2026-118 was well within its date.", "reference", "2026-118", "2026-118"),
        # the tail of a card or an address, numbers with a leading zero, postcodes
        ("It went to the card ending 7731 on 8 April.", "reference", "7731", "7731"),
        ("The card whose last four digits are 7731.", "reference", "7731", "7731"),
        ("Delivered to the address ending 4RT.", "reference", "4RT", "4RT"),
        ("I've entered your reading of 04712.", "number", "04712", "04712"),
        ("Posted to the address ending NW3 2QP.", "postcode", "NW3 2QP", "NW32QP"),
        ("We deliver to ZIP 10001 only.", "postcode", "10001", "10001"),
        ("Customs charged CA$18.40.", "amount", "CA$18.40", "CAD 18.40"),
        ("It comes with a 2-year warranty.", "duration", "2-year", "24 month"),
        # weekdays written short, slots after a weekday, dates in Spanish, German and French
        ("The engineer can come Tues 9-1, ok?", "date", "Tues", "weekday:tuesday"),
        ("The engineer can come Tues 9-1, ok?", "time", "9", "09:00"),
        ("The engineer can come Tues 9-1, ok?", "time", "1", "13:00"),
        ("We can do Sat 2-5pm.", "time", "2", "14:00"),
        ("Open Mon-Fri.", "date", "Mon", "weekday:monday"),
        ("Open Mon-Fri, 9-5.", "time", "5", "17:00"),
        ("Se procesó el 3 de mayo.", "date", "3 de mayo", "--05-03"),
        ("Se procesó el 3 de mayo de 2026.", "date", "3 de mayo de 2026", "2026-05-03"),
        ("Die Erstattung kam am 3. Mai 2026.", "date", "3. Mai 2026", "2026-05-03"),
        ("Remboursé le 3 mai.", "date", "3 mai", "--05-03"),
        ("Remboursé le 1er mars.", "date", "1er mars", "--03-01"),
    ],
)
def test_extraction(text: str, kind: str, value: str, normal: str):
    facts = extract_facts(text)
    assert any(f.kind == kind and f.value == value and f.normal == normal for f in facts), facts


def test_us_locale_reads_month_first():
    assert extract_facts("Due 03/12/2026.", "en-US")[0].normal == "2026-03-12"
    assert extract_facts("Due 03/12/2026.", "en-GB")[0].normal == "2026-12-03"


@pytest.mark.parametrize(
    "text",
    ["I may 12 things.", "Open 24 hours a day.", "Thanks for your patience.", "Version 2 is better.", "3 items left."],
)
def test_no_false_facts(text: str):
    kinds = {f.kind for f in extract_facts(text)}
    assert not kinds & {"date", "amount", "phone", "order"}, extract_facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "It's a one-off, 2-year deal with a 6-digit code.", "Open 9-5 is fine.", "Wi-Fi and Mon-Fri",
        "Allow 5-7 days.", "Prices for 2025-2026 and 2026-03.", "Order a clip-on T-shirt.", "I sat in the sun on Wed.",
        "Three Mars bars and 3 mayo sachets.", "Tues 2-3 hours is plenty.",
    ],
)
def test_hyphenated_words_ranges_and_lookalikes_are_not_codes(text: str):
    facts = extract_facts(text)
    assert not [f for f in facts if f.kind in ("reference", "number", "postcode", "time")], facts
    assert not [f for f in facts if f.kind == "date" and f.normal[:1] in "-0123456789"], facts


def test_a_code_keeps_its_zeros_and_a_spaced_code_its_digits():
    assert compare_facts("Reading 04712 entered.", "Reading 04712 entered.").ok
    assert not compare_facts("Reading 04712 entered.", "Reading 4712 entered.").ok
    assert compare_facts("Tracking number: 9400 1118 9922 3344 5566 77.", "Tracking 9400111899223344556677.").ok


def test_spans_point_into_the_text():
    text = (
        "Order #48213: £45.00 refunded on 12 March, tracking 1Z999AA10123456784. Tues 9-1pm, ref Q-77310, "
        "card ending 7731, NW3 2QP, reading 04712, el 3 de mayo, tracking RM 8821 3301 5GB."
    )
    facts = extract_facts(text)
    assert len(facts) == 13
    for fact in facts:
        assert text[fact.start : fact.end] == fact.value


# --- the table of pairs ---------------------------------------------------------------------


def test_the_table_is_big_enough():
    assert len(PAIRS) >= 30
    assert sum(not p["expect"] for p in PAIRS) >= 10  # faithful paraphrases
    assert sum(bool(p["expect"]) for p in PAIRS) >= 20  # altered, dropped or invented facts


@pytest.mark.parametrize("pair", PAIRS, ids=[p["id"] for p in PAIRS])
def test_fact_pairs(pair: dict):
    context = Context.model_validate(pair["context"]) if pair.get("context") else None
    check = compare_facts(pair["draft"], pair["rewrite"], context)
    expect = pair["expect"]
    assert sorted(f.value for f in check.missing) == sorted(expect.get("missing", []))
    assert sorted([a.before.value, a.after.value] for a in check.altered) == sorted(expect.get("altered", []))
    assert sorted(f.value for f in check.added) == sorted(expect.get("added", []))
    assert sorted({c.kind for c in check.new_commitments}) == sorted(expect.get("new_commitments", []))
    assert len(check.protected_changed) == expect.get("protected_changed", 0)
    assert check.ok == (not expect)


def test_kept_lists_the_draft_facts():
    check = compare_facts("Order #48213, £45.00, ships in 5-7 days.", "Order 48213 (£45) ships within 5-7 days.")
    assert [f.value for f in check.kept] == ["#48213", "£45.00", "in 5-7 days"]
    assert check.ok


# --- commitments and protected regions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("We'll refund you in full.", {"refund"}),
        ("We can't offer a refund.", set()),
        ("A refund isn't possible, but we'll send a replacement.", {"replacement"}),
        ("I've added a £10 voucher as a goodwill gesture.", {"compensation"}),
        ("I promise it will be there by Friday.", {"guarantee", "deadline"}),
        ("We cannot guarantee delivery before Christmas.", set()),
        ("Pay with your credit card.", set()),
    ],
)
def test_commitments(text: str, kinds: set[str]):
    assert {c.kind for c in find_commitments(text)} == kinds


def test_quoted_customer_words_are_not_our_commitments():
    draft = "> I want a full refund by Friday!\n\nThanks for your message."
    rewrite = "> I want a full refund by Friday!\n\nThank you for your message, Ms Okafor."
    assert compare_facts(draft, rewrite).ok


def test_protected_regions():
    text = "Hello\n> quoted line\n> another\nBody\n-- \nJo\nSupport"
    regions = protected_regions(text)
    assert [r.kind for r in regions] == ["quote", "quote", "signature"]
    assert regions[-1].text(text) == "-- \nJo\nSupport"
    masked = mask(text, regions)
    assert len(masked) == len(text) and "quoted" not in masked and "Body" in masked
