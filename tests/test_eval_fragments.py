"""The fragment check used as an eval metric (coach.evals.fragments)."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from coach.evals.fragments import Fragment, fragments, has_finite_verb, sentences


def problems(text: str) -> list[tuple[str, str]]:
    return [(f.sentence, f.problem) for f in fragments(text)]


def kinds(text: str) -> list[str]:
    return [f.problem for f in fragments(text)]


# ------------------------------------------------------------------------------------------ regressions


def test_regression_dangling_clause_is_no_finite_verb():
    text = "Sorry we missed you. For not being home last time though, so… we'll rebook it for Friday."
    assert problems(text) == [("For not being home last time though, so…", "no-finite-verb")]


def test_regression_leading_and():
    assert problems("And thank you for reaching out.") == [("And thank you for reaching out.", "leading-conjunction")]


def test_regression_please_please():
    assert problems("Please please proceed with the form.") == [
        ("Please please proceed with the form.", "doubled-word")
    ]


def test_no_is_30_days_is_split_and_not_flagged():
    # "No." before a non-digit ends a sentence; "is 30 days." has a verb, so nothing is required here.
    assert [s for s, _ in sentences("No. is 30 days.")] == ["No.", "is 30 days."]
    assert fragments("No. is 30 days.") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Hi Sarah,",
        "Kind regards,",
        "Your refund of £39.00 went back to your card on 3 March.",
        "Please reply with a photo of the label.",
        "Could you send the serial number?",
        "I've set up an exchange for order 30-118842.",
        "Tracking: https://track.example/JD014829301GB",
    ],
)
def test_listed_sentences_are_not_fragments(sentence):
    assert fragments(sentence) == []


# ------------------------------------------------------------------------------------------ no finite verb


@pytest.mark.parametrize(
    "sentence",
    [
        "Your order number and the tracking link.",
        "The replacement on Monday.",
        "A full refund.",
        "Return label and receipt.",  # noun-like verb with no object after it
        "The attached label.",  # -ed form after a determiner is an adjective
        "Sarah's order number.",  # possessive 's is not "is"
        "The rider's new route.",
        "Your orders 1234 and 5678.",  # a noun-like -s form before a number is a plural
        "Your delivery slot on Monday 9 am to 1 pm.",  # "am" after a time is not a verb
    ],
)
def test_noun_phrases_have_no_finite_verb(sentence):
    assert problems(sentence) == [(sentence, "no-finite-verb")]


@pytest.mark.parametrize(
    "sentence",
    [
        "It's on its way.",  # contraction
        "We can't refund it.",  # n't
        "The parcel arrived yesterday.",  # regular past after a noun phrase
        "The item ships tomorrow.",  # 3rd person -s of a listed verb
        "Our couriers deliver on Saturdays.",  # base form after a plural subject
        "Return the item using the label.",  # noun-like imperative with an object
        "In the meantime, keep the item.",  # imperative after an adverbial
        "Any questions, just let me know.",
        "This means your refund is on its way.",
        "Hope this helps!",
        "Thanks for your patience.",  # formulaic openers
        "Sorry for the delay.",
        "No need to send it back.",
        "Looking forward to hearing from you.",
        "Hi Sarah, thanks for getting in touch.",  # greeting prefix stripped, then a formula
        "The rider's stuck in traffic on the A6.",  # 's before a predicate word is "is"
        "Late check-in's fine.",
        "The parcel's been delivered.",
        "Certificate generation takes 7-10 working days.",  # an -s form before a number
        "Please remit by 28 February.",
        "Our pharmacists cannot supply prescription-only medicines without a valid prescription.",  # "cannot" is a modal
    ],
)
def test_sentences_with_finite_verbs_pass(sentence):
    assert has_finite_verb(sentence)
    assert fragments(sentence) == []


# ------------------------------------------------------------------------------------------ exemptions


@pytest.mark.parametrize("line", ["Hi Sarah,", "Dear Mr Patel,", "Dear Mr. Patel,", "Hello,", "Good morning Anna,"])
def test_greetings_exempt(line):
    assert fragments(line) == []
    assert fragments(f"{line}\nYour parcel is on its way.") == []


@pytest.mark.parametrize(
    "text",
    ["Kind regards,", "Best wishes,", "Thanks,", "Many thanks, Priya", "Regards, Support Team", "Kind regards,\nPriya"],
)
def test_signoffs_exempt(text):
    assert fragments(text) == []


def test_signature_block_after_signoff_is_exempt():
    text = "We've sent the label.\n\nKind regards,\n\nPriya Shah\nHead of Support\nAcme Ltd"
    assert [k for _, k in sentences(text)] == ["text", "signoff", "name", "name", "name"]
    assert fragments(text) == []


def test_signoff_line_breaks_off_an_unpunctuated_line():
    text = "Let me know if you need anything else\nKind regards,\nPriya"
    assert [s for s, _ in sentences(text)] == ["Let me know if you need anything else", "Kind regards,", "Priya"]
    assert fragments(text) == []


@pytest.mark.parametrize(
    "line",
    ["Tracking: https://track.example/JD014829301GB", "Ref: CX-55821", "Order number: 30-118842", "Next steps:"],
)
def test_label_lines_exempt(line):
    assert fragments(line) == []


def test_long_label_is_not_exempt():
    sentence = "The replacement for your order on Monday: the courier."
    assert kinds(sentence) == ["no-finite-verb"]


@pytest.mark.parametrize(
    "reply",
    ["Thank you.", "Thanks!", "Of course.", "No problem.", "Sure.", "Absolutely.", "Many thanks.", "Yes.", "No.",
     "Yes, of course."],
)
def test_stock_replies_exempt(reply):
    assert fragments(reply) == []


def test_url_only_line_exempt():
    assert fragments("You can track it here:\nhttps://track.example/JD014829301GB") == []


def test_list_items_exempt_from_verb_and_conjunction_rules_but_not_doubling():
    text = "Please send us:\n- a photo of the label\n- or a copy of the receipt\n* your order order number"
    assert [s for s, _ in sentences(text)] == [
        "Please send us:",
        "a photo of the label",
        "or a copy of the receipt",
        "your order order number",
    ]
    assert problems(text) == [("your order order number", "doubled-word")]


# ------------------------------------------------------------------------------------------ leading conjunction


@pytest.mark.parametrize(
    "sentence",
    [
        "And we sent it.",
        "or we can refund it.",
        "Nor can we resend it.",
        "Because the item was damaged.",
        "Though we did check.",
        "Although we can't refund it, we can send a voucher.",
        "Which we have now done.",
        "Whereas the courier said it was delivered.",
        ", and we'll refund you.",
        "; we'll refund you.",
        '"And we sent it."',
        "If you think the books were returned.",
        "Once the engineer has been.",
    ],
)
def test_leading_conjunctions_flagged(sentence):
    assert kinds(sentence) == ["leading-conjunction"]


@pytest.mark.parametrize(
    "sentence",
    ["But we can send a new one.", "So we've refunded you.", "Which size would you like?", "Andrew will call you.",
     "When it arrives we'll text you.", "If so please reply.", "If you have any questions, just ask.", "When will it ship?",
     "Once the part comes in the engineer will call.", "If you want to dispute send photos to us within 14 days."],
)
def test_but_so_which_questions_and_lookalikes_accepted(sentence):
    assert fragments(sentence) == []


# ------------------------------------------------------------------------------------------ doubled word


def test_doubled_word_case_insensitive():
    assert problems("The the parcel is here.") == [("The the parcel is here.", "doubled-word")]


def test_doubled_word_across_a_wrapped_line():
    assert kinds("We have sent the\nthe replacement today.") == ["doubled-word"]


@pytest.mark.parametrize("sentence", ["We said that that was fine.", "I had had enough.", "Please, please call us."])
def test_allowed_doublings(sentence):
    assert fragments(sentence) == []


def test_several_problems_in_one_sentence_in_fixed_order():
    sentence = "And and the label."
    assert problems(sentence) == [
        (sentence, "no-finite-verb"),
        (sentence, "leading-conjunction"),
        (sentence, "doubled-word"),
    ]


# ------------------------------------------------------------------------------------------ reading the text


def test_hard_wrapped_lines_joined():
    text = "I've checked your order and the\nreplacement left our warehouse this\nmorning."
    assert [s for s, _ in sentences(text)] == [
        "I've checked your order and the replacement left our warehouse this morning."
    ]
    assert fragments(text) == []


def test_a_wrapped_fragment_is_reported_whole():
    text = "Your order number and\nthe tracking link.\nWe sent both yesterday."
    assert problems(text) == [("Your order number and the tracking link.", "no-finite-verb")]


def test_line_breaks_after_terminators_and_before_list_markers_are_boundaries():
    text = "Here is what to do:\n1. Open the app\n2. Tap Orders\nThanks\nthe team"
    got = [s for s, _ in sentences(text)]
    assert got[:3] == ["Here is what to do:", "Open the app", "Tap Orders"]


def test_blank_lines_separate_paragraphs():
    assert [s for s, _ in sentences("We sent it\n\nthe label too")] == ["We sent it", "the label too"]


def test_quoted_lines_ignored():
    text = "Thanks for your message.\n> the the parcel\n  > And broken.\nWe've refunded you."
    assert fragments(text) == []
    assert [s for s, _ in sentences(text)] == ["Thanks for your message.", "We've refunded you."]


@pytest.mark.parametrize("separator", ["-- ", "--"])
def test_signature_ignored(separator):
    text = f"We've refunded you.\n{separator}\nAcme Support | the the\nAnd broken."
    assert fragments(text) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Your refund of £39.00 went back on 3 March.",
        "Visit https://help.example.com/returns?id=4.5 for the form.",
        "Email returns@shop.example.co.uk with the photo.",
        "Mr. Patel asked us to send it to St. Albans, e.g. by courier.",
        "We need item no. 5 and approx. two days.",
        "J. Smith signed for the parcel.",
    ],
)
def test_urls_emails_amounts_and_abbreviations_not_split(sentence):
    assert [s for s, _ in sentences(sentence)] == [sentence]
    assert fragments(sentence) == []


def test_etc_ends_a_sentence_before_a_capital():
    text = "The form, the label, etc. We need both."
    assert [s for s, _ in sentences(text)] == ["The form, the label, etc.", "We need both."]
    assert kinds(text) == ["no-finite-verb"]


def test_clean_reply_has_no_fragments():
    reply = (
        "Hi Sarah,\n\n"
        "Thanks for your email, and sorry the parcel arrived damaged. I've set up an exchange for\n"
        "order 30-118842 and the replacement will leave our warehouse tomorrow.\n\n"
        "Tracking: https://track.example/JD014829301GB\n"
        "Ref: CX-55821\n\n"
        "Please reply with a photo of the label if anything else goes wrong.\n\n"
        "> My parcel was crushed!!\n\n"
        "Kind regards,\nPriya\n-- \nAcme Support"
    )
    assert fragments(reply) == []


def test_fragment_is_frozen_and_function_is_pure():
    text = "And the label."
    first = fragments(text)
    assert first == fragments(text)
    assert all(isinstance(f, Fragment) for f in first)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first[0].problem = "x"  # type: ignore[misc]


def test_empty_and_blank_text():
    assert fragments("") == []
    assert fragments("\n \n\t\n") == []



