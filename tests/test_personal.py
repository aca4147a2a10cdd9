"""Personalisation checks, the personalisation score and the familiarity risk."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.analysis import analyse
from coach.analysis.risk import familiarity_risk, is_unprofessional
from coach.schemas import Analysis, Context, Finding, Level, PastInteraction

SARAH = Context(customer_name="Sarah Okafor")
MS_OKAFOR = Context(customer_name="Sarah Okafor", address_as="Ms Okafor")


def check(analysis: Analysis, check_id: str):
    return next(c for c in analysis.checks if c.id == check_id)


def rules(analysis: Analysis) -> set[str]:
    return {f.rule for f in analysis.findings}


# --- name ------------------------------------------------------------------------------------


@pytest.mark.parametrize("draft", ["Hi Sarah, it has shipped.", "Dear Ms Okafor, it has shipped.", "Dear Sarah Okafor, it has shipped."])
def test_name_used_in_an_acceptable_form(draft: str):
    assert check(analyse(draft, SARAH), "name-used").passed


def test_preferred_form_is_required_when_given():
    assert check(analyse("Dear Ms. Okafor, it has shipped.", MS_OKAFOR), "name-used").passed
    wrong = analyse("Hi Sarah, it has shipped.", MS_OKAFOR)
    assert not check(wrong, "name-used").passed
    assert "personal.name-form" in rules(wrong)


def test_bare_surname_is_the_wrong_form():
    analysis = analyse("Okafor mate, it has shipped.", SARAH)
    assert not check(analysis, "name-used").passed
    finding = next(f for f in analysis.findings if f.rule == "personal.name-form")
    assert finding.match == "Okafor"


def test_missing_name_is_reported():
    analysis = analyse("Hello, your parcel has shipped and I'll update you tomorrow.", SARAH)
    assert not check(analysis, "name-used").passed
    assert "personal.name-missing" in rules(analysis)


def test_name_checks_do_not_apply_without_a_name():
    analysis = analyse("Hello, your parcel has shipped.")
    assert not check(analysis, "name-used").applicable
    assert "personal.name-missing" not in rules(analysis)


def test_wrong_name_is_an_error():
    analysis = analyse("Hi John, your parcel has shipped.", SARAH)
    finding = next(f for f in analysis.findings if f.rule == "personal.wrong-name")
    assert finding.level is Level.error and finding.match == "John"
    assert analysis.has_errors
    assert "personal.wrong-name" not in rules(analyse("Dear Customer, it has shipped.", SARAH))


# --- emotion ------------------------------------------------------------------------------------


def test_emotion_acknowledged_or_not():
    context = Context(customer_message="This is the third time it's late, I'm so frustrated!")
    ignored = analyse("Your order will arrive on Friday.", context)
    assert not check(ignored, "emotion-acknowledged").passed
    assert "personal.emotion-unacknowledged" in rules(ignored)
    heard = analyse("I'm sorry you've had to chase this again. It will arrive on Friday.", context)
    assert check(heard, "emotion-acknowledged").passed
    assert [e.name for e in heard.emotions] == ["frustration"]


def test_we_are_sorry_acknowledges_the_customer():
    context = Context(customer_message="This is the third time it's late, I'm so frustrated!")
    for draft in ["We're sorry it's late again; it will arrive on Friday.", "Sorry about the wait. It will arrive on Friday."]:
        assert check(analyse(draft, context), "emotion-acknowledged").passed, draft


def test_sarcastic_praise_asks_for_an_apology_not_thanks():
    context = Context(customer_message="Oh brilliant, another delay email. Really impressive work, well done everyone.")
    thanked = analyse("Thanks for your kind words! The new date for order #93310 is 9 April.", context)
    assert [e.name for e in thanked.emotions] == ["frustration"]
    assert not check(thanked, "emotion-acknowledged").passed
    owned = analyse("I'm sorry this has happened again. The new date for order #93310 is 9 April.", context)
    assert check(owned, "emotion-acknowledged").passed


def test_emotion_is_read_from_quoted_text_when_there_is_no_message():
    analysis = analyse("> I'm furious, this is unacceptable!\n\nYour order has shipped.")
    assert "anger" in [e.name for e in analysis.emotions]


# --- history --------------------------------------------------------------------------------------

HISTORY = Context(
    customer_message="My parcel is late again.",
    history=[PastInteraction(note="Parcel arrived late; apologised and refunded postage.", date=dt.date(2026, 2, 2))],
)


def test_relevant_history_referenced_or_not():
    missed = analyse("Your parcel will arrive tomorrow.", HISTORY)
    assert not check(missed, "history-referenced").passed
    assert "personal.history-unreferenced" in rules(missed)
    referenced = analyse("I'm sorry it's late again after last time; it will arrive tomorrow.", HISTORY)
    assert check(referenced, "history-referenced").passed


def test_history_date_counts_as_a_reference():
    context = Context(
        customer_message="Where's my parcel?",
        history=[PastInteraction(note="Parcel delayed at the depot.", date=dt.date(2026, 2, 2))],
    )
    assert check(analyse("Unlike the depot delay on 2 February 2026, this parcel is on time.", context), "history-referenced").passed


def test_unrelated_history_is_not_applicable():
    context = Context(
        customer_message="Can I change my password?",
        history=[PastInteraction(note="Asked about a wedding gift voucher.")],
    )
    assert not check(analyse("Yes, use the reset link.", context), "history-referenced").applicable


# --- next step, details, templates ------------------------------------------------------------


def test_refusal_without_a_next_step_is_a_warning():
    analysis = analyse("Unfortunately that is not possible.")
    finding = next(f for f in analysis.findings if f.rule == "personal.no-next-step")
    assert finding.level is Level.warning and finding.match == "Unfortunately"
    offered = analyse("Unfortunately that is not possible, but I can offer an exchange instead.")
    assert check(offered, "next-step").passed


def test_nothing_i_can_do_is_not_a_next_step():
    assert not check(analyse("Nothing I can do, sorry."), "next-step").passed


def test_details_only_when_the_customer_gave_them():
    context = Context(customer_message="The lamp arrived broken.")
    invented = analyse("I hope your daughter's birthday goes well; I'll send a new lamp.", context)
    assert "personal.unsupported-detail" in rules(invented)
    assert check(invented, "details-supported").points == -15
    given = Context(customer_message="The lamp for my daughter's birthday arrived broken.")
    assert "personal.unsupported-detail" not in rules(analyse("I hope your daughter's birthday goes well.", given))


def test_template_phrases_cost_points():
    plain = analyse("Hi Sarah, I'll send a new lamp today.", SARAH)
    stock = analyse("Hi Sarah, I'll send a new lamp today. We apologise for any inconvenience caused.", SARAH)
    assert stock.personalisation < plain.personalisation
    assert check(stock, "no-template-phrases").points < 0


# --- scores -----------------------------------------------------------------------------------------

FULL = Context(
    customer_name="Sarah Okafor",
    customer_message="This is the third time my parcel is late and I'm frustrated.",
    history=[PastInteraction(note="Parcel late in February; refunded postage.", date=dt.date(2026, 2, 2))],
)


def test_a_personal_reply_scores_high_and_a_careless_one_low():
    good = analyse("Hi Sarah, I'm sorry your parcel is late again after last time. I'll chase the courier today.", FULL)
    bad = analyse("hey mate lol, dunno where it is", FULL)
    assert good.personalisation == 100
    assert bad.personalisation <= 25
    assert bad.familiarity_risk == 100 and good.familiarity_risk == 0


def test_score_is_explained_by_the_checks():
    analysis = analyse("Hi Sarah, your parcel will arrive tomorrow.", FULL)
    applicable = [c for c in analysis.checks if c.applicable]
    possible = sum(c.max_points for c in applicable)
    earned = sum(c.points for c in applicable if c.max_points)
    penalties = sum(c.points for c in applicable if c.points < 0)
    assert analysis.personalisation == max(0, min(100, round(100 * earned / possible + penalties)))
    assert {c.id for c in analysis.checks} >= {"name-used", "emotion-acknowledged", "history-referenced", "next-step"}


def _finding(category: str, level: Level) -> Finding:
    return Finding(rule=f"{category}.x", category=category, level=level, message="m", start=0, end=1, line=1, column=1)


def test_familiarity_risk_weights_and_cap():
    assert familiarity_risk([]) == 0
    assert familiarity_risk([_finding("over-familiar", Level.error)]) == 40
    assert familiarity_risk([_finding("flippant", Level.warning), _finding("overreach", Level.suggestion)]) == 25
    assert familiarity_risk([_finding("blaming", Level.error)] * 5) == 100
    assert familiarity_risk([_finding("overcomplicated", Level.warning), _finding("personalisation", Level.suggestion)]) == 0
    # a reply still holding an error of any kind, a broken sentence or a placeholder is never risk 0
    assert familiarity_risk([_finding("overcomplicated", Level.error)]) == 20
    assert familiarity_risk([_finding("fluency", Level.warning)]) == 20
    assert familiarity_risk([_finding("placeholder", Level.warning)]) == 20


def test_detector_ignores_suggestions_and_other_categories():
    assert is_unprofessional([_finding("dismissive", Level.warning)])
    assert not is_unprofessional([_finding("over-familiar", Level.suggestion)])
    assert not is_unprofessional([_finding("overcomplicated", Level.error)])
