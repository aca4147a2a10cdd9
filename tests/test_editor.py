"""The deterministic editor (coach.editor): whole sentences, no fragments, no invented commitments.

Every example quoted in the editor issue is a regression test here, not evidence: the targets are measured
by `coach eval run` on the frozen editor-set cases.
"""

from __future__ import annotations

import re

import pytest

from coach.analysis import analyse, compare_facts
from coach.analysis.fluency import problem
from coach.editor import edit, find_placeholders, is_greeting, is_signoff, load_bank, read_layout
from coach.editor.words import normalise
from coach.evals.fluency import evaluate, load_items
from coach.evals.fragments import fragments
from coach.pipeline import rewrite
from coach.schemas import Channel, Context, PastInteraction, RewriteRequest, Tone


def run(draft: str, tone: Tone = Tone.warm_professional, **context):
    request = RewriteRequest(draft=draft, context=Context(**context), tone=tone)
    return edit(request, analyse(draft, request.context))


def sentences_of(text: str) -> list[str]:
    layout = read_layout(text)
    return [s.text for s in layout.body]


def assert_no_new_fragments(draft: str, text: str) -> None:
    before = {f.sentence for f in fragments(draft)}
    made = [f for f in fragments(text) if f.sentence not in before]
    assert not made, made


# --- the examples --------------------------------------------------------------------------------


def test_blame_clause_is_left_out_and_no_fragment_is_left():
    draft = "Your fault for not being home last time though, so… we'll try again Friday."
    result = run(draft, customer_name="Sam Lee", customer_message="The courier didn't come again. I waited all day!")
    assert "fault" not in result.text.lower()
    assert "For not being home" not in result.text
    assert "We'll try again Friday." in result.text
    assert_no_new_fragments(draft, result.text)


def test_no_company_policy_never_becomes_no_is_30_days():
    draft = "No. Company policy is 30 days."
    result = run(draft, customer_name="Tom Green", customer_message="Can I return my jacket? It's been 35 days.")
    assert "No. is 30 days" not in result.text
    assert "30 days" in result.text
    assert any("Company policy" in flag.sentence for flag in result.needs_words)  # left for the agent, with why


def test_sale_over_mate_loses_mate_and_gains_no_promise():
    draft = "sale's over mate, rules are rules"
    result = run(draft, channel=Channel.chat, customer_name="Jo Bright", customer_message="can I still get the sale price?")
    assert not re.search(r"\bmate\b", result.text)
    assert "I'll check" not in result.text and "let you know" not in result.text
    assert result.text.startswith("Hi Jo,")


def test_hello_and_thank_you_keeps_no_dangling_and():
    result = run("Hello and thank you for reaching out. Kindly please proceed with the form. ill send the link now.", customer_name="Alex Doe")
    assert result.text.startswith("Hi Alex, thank you for reaching out.")
    assert "And thank" not in result.text and "\nAnd" not in result.text
    assert "Please please" not in result.text and "Please proceed with the form." in result.text
    assert "I'll send the link now." in result.text and "Ill " not in result.text


@pytest.mark.parametrize("sentence", ["I feel ill today.", "He was taken ill on Monday."])
def test_ill_stays_ill_where_it_is_not_the_pronoun(sentence):
    assert "I'll" not in run(sentence).text


def test_hi_there_helen_becomes_hi_helen():
    result = run("Hi there Helen,\n\nYour refund is on its way.\n\nCheers,\nTom", customer_name="Helen Marsh")
    assert result.text.startswith("Hi Helen,")
    assert "Cheers" not in result.text and "Tom" in result.text


def test_a_different_name_in_the_draft_is_flagged_not_papered_over():
    result = run("I apologize for the wait, Nerissa. Your order has shipped.", customer_name="Alex Smith")
    assert "Alex" not in result.text
    assert result.text.count("Nerissa") == 1
    assert any("Nerissa" in note and "Alex Smith" in note for note in result.notes)


def test_aunt_may_is_greeted_by_her_whole_name():
    assert run("Hello,\n\nYour card has been cancelled.\n\nRegards", customer_name="Aunt May").text.startswith("Hi Aunt May,")


def test_kept_harm_is_gone():
    draft = "Rudeness won't get you anywhere. Your order #44121 ships Monday. Have a great day."
    message = "My husband passed away last month and this order was his. This is ridiculous."
    result = run(draft, customer_name="Ruth Ade", customer_message=message)
    assert "Rudeness" not in result.text
    assert "Have a great day" not in result.text  # cheerful after a bereavement
    assert "#44121" in result.text and "Monday" in result.text
    assert "husband" in result.text  # the acknowledgement names what she said


def test_nothing_else_i_can_do_is_replaced_and_leaves_a_placeholder_not_a_promise():
    draft = "hey mate, your order #48213 is delayed again lol. nothing else I can do."
    request = RewriteRequest(draft=draft, context=Context(customer_name="Sarah Okafor", channel=Channel.chat,
                             customer_message="This is the second time my order has been delayed! Where is #48213?"))  # fmt: skip
    result = edit(request, analyse(draft, request.context))
    assert "nothing else" not in result.text.lower() and "lol" not in result.text
    assert len(result.placeholders) == 1 and result.placeholders[0].text == "[what you can offer instead]"
    guard = compare_facts(draft, result.text, request.context)
    assert guard.ok and not guard.new_commitments, guard
    assert not re.search(r"get back to you|look into|let you know", result.text, re.I)


def test_the_sarah_example_keeps_the_order_greets_her_and_names_the_second_time():
    draft = "hey sarah, ur order #48213 is delayed again. will update u when i know more"
    context = Context(customer_name="Sarah Okafor", customer_message="This is the SECOND time my order has been late. I needed it for Friday.")
    result = rewrite(RewriteRequest(draft=draft, context=context, engine="rules"))
    assert "#48213" in result.rewrite and result.rewrite.startswith("Hi Sarah,")
    assert "second time" in result.rewrite
    assert result.facts.ok and not result.facts.new_commitments
    assert "will update you when I know more" in result.rewrite  # the draft's own words, not an invented next step


def test_history_is_named_with_its_date_and_gist_and_no_commitment_from_the_note():
    draft = "Hi Sarah, your order #48213 is delayed."
    context = Context(customer_name="Sarah Okafor", channel=Channel.email, customer_message="Order #48213 is late AGAIN.",
                      history=[PastInteraction(date="2026-02-20", note="Order #48213 delayed at depot; refund of delivery fee promised.")])  # fmt: skip
    result = run(draft, **context.model_dump())
    assert "20 February" in result.text and "your order #48213 was delayed at depot" in result.text
    assert "refund" not in result.text.lower()


@pytest.mark.parametrize(("draft", "message", "gone", "kept"), [
    ("Hello,\n\nPlease provide your order number. Your refund will be processed within 5 days.\n\nRegards",
     "My order 7781203 was refunded wrongly, I already told you twice.", "provide your order number", "5 days"),
    # an agreement number cut from a sentence that also needed its words put right; the request ends as a question
    ("Our system shows the hold was voided on 03/14. Can u send the rental agreement number and last 4 of the card so I can "
     "email you a release letter.", "There's still a $350 hold on my card. Rental agreement is RA 70215538.",
     "rental agreement number", "last 4 of the card so I can email you a release letter?"),
    # a clause that points back ("this", "which") does not outlive the clause it points to
    ("Honestly all kids get homesick. We don't allow phone calls during the first week as it tends to make homesickness "
     "worse, this is in the parent handbook. Maya will email you Thursday evening.", "My son is homesick, can I call him?",
     "This is in the parent handbook.", "first week"),
    ("As clearly stated in our Conditions of Carriage, which you accepted at booking, the $180 rebooking fee is "
     "non-refundable when a connection is missed on a separate ticket.", "I missed my connection in Denver and you charged me $180!",
     "You accepted at booking, the", "$180"),
])  # fmt: skip
def test_a_cut_leaves_out_what_was_given_or_orphaned_and_keeps_the_rest(draft, message, gone, kept):
    result = run(draft, customer_name="Aoife Brennan", customer_message=message)
    assert gone not in result.text
    assert kept in result.text


def test_formal_and_chat_registers_read_differently():
    draft = "hi, your parcel is late. we'll send it tomorrow."
    context = dict(customer_name="Priya Shah", customer_message="My parcel is late and I'm really annoyed.")
    formal = run(draft, Tone.formal, **context).text
    chat = run(draft, channel=Channel.chat, **context).text
    assert formal.startswith("Dear Priya,") and chat.startswith("Hi Priya,")
    assert "we will send it tomorrow" in formal.lower() and "we'll send it tomorrow" in chat.lower()
    assert formal != chat


def test_openers_vary_across_drafts_and_repeat_for_one():
    message = "My parcel still hasn't arrived and I'm fed up."
    openers = {run(f"Hello,\n\nYour parcel {n} is with the courier.", customer_name="Lee Park", customer_message=message).text.split("\n\n")[1].split(".")[0]
               for n in ("A-1", "B-2", "C-3", "D-4", "E-5", "F-6")}  # fmt: skip
    assert len(openers) >= 2
    same = run("Hello,\n\nYour parcel A-1 is with the courier.", customer_name="Lee Park", customer_message=message).text
    assert same == run("Hello,\n\nYour parcel A-1 is with the courier.", customer_name="Lee Park", customer_message=message).text


def test_changes_carry_ids_and_spans_that_point_at_their_text():
    draft = "hey mate, your order #48213 is delayed again lol. nothing else I can do."
    result = run(draft, channel=Channel.chat, customer_name="Sarah Okafor", customer_message="Second time my order is late!")
    assert [c.id for c in result.changes] == [f"c{i}" for i in range(1, len(result.changes) + 1)]
    for change in result.changes:
        assert change.before != change.after
        if change.draft_span:
            assert draft[slice(*change.draft_span)].strip() == change.before
        if change.rewrite_span:
            assert result.text[slice(*change.rewrite_span)] == change.after


# --- honest scores ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", [
    "Hello Alex,\n\nAnd thank you for reaching out. Please please proceed with the form.",
    "Hi Sam, what I can do instead is [what you can offer instead].",
    "Hi Sam, your order shipped, mate.",
])  # fmt: skip
def test_a_reply_with_a_fragment_a_placeholder_or_an_error_never_scores_zero_risk(reply):
    assert analyse(reply, Context(customer_name="Sam Alex")).familiarity_risk > 0


def test_every_phrasebank_line_reads_clean_to_the_tone_check():
    bank = load_bank()
    fill = {"thing": "order", "count": "second", "run": "third week running", "relation": "husband", "date": "3 March", "gist": "order #123 delayed at depot",
            "waited": "9 days", "lost": "Mochi"}
    lines = [v for s in bank.situations.values() for e in s.entries for r in ("formal", "neutral", "chat") for v in e.variants(r)]
    lines += [v for r in ("formal", "neutral", "chat") for v in bank.refusal[r] + bank.history[r] + bank.noted[r] + bank.undated[r]]
    lines += [v.replace("{said}", "your parcel is late") for r in ("formal", "neutral", "chat") for v in bank.own_words[r] + bank.own_words_repeat[r] + bank.own_words_run[r]]
    for line in lines:
        text = line.format(**fill)
        risky = [f.rule for f in analyse(text).findings if f.category not in ("personalisation", "placeholder")]
        assert not risky, (text, risky)
        assert problem(text) is None, text


# --- layout and the fluency guard ---------------------------------------------------------------------------


def test_soft_wrapped_lines_are_one_sentence():
    draft = "Hello,\n\nYour parcel was sent on Monday and it\nshould arrive by Friday. Tracking: https://t.example/1\n\nKind regards,\nTom"
    layout = read_layout(draft)
    assert [s.text for s in layout.body] == ["Your parcel was sent on Monday and it\nshould arrive by Friday.", "Tracking: https://t.example/1"]
    assert is_greeting("Hello,") and is_signoff("Kind regards,") and not is_signoff("kind regards,")


def test_the_fluency_guard_meets_its_validation_set():
    scores = evaluate(load_items())
    held_out = scores["held-out"]
    assert held_out.items >= 100
    assert held_out.precision >= 0.9 and held_out.recall >= 0.65, (held_out.precision, held_out.recall)


def test_placeholders_are_found_in_any_rewrite():
    found = find_placeholders("Thanks. What I can do instead is [what you can offer instead].")
    assert [p.hint for p in found] == ["what you can offer instead"]


def test_coach_eval_fluency_reports_both_splits_and_gates(tmp_path):
    from typer.testing import CliRunner

    from coach.cli import app

    result = CliRunner().invoke(app, ["eval", "fluency", "--json"])
    assert result.exit_code == 0, result.output
    assert '"held-out"' in result.output and '"precision"' in result.output
    assert CliRunner().invoke(app, ["eval", "fluency", "--min-recall", "0.99"]).exit_code == 1
    missing = CliRunner().invoke(app, ["eval", "fluency", "--data", str(tmp_path)])
    assert missing.exit_code == 2 and "no labelled sentences" in missing.output


def test_the_fact_guard_checks_the_editors_own_additions(monkeypatch):
    """An edit that promised something the draft did not would be caught like a model's, and the draft served."""
    import coach.pipeline as pipeline
    from coach.editor import Edit

    draft = "Hi Sam, your parcel is with the courier."
    monkeypatch.setattr(pipeline, "edit", lambda request, analysis, learned=None: Edit(text=draft + " I'll refund you £20 today."))
    result = rewrite(RewriteRequest(draft=draft, context=Context(customer_name="Sam Lee"), engine="rules"))
    assert result.rewrite == draft
    assert any("could not keep every fact" in note for note in result.notes)


def test_policy_talk_is_rewritten_to_what_happens():
    result = run("Sorry, it's company policy that we don't deliver on Sundays. Your order #4412 arrives Monday.", customer_name="Ann Lee")
    assert "We don't deliver on Sundays." in result.text and "policy" not in result.text
    assert "#4412" in result.text


def test_words_that_are_grammar_stay():
    """"well" in "went well" is the sentence's own word, not a filler to strip."""
    draft = "Hi Oliver,\n\nThe final inspection on 2 May went well, and we've lodged the claim for your bond of $2,400."
    assert "went well, and" in run(draft, customer_name="Oliver Park", customer_message="Thanks so much for everything!").text


def test_round_three_review_regressions():
    hyphen = run("Dear Mrs Al-Sayed,\n\nThe letters were stopped on 8 April.", customer_name="Layla Al-Sayed", address_as="Mrs Al-Sayed",
                 customer_message="My husband died and you keep sending letters.")  # fmt: skip
    assert hyphen.text.startswith("Dear Mrs Al-Sayed,\n\n")
    assert "Just let me know which you'd prefer." in run("Hi Bethany,\n\nJust let me know which you'd prefer.", customer_name="Bethany Cole").text
    signed = run("Hello Ingrid, Thank you for your request. Your reference is DSR-2291-K. Kind regards, Amira, Privacy Team", customer_name="Ingrid S")
    assert signed.text.endswith("Kind regards, Amira, Privacy Team")
    married = run("Hi Amara,\n\nCongratulations! Your name is now Amara Osei on account 55102938.\n\nBest wishes,\nLeon",
                  customer_name="Amara Osei", customer_message="I got married last month, thanks for updating my name!")  # fmt: skip
    assert "Congratulations!" in married.text and "Thank you for taking the time" not in married.text


def test_the_readme_example_says_no_plainly_and_leaves_the_offer_to_the_agent():
    draft = "hey mate, your order #48213 is delayed again lol. cant do anything its company policy"
    result = run(draft, customer_name="Sarah", customer_message="This is the second time my order is late!")
    assert result.text.startswith("Hi Sarah, I'm sorry this is the second time your order is late.")
    assert "Unfortunately, I am not able to change this." in result.text and "policy" not in result.text
    assert [p.text for p in result.placeholders] == ["[what you can offer instead]"]


# --- plain words, lead-ins and stock closers ---------------------------------------------------------------


def test_jargon_gets_its_plain_word_from_the_lexicon_and_facts_stay():
    out = run("The ETA for order 5512 is Friday, which is within our SLA.", customer_name="Tom")
    assert "expected time" in out.text and "agreed time" in out.text
    assert "ETA" not in out.text and "SLA" not in out.text and "5512" in out.text
    assert any("plain words" in c.reason.lower() for c in out.changes)


def test_a_plain_word_after_an_emoji_starts_its_sentence_with_a_capital():
    out = run("The servers are down today 🙄 ETA is 30 mins.", customer_name="Haruto")
    assert "Expected time is 30 mins" in out.text
    assert_no_new_fragments("The servers are down today 🙄 ETA is 30 mins.", out.text)


def test_words_on_the_customers_screen_keep_their_jargon():
    out = run("Go to Settings > Apps > ShopCo > Clear cache, then log in again.", customer_name="Ria")
    assert "Clear cache" in out.text


def test_kindly_beside_please_is_left_out_not_doubled():
    out = run("Kindly sign the form and please return it by 3 May.", customer_name="Ria")
    assert len(re.findall(r"\bplease\b", out.text, re.I)) == 1
    assert "kindly" not in out.text.lower() and "3 May" in out.text


@pytest.mark.parametrize(
    "lead_in", ["As previously advised, ", "FYI ", "Just so you know, "]
)
def test_a_condescending_lead_in_goes_and_the_sentence_stands(lead_in):
    draft = f"{lead_in}the form must be signed by 3 May."
    out = run(draft, customer_name="Ria")
    assert lead_in.strip(" ,").lower() not in out.text.lower()
    assert "The form must be signed by 3 May." in out.text


def test_a_stock_closing_question_is_dropped_unless_it_holds_a_fact():
    out = run("Your refund of £20 was sent on 3 May. Is there anything else I can help you with?", customer_name="Ria")
    assert "anything else I can help" not in out.text and "£20" in out.text
    kept = run("Your refund of £20 was sent on 3 May. Is there anything else I can help you with today?", customer_name="Ria")
    assert "today?" in kept.text  # "today" is a fact: dropping it would fail the whole edit


def test_a_draft_that_calls_the_customer_by_name_first_has_that_as_its_greeting():
    out = run("Bronwyn, assessors are busy after the storms. Assessor Mark Dunn will attend on 2 April.", customer_name="Bronwyn Tait")
    assert out.text.startswith("Hi Bronwyn, assessors are busy") and out.text.count("Bronwyn") == 1


def test_gday_is_a_greeting_and_a_term_of_endearment_leaves_a_mismatched_greeting():
    out = run("G'day! We still need the vet invoice for PET-40213.", customer_name="Isabella Rossi")
    assert out.text.startswith("Hi Isabella,") and "G'day" not in out.text
    out = run("Hi Dotty love, the bill of £623.18 was estimated.", customer_name="Dorothy Whitfield", address_as="Mrs Whitfield")
    assert out.text.startswith("Hi Dotty,") and "love" not in out.text
    assert any("Dotty" in note for note in out.notes)  # the name mismatch is the agent's to check


def test_a_greeting_by_the_right_name_keeps_its_own_word_unless_the_register_is_formal():
    assert run("Dear Sam,\n\nThe refund was sent on 3 May.", customer_name="Sam Lee").text.startswith("Dear Sam,")
    formal = run("Hi Sam,\n\nThe refund was sent on 3 May.", tone=Tone.formal, customer_name="Sam Lee")
    assert formal.text.startswith("Dear ")


def test_a_clause_that_offers_a_way_forward_is_never_cut():
    draft = "Refunds are only within 14 days so we can't refund, BUT you can defer to the January cohort for free!! 🎉"
    out = run(draft, customer_name="Hannah")
    assert "defer to the January cohort" in out.text


def test_a_short_question_after_a_prying_one_goes_with_it():
    out = run("Yes it's available. Who would be living there with you — partner? kids? Viewings are Tues 4pm.", customer_name="Wei")
    assert "partner" not in out.text and "Kids" not in out.text and "Tues 4pm" in out.text


def test_an_emoji_ends_a_sentence_and_leaves_with_it():
    out = run("Gonna book another engineer for 28 May. Ref ENG-66120 👍", customer_name="Kwame")
    assert "I'm going to book another engineer for 28 May." in out.text
    assert "Your reference is ENG-66120." in out.text and "👍" not in out.text


def test_an_exclamation_that_says_nothing_goes_but_warmth_stays():
    out = run("Great question! Your exam resit is on 4 June.", customer_name="Ola")
    assert "Great question" not in out.text and "4 June" in out.text
    assert "Congratulations!" in run("Congratulations! Your new card is on its way.", customer_name="Ola").text


def test_an_apology_in_text_speak_is_put_right_not_dropped():
    out = run("sorry ur still having probs lol. I've booked an engineer for 28 May.", customer_name="Kwame")
    assert "Sorry you're still having problems." in out.text


def test_an_earlier_contact_about_the_same_order_is_named_by_its_dates():
    history = [PastInteraction(date="2026-04-03", note="Customer chased, TR-11820 raised with the bank team."),
               PastInteraction(date="2026-04-15", note="Chased again about TR-11820; no update yet.")]  # fmt: skip
    out = run("Trace TR-11820 shows the merchant sent it on 18 April.", customer_name="Hyun-woo",
              customer_message="3rd time asking about TR-11820. Where is my refund??", history=history)  # fmt: skip
    assert "15 April" in out.text  # by its gist where one reads safely, else by its dates
    dated = run("Trace TR-11820 shows the merchant sent it on 18 April.", customer_name="Hyun-woo",
                customer_message="3rd time asking about TR-11820. Where is my refund??",
                history=[PastInteraction(date="2026-04-03", note="TR-11820"), PastInteraction(date="2026-04-15", note="TR-11820")])  # fmt: skip
    assert "I can see you contacted us about this on 3 April and 15 April." in dated.text


@pytest.mark.parametrize(("note", "message", "draft"), [
    ("Ordered 6 skeins alpaca blend; asked for gift wrap.", "Just to say thank you - the yarn arrived beautifully packed again.",
     "Thank you, Ruth, that is lovely to hear."),
    ("Customer asked how to add a second car. Explained via settings.", "Your app charged me twice for the same session. Can someone fix this?",
     "The duplicate £7.20 was refunded on 12 March."),
])  # fmt: skip
def test_again_or_twice_about_something_else_names_no_earlier_contact(note, message, draft):
    out = run(draft, customer_name="Ruth", history=[PastInteraction(date="2026-02-03", note=note)], customer_message=message)
    assert "contacted us" not in out.text and "in touch" not in out.text and "3 February" not in out.text and "confusion" not in out.text


def test_what_the_tone_check_misses_the_editor_patterns_still_catch():
    out = run("Calling us clowns won't fix your signal. Your engineer visit is booked for 3 May.", customer_name="Tom")
    assert "clowns" not in out.text and "3 May" in out.text
    out = run("It is what it is unfortunately. Your next bill is due on 3 May.", customer_name="Tom")
    assert "It is what it is" not in out.text and "3 May" in out.text


def test_a_third_email_is_a_repeat_contact():
    out = run("Your deposit of £150.00 was released on 14 April.", customer_name="Brian",
              customer_message="WHY IS NOBODY ANSWERING. THIS IS MY THIRD EMAIL.")  # fmt: skip
    assert "third time" in out.text and "£150.00" in out.text


def test_no_eval_rewrite_falls_back_to_the_unchanged_draft():
    """The editor's own output passes the shared verification on every eval case: a single sentence that breaks
    a fact would send the whole draft back unchanged."""
    from pathlib import Path

    from coach.evals.cases import load_cases
    from coach.verify import verify

    failed = []
    for case in load_cases(Path(__file__).resolve().parent.parent / "evals" / "cases"):
        request = case.to_request()
        analysis = analyse(case.draft, case.context)
        verdict = verify(request, analysis, edit(request, analysis).text)
        if any("fact" in v or "commitment" in v or "is new" in v for v in verdict.violations):
            failed.append((case.id, verdict.violations[:1]))
    assert not failed, failed


def test_no_placeholder_where_the_reply_already_gives_a_remedy_or_an_offer():
    assert not run("Missing items can't be redelivered. Refund of $23.85 issued to original payment method.", customer_name="Bronwyn").placeholders
    assert not run("There's nothing we can do until the GP sends it. Our Emergency Supply service can provide 7 days today.", customer_name="Ed").placeholders


def test_a_question_after_an_inline_greeting_starts_lower_case():
    out = run("Hi Yusuf, could you confirm 21 March works? Is everything OK at home? We've cancelled your appointment on 19 March.", customer_name="Yusuf")
    assert out.text.startswith("Hi Yusuf, could you confirm") and "OK at home" not in out.text
    # a prying question read alone (the model read it with the next one) goes whole
    assert "what's come up" not in run("Hi Yusuf, can I ask what's come up? Is everything OK at home? We've cancelled your appointment on 19 March.", customer_name="Yusuf").text


def test_a_history_gist_stops_at_the_notes_own_label_and_never_inside_a_time():
    from coach.editor.opening import _gist

    assert _gist("Delay Repay claim DR-77410 submitted: cancelled 07:45 service from Leeds, awaiting review.") == "Delay Repay claim DR-77410 submitted"


def test_text_speak_for_a_day_is_spelled_out_and_the_fact_guard_reads_it_as_the_same_date():
    draft = "heyyy no worries!! ur slot is 7am-11am tmrw (Wed 9 Apr) 👍👍 driver will txt u 30 mins b4. lmk if any probs x"
    result = rewrite(draft, customer_name="Hannah Lee")
    assert result.engine == "rules" and not result.facts.missing and not result.facts.added
    assert "Your slot is 7am-11am tomorrow (Wed 9 Apr)." in result.rewrite and "tmrw" not in result.rewrite
    assert "Driver will text you 30 mins before. Let me know if there are any problems." in result.rewrite and "👍" not in result.rewrite


def test_an_edit_the_fact_guard_reads_as_a_new_fact_gives_way_and_the_rest_of_the_reply_stands():
    from coach.editor.sentences import Outcome, guarded
    from coach.editor.phrasebank import load_bank

    # An edit that turns "Wed 9 Apr" into another date is refused; the safe word fixes of the sentence stand.
    outcome = guarded("ur slot is Wed 9 Apr.", Outcome("replace", "Your slot is Thu 10 Apr."), load_bank(), "neutral")
    assert outcome.action == "normalise" and outcome.text == "Your slot is Wed 9 Apr."


def test_a_short_verbless_aside_goes_but_a_link_or_a_menu_path_stays():
    out = run("Sorry about that, classic driver fail. We will redeliver to 14 Carrow Road by 12:00.", customer_name="Mei")
    assert "12:00" in out.text
    assert "Account > Billing > Invoices." in run("You can download it here. Account > Billing > Invoices.", customer_name="Mei").text
    assert "food.example/terms." in run("See section 4 of our terms. food.example/terms.", customer_name="Mei").text


def test_a_lecture_clause_goes_from_a_sentence_with_facts_even_when_the_tone_check_misses_it():
    out = run("Delays are due to high demand on Friday nights, you could order earlier to avoid this. Order #A-79233 is with the rider.", customer_name="Mia")
    assert "order earlier" not in out.text and "Friday nights." in out.text and "#A-79233" in out.text
    out = run("Your card was blocked on 3 May, you should have set a travel notice in the app. It is unblocked now.", customer_name="Mia")
    assert "should have" not in out.text and "3 May" in out.text


def test_the_acknowledgement_reads_the_reply_not_the_draft_and_a_time_frame_acknowledges_no_feeling():
    message = "The 7am class was cancelled AGAIN with 20 minutes' notice. That's the third time this month."
    out = run("OMG so sorry!! 😭😭 we've added a class credit to your account 🙏", customer_name="Leilani", customer_message=message)
    assert "OMG" not in out.text and "I'm sorry" in out.text  # the draft's apology went with its emoji; ours stands
    water = "We've had no water since 6am yesterday. I called yesterday and still nothing. What is happening?"
    out = run("A crew will attend by 2pm today.", customer_name="Thandiwe", customer_message=water)
    assert "sorry you've had no water since 6am yesterday" in out.text


def test_the_refusal_follows_its_reason_and_the_placeholder_follows_both():
    # "Unfortunately, I am not able to change this." points back: before "Company policy is 30 days" it has nothing to point at
    out = run("No. Company policy is 30 days.", customer_name="Ben")
    text = out.text
    assert text.index("30 days") < text.index("not able to change this") < text.index("[what you can offer instead]")
    assert not text.startswith("No.") and "\n\nNo." not in text
    moved = [c for c in out.changes if c.before == "No."]
    assert [c.kind for c in moved] == ["removed"]  # the page can put the draft's word back


def test_the_refusal_stays_before_a_way_forward():
    out = run("Hi Ana,\n\nNo. You can reapply after 3 months.", customer_name="Ana")
    assert out.text.index("not able to change this") < out.text.index("You can reapply")


def test_a_grieving_customer_gets_no_platitude_and_no_cheery_exclamation():
    message = "My mother passed away last week. Please close her account, number 55123."
    draft = "Hi Helen,\n\nThanks for reaching out! Account 55123 is closed. Everything happens for a reason, take care.\n\nKind regards,\nSam"
    out = run(draft, customer_name="Helen Marsh", customer_message=message)
    assert "!" not in out.text and "Thanks for reaching out." in out.text
    assert "for a reason" not in out.text and "Account 55123 is closed." in out.text


# --- shrugs, bare exclamations and cheer after a loss -------------------------------------------------------


@pytest.mark.parametrize("shrug", ["It is what it is unfortunately.", "These things happen with couriers.", "That's just how it works."])
def test_a_shrug_goes_and_is_not_turned_into_a_refusal_with_a_placeholder(shrug):
    out = run(f"There's an outage in your area, incident INC-40721. {shrug} Restart your modem once it's back.", customer_name="Liam")
    assert shrug.split()[0] not in out.text.replace("There's", "") and "INC-40721" in out.text
    assert not out.placeholders and "not able to change" not in out.text


def test_a_bare_sorry_gets_its_subject_and_no_space_before_its_full_stop():
    out = run("hiya hun!! omg so sorry 😭😭 ur card was used online on 3 Jan for £40 — if that wasnt u lmk n we'll open a case xx", customer_name="Jade",
              customer_message="heyy my gift card GC-7781-2209 says £0 but i never used it?? pls help x", channel="social")  # fmt: skip
    assert "I'm so sorry." in out.text or "I'm sorry." in out.text
    assert " ." not in out.text and "let me know and we'll open a case" in out.text and "£40" in out.text


def test_cheer_after_a_loss_goes_but_the_instructions_and_facts_stay():
    message = "My husband passed away last month and I need to cancel his account."
    out = run("Hi there! 😊 Great news, cancelling is super easy! Just reply with the email on the account. Sure thing! The last charge of £15.99 on 3 May won't be repeated.",
              customer_name="Joan Ellery", customer_message=message)  # fmt: skip
    assert "Great news" not in out.text and "super easy" not in out.text and "Sure thing" not in out.text
    assert "Cancelling is simple." in out.text and "£15.99 on 3 May" in out.text and "Just reply with the email" in out.text


def test_cheer_stays_when_the_customer_is_not_grieving():
    out = run("Great news, cancelling is super easy! Just reply with the email on the account.", customer_name="Joan",
              customer_message="How do I cancel? Thanks!")  # fmt: skip
    assert "Great news, cancelling is super easy!" in out.text


def test_a_greeting_with_two_exclamation_marks_leaves_no_stray_mark():
    out = run("Hi Halina!! Changing the account holder takes 14 days.", customer_name="Halina Kowalczyk")
    assert "!" not in out.text and "Changing the account holder takes 14 days." in out.text


# --- history in fewer words, and contacts the customer names in the first person -----------------------------


def test_a_tight_reply_names_the_earlier_report_in_its_shortest_form_rather_than_not_at_all():
    draft = "Mould is caused by condensation. Contractor DampPro will inspect on 14 May between 10am and 2pm. Ref MNT-4471."
    history = [{"date": "2026-03-28", "note": "Tenant reported black mould in bedroom, flat 4B, 19 Canal Street; contractor to inspect."}]
    out = run(draft, customer_name="Magdalena", customer_message="It's six weeks since I reported the mould. I've chased you twice already.", history=history)
    assert "I can see you reported this on 28 March." in out.text and "Canal Street" not in out.text


def test_a_customer_who_says_i_called_refers_back_and_a_subjectless_note_reads_as_what_they_did():
    history = [{"date": "2026-05-12", "note": "Reported total loss of internet at 06:20; told engineers were investigating a local fault."}]
    out = run("There's an outage in your area, incident INC-40721. Restore is expected at 2pm today.", customer_name="Liam",
              customer_message="I called at 6 this morning and it's still down.", history=history)  # fmt: skip
    assert "I can see that on 12 May you reported a total loss of internet at 06:20." in out.text


# --- round-5 review findings (set E): each a regression test ----------------------------------------------------


def test_a_laptop_that_died_gets_no_condolences():
    out = run("Licence keys can't be transferred once the activation limit is reached. Key LX-4490-ZK has used both activations.",
              customer_name="Daniel", customer_message="My old laptop died so I'm moving to a new one, and your server says I've used both activations. I need this working.")  # fmt: skip
    assert "loss" not in out.text and "sorry to hear about" not in out.text and "move goes smoothly" not in out.text


def test_an_acknowledgement_never_quotes_a_clause_without_a_verb():
    out = run("Before we can do anything we need a damage report with photos.", customer_name="Thandiwe",
              customer_message="Your team dropped my late mother's wardrobe while carrying it up the stairs on Saturday and the door has split.")  # fmt: skip
    assert "sorry your late mother's wardrobe" not in out.text and "wardrobe." not in out.text.split("\n\n")[1][:60]


def test_planning_for_two_years_is_not_loyalty_and_an_anniversary_keeps_its_name():
    out = run("Date changes within 6 months of the event aren't possible under the booking terms.", customer_name="Chloe",
              customer_message="We need to move our wedding. We've been planning this for two years. Please help.")  # fmt: skip
    assert "customer for two years" not in out.text and "with us for two years" not in out.text
    from coach.editor.opening import detail_line
    from coach.editor.phrasebank import load_bank

    line = detail_line("We arrived for our 25th wedding anniversary and the room wasn't ready.", "Your room is ready now.", load_bank(), "neutral", 0)
    assert line is not None and "25th wedding anniversary" in line


def test_a_bare_apology_gives_way_to_an_acknowledgement_that_names_what_happened():
    out = run("Oh nooo 😱😱 so sorry!!! We've refunded £12.75 for the missing items on order GD-3394.", customer_name="Kofi", channel="chat",
              customer_message="Half my shop missing AGAIN. No milk, no nappies, and I've got a two-week-old. Second week in a row. Not happy.")  # fmt: skip
    assert "I'm sorry." not in out.text and "£12.75" in out.text and "GD-3394" in out.text
    assert "second week in a row" in out.text  # the repeat, named in the customer's own count


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("My job interview is this Friday and they've asked for the certificate.", "with your job interview this Friday."),
        ("My passport is in that parcel and I fly out on Thursday.", "with your flight on Thursday."),
        ("I have a client deadline on Monday and I need this working.", "with your client deadline on Monday."),
    ],
)
def test_a_deadline_the_customer_gave_is_named_back_without_a_promise(message, named):
    out = run("Your certificate request is logged as CR-5521.", customer_name="Ana", customer_message=message)
    assert named in out.text and "CR-5521" in out.text
    assert not out.placeholders and "we will" not in out.text.lower() and "before" not in out.text.split(named)[0][-60:]


def test_leaving_or_calling_on_a_day_is_no_deadline():
    from coach.editor.opening import deadline_words
    from coach.editor.phrasebank import load_bank

    for message in ("We leave on 12 May for a month.", "I called on Monday and nobody rang back.", "My order arrived on Monday broken."):
        assert deadline_words(message, load_bank()) is None, message


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("I am 84 and my landline has been dead since Monday.", "your landline has been dead since Monday"),
        ("No heating or hot water since Sunday. I have a 4-month-old baby.", "you've had no heating or hot water since Sunday"),
        ("I returned the jacket two weeks ago and haven't seen the money.", "you returned the jacket two weeks ago and haven't seen the money"),
        ("My 3,200 points expired on 1 April without any warning email.", "your 3,200 points expired on 1 April without any warning email"),
        ("The spa voucher I bought for my mom's 70th birthday expired before she could use it.", None),
        ("I was home all day — my doorbell camera shows nobody came.", None),
    ],
)
def test_the_customers_own_clause_is_found_when_it_says_what_went_wrong(message, said):
    from coach.editor.opening import customer_clause
    from coach.editor.phrasebank import load_bank

    assert customer_clause(message, load_bank()) == said


def test_a_tracking_number_the_customer_quoted_is_not_asked_for_again():
    out = run("Hi, can you please provide your tracking number again so I can check the locker? Parcels left for 72 hours go back to the depot.",
              customer_name="Conor", customer_message="I already gave you the tracking number yesterday: PL-2290-5521. The locker code doesn't work.")  # fmt: skip
    assert "tracking number again" not in out.text and "72 hours" in out.text


def test_a_count_goes_with_its_own_sentence_only():
    out = run("There is a known fault in your area (FLT-77301).", customer_name="Imran",
              customer_message="Third time I'm contacting you. My internet has been down since Friday. I work from home and I've lost two days' pay.")  # fmt: skip
    assert "third time you've lost" not in out.text
    twice = run("Your card is unblocked now.", customer_name="Kavya",
                customer_message="My card has been blocked in Singapore and I'm stuck at checkout. I called twice today and got cut off both times.")  # fmt: skip
    assert "second time your card" not in twice.text


def test_a_short_line_that_says_something_stays_and_a_cheery_one_goes_when_the_customer_is_annoyed():
    out = run("no worries mate!! freezes are $10 a month, ill pop it on from 14 April so you wont be charged while ur recovering. No ETA at present.",
              customer_name="Liam", customer_message="I asked at the front desk last week to freeze my membership. Nobody got back to me. Pretty annoyed.")  # fmt: skip
    assert "No worries" not in out.text and "No ETA at present." in out.text
    assert "I'll pop it on from 14 April" in out.text and "won't be charged while you're recovering" in out.text
    assert "nobody got back to you" in out.text
    condescending = run("No need to get confused! Assistance is on booking K7TR2P for 9 June.", customer_name="Mr Lee", customer_message="Is my assistance booked? I'm worried.")
    assert "confused" not in condescending.text


def test_as_per_policy_goes_whole():
    out = run("Certificate generation takes 7-10 working days from course completion as per policy.", customer_name="Arjun")
    assert "from course completion." in out.text and " as." not in out.text


def test_a_note_is_named_only_as_a_clause_never_pasted_as_a_label_or_cut_mid_phrase():
    from coach.editor.opening import _gist

    assert _gist("Call with Neha: advised to upload bills and discharge summary; claim TI-660214.") == "you spoke to Neha"
    assert _gist("Customer phoned chasing the discount; told it would be applied within 4 weeks.") is None
    history = [{"date": "2026-01-14", "note": "Single person: discount form sent."}]
    out = run("Your account ACC-40018832 shows the form is missing.", customer_name="Mr Baxter",
              customer_message="I applied for the discount again and account ACC-40018832 still shows nothing.", history=history)  # fmt: skip
    assert ": single person" not in out.text.lower()


def test_a_named_person_and_what_they_did_is_kept_and_a_health_question_goes_whole():
    out = run("looks like Dr. Patel hasn't signed off yet, she's been slammed lol. I've flagged it as urgent. Also how's the sertraline going, any side effects?? 😊",
              customer_name="Jordan", customer_message="My blood pressure refill still hasn't gone to the pharmacy.")  # fmt: skip
    assert "It looks like Dr. Patel hasn't signed off yet" in out.text and "lol" not in out.text
    assert "sertraline" not in out.text and "side effects" not in out.text and "flagged it as urgent" in out.text


def test_a_late_fee_or_a_late_father_is_no_delay_and_a_booking_is_no_contact():
    from coach.editor.opening import situation
    from coach.editor.phrasebank import load_bank

    assert situation("I owe a €250 late filing surcharge and I'm worried sick.", load_bank(), []) != "delay"
    assert situation("That shirt was a gift from my late father.", load_bank(), []) != "delay"
    history = [PastInteraction(date="2026-05-20", note="Booking HB-4410 made online for 12-15 October.")]
    out = run("Booking HB-4410 is confirmed with a sea view.", customer_name="Maura", history=history,
              customer_message="We're coming for our 40th wedding anniversary on 12 October. Is there any chance of a sea view?")  # fmt: skip
    assert "contacted us" not in out.text


@pytest.mark.parametrize("line", ["Read your policy docs.", "Please keep it civil.", "Most complaints are because people don't wear them consistently.", "Delays can happen."])
def test_lines_that_scold_or_shrug_go(line):
    out = run(f"Your claim PC-2210 was declined on 3 May. {line}", customer_name="Sam", customer_message="Why was my claim declined? I'm upset.")
    assert line.rstrip(".") not in out.text and "PC-2210" in out.text and "3 May" in out.text


def test_we_are_not_responsible_for_goes_and_the_rest_of_the_sentence_stays():
    out = run("Your visa documents were sent on 4 March. Delays can happen, we are not responsible for consulate timelines.", customer_name="Priya")
    assert "not responsible" not in out.text and "4 March" in out.text


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("I've been a member for 19 years and my car loan application was turned down.", "your car loan application was turned down"),
        ("The 07:42 was cancelled and I missed my sister's wedding ceremony in London.", "you missed your sister's wedding ceremony in London"),
        ("I'm worried it's been stolen - it was a £240 coat.", "you're worried it's been stolen"),
        # damage said with its own verb, and an emoji that ends what the customer said
        ("The kettle's lid snapped off on the second day.", "the kettle's lid snapped off on the second day"),
        ("lol my mug turned up smashed 🙃 the box looks fine though", "your mug turned up smashed"),
        ("I'm broke until payday and the tickets cost $90.", None),
    ],
)
def test_more_of_what_went_wrong_is_found_in_the_customers_words(message, said):
    from coach.editor.opening import customer_clause
    from coach.editor.phrasebank import load_bank

    assert customer_clause(message, load_bank()) == said


def test_a_request_to_redo_what_the_customer_already_did_goes_with_its_condition():
    out = run("Have you tried restarting your router? If that doesn't work we can book a tech. Ticket TK-90331.", customer_name="Étienne",
              customer_message="My internet drops every evening. Already did the router reset your bot told me to do.")  # fmt: skip
    assert "restarting your router" not in out.text and "We can book a tech." in out.text and "TK-90331" in out.text
    bought = run("The Travel Pass was activated at 14:32 on 7 September. Did you buy the Travel Pass?", customer_name="Declan",
                 customer_message="I bought the €15 Travel Pass before I left, I have the text confirming it.")  # fmt: skip
    assert "Did you buy" not in bought.text and "14:32 on 7 September" in bought.text


def test_on_the_trip_is_no_occasion_of_the_customers():
    from coach.editor.opening import detail_line
    from coach.editor.phrasebank import load_bank

    assert detail_line("I left my laptop in the car on the trip from Sandton to Rosebank.", "Please report it in the app.", load_bank(), "neutral", 0) is None


def test_a_request_to_redo_is_read_before_any_jargon_swap_and_its_if_so_goes_too():
    out = run("Hi, have you cleared your cache? If so please reinstall the app.", customer_name="Sam Lee",
              customer_message="The app keeps crashing. I already cleared the cache and restarted my phone twice.")  # fmt: skip
    assert "cache" not in out.text and "stored data" not in out.text
    assert "please reinstall the app." in out.text.lower() and "If so" not in out.text
    branch = run("Have you cleared your cache? If not, please clear it in Settings. Ticket AP-5521.", customer_name="Sam Lee",
                 customer_message="The app keeps crashing. I already cleared the cache.")  # fmt: skip
    assert "If not" not in branch.text and "AP-5521" in branch.text


def test_twice_counts_contacts_only_after_a_verb_of_getting_in_touch():
    restarted = run("Please reinstall the app.", customer_name="Sam Lee",
                    customer_message="The app keeps crashing and I'm fed up. I restarted my phone twice.")  # fmt: skip
    assert "second time" not in restarted.text and "contact us a second" not in restarted.text
    called = run("Your card is unblocked now.", customer_name="Kavya", customer_message="I've called twice about my blocked card and I'm fed up.")
    assert "second time" in called.text or "called twice" in called.text


def test_a_booking_reference_the_customer_quoted_is_not_asked_for_again():
    out = run("Can you please provide your booking reference so I can check? The new date will show within 24 hours.", customer_name="Ruth Bell",
              customer_message="My booking K7TR2P for 9 June has the wrong date on it.")  # fmt: skip
    assert "booking reference" not in out.text and "24 hours" in out.text


def test_great_news_alone_goes_for_a_customer_who_has_lost_a_lot():
    out = run("Hi. Great news! 🎉 Your claim CL-4410 for the flood damage is approved and £1,200 will be paid within 5 days.", customer_name="Dana Price",
              customer_message="Our ground floor was flooded last week and we've lost almost everything. I'm exhausted and heartbroken.")  # fmt: skip
    assert "Great news" not in out.text and "£1,200" in out.text and "CL-4410" in out.text


def test_we_cant_is_no_alternative_a_flat_no_gets_a_placeholder():
    out = run("We can't refund digital purchases.", customer_name="Tom Rye",
              customer_message="I bought the wrong game by mistake five minutes ago, can I get a refund?")  # fmt: skip
    assert "We can't refund digital purchases." in out.text and len(find_placeholders(out.text)) == 1


def test_an_apostrophe_s_is_a_verb_only_where_it_reads_as_is_or_has():
    from coach.analysis.fluency import has_finite_verb

    assert has_finite_verb("the sale's over")
    assert has_finite_verb("the parcel's been sent")
    assert has_finite_verb("it's late")
    assert not has_finite_verb("my late mother's wardrobe")
    assert not has_finite_verb("the customer's order number")


def test_an_exclamation_that_says_nothing_goes_even_when_an_emoji_ended_it():
    out = run("Ahh classic driver fail 🤦 we've asked the driver to collect it from no. 41 tonight. Ref RD-33871.",
              customer_name="Tan", customer_message="Your driver left my parcel at number 41, not 14.")  # fmt: skip
    assert "fail" not in out.text and "no. 41 tonight" in out.text and "RD-33871" in out.text


@pytest.mark.parametrize(("words", "normalised"), [
    ("hope Sam gets better soon", "I hope Sam gets better soon."),  # a wish without its subject gets one
    ("Hope is on leave today.", "Hope is on leave today."),  # ... but a name is no wish
    ("If u file by April 15 ur fine", "If you file by April 15 you're fine."),  # "ur" before a predicate is "you're"
    ("Order MK-40991 🙌", "Order MK-40991."),  # a label with a code gets its full stop
    ("Maya, Front Desk", "Maya, Front Desk"),  # a signature keeps no full stop
])  # fmt: skip
def test_word_normalisation(words, normalised):
    assert normalise(words, load_bank(), False) == normalised


def test_a_note_in_the_agents_shorthand_is_said_from_the_customers_side():
    from coach.editor.opening import _gist

    assert _gist("Patient felt faint during filling; recovered after lying flat.") == "you felt faint during filling"
    assert _gist("Routine 60k service booked; quoted $289.") == "your routine 60k service was booked"
    assert _gist("Missed collection reported again; crew supervisor told.") == "you reported a missed collection again"
    assert _gist("Booking HB-4410 made online for 12-15 October.") != "your booking HB-4410 was made online"


def test_telling_a_worried_customer_not_to_worry_goes_and_so_as_an_intensifier_keeps_its_clause():
    out = run("Extractions are routine procedures and there is nothing to worry about. Your appointment is Tuesday 8 April at 09:40.",
              customer_name="Edith", customer_message="I'm 81 and very nervous about my extraction next week.")  # fmt: skip
    assert "nothing to worry" not in out.text and "8 April at 09:40" in out.text
    asked = run("Your invoice INV-50288 totals £3,125.00.", customer_name="Charles",
                customer_message="Why is my invoice so much higher than I expected? This is not good enough.")  # fmt: skip
    assert "why your invoice is." not in asked.text


def test_a_stock_apology_gives_way_only_to_an_acknowledgement_that_names_what_happened():
    named = run("Sorry about that! Engineer is booked for Thursday 8am–12pm.", customer_name="Aisha",
                customer_message="We've had no heating or hot water since Sunday and I have a newborn. I'm so frustrated.")  # fmt: skip
    assert "Sorry about that" not in named.text and "heating" in named.text and "Thursday 8am–12pm" in named.text
    removed = [c for c in named.changes if c.kind == "removed"]
    assert removed and removed[0].before == "Sorry about that!"
    vague = run("Sorry to hear that. Your alarm engineer visits on 24 March.", customer_name="Rachel",
                customer_message="This is really annoying.")  # fmt: skip
    assert "Sorry to hear that." in vague.text  # no specific line to put in its place: the draft's apology stays


def test_a_question_about_savings_or_income_is_prying():
    out = run("How much do you have in savings? We can offer a reduced payment of £120/month, agreement CF-77310.",
              customer_name="Joanne", customer_message="I've been made redundant and I can't make this month's payment.")  # fmt: skip
    assert "savings" not in out.text and "CF-77310" in out.text


# --- round-8 review findings (set H): each a regression test ----------------------------------------------------


def test_a_greeting_on_its_own_line_keeps_the_next_lines_capital():
    out = run("Hi Owen,\nThanks for checking in. Your bike (job BK-2045) is ready.\nCheers,\nFfion", customer_name="Owen Price",
              customer_message="Just checking if my bike's ready?")  # fmt: skip
    assert "\nThanks for checking in." in out.text


def test_a_note_in_shorthand_is_named_by_its_date_not_pasted():
    from coach.editor.opening import _gist

    assert _gist("Member called re missing cards MM-30291. Said reprint would go out w/c 23 Feb.") is None
    assert _gist("Student complained instructor Dave 40 min late. Apologised, lesson credited.") is None
    assert _gist("Owner reported small nick on Biscuit's L ear after groom.") is None
    assert _gist("Guest phoned to cancel HR-10442 due to family illness.") == "you phoned to cancel HR-10442 due to family illness"


def test_a_draft_that_names_the_earlier_time_gets_no_history_line():
    history = [{"date": "2026-02-21", "note": "Owner reported a small nick on Biscuit's ear after a groom."}]
    out = run("I'm sorry Biscuit came home with another nick, especially after the one in February. Jess will groom him on 18 April.",
              customer_name="Imogen", history=history, customer_message="Biscuit came home with a nick on his ear again, same as last time.")  # fmt: skip
    assert "I can see" not in out.text


def test_an_acknowledgement_keeps_a_time_whole_and_never_quotes_the_customers_own_apology():
    ferry = run("The £42.50 for FRY-22817 was processed today.", customer_name="Gareth",
                customer_message="This is the third time I'm writing about the cancelled 07:15 sailing on 14 May. I'm losing patience.")  # fmt: skip
    assert "07." not in ferry.text.replace("07:15", "")
    sorry = run("The missed appointment fee is £30 but we've waived it this once.", customer_name="Harriet",
                customer_message="I'm so sorry I missed my appointment on 14 January. I'm really embarrassed.")  # fmt: skip
    assert "you're so sorry" not in sorry.text


def test_yes_left_alone_once_the_blame_is_cut_goes_with_it():
    out = run("Yeah, the post office isn't exactly our fault. Cards for MM-30291 were re-sent March 3.", customer_name="Eleanor",
              customer_message="My membership cards still haven't arrived.")  # fmt: skip
    assert "our fault" not in out.text and "Yes." not in out.text and "MM-30291" in out.text


def test_a_short_brush_off_the_model_is_sure_of_goes_but_a_refusal_or_owning_the_failure_stays():
    out = run("It happens. Everyone else manages to read it. Your new install date is 14 April, job SOL-9812.",
              customer_name="Wendy", customer_message="You postponed my install again. I'm frustrated.")  # fmt: skip
    assert "It happens" not in out.text and "Everyone else" not in out.text and "14 April, job SOL-9812" in out.text
    kept = run("It's not refundable. That is not good enough, and I'm sorry. Your voucher is V-2210.",
               customer_name="Sam", customer_message="I want a refund, I'm annoyed.")  # fmt: skip
    assert "It's not refundable." in kept.text and "not good enough" in kept.text


def test_answering_back_and_sarcasm_about_other_customers_go_without_leaving_a_stub():
    retort = run("Calling it a scam isn't going to help. The £450 charge is for the scratch, claim CH-2210.",
                 customer_name="Niall", customer_message="This charge is a scam.")  # fmt: skip
    assert "scam" not in retort.text and "CH-2210" in retort.text
    busy = run("Sorry for the slow reply. Believe it or not, we have other clients too! Your photos will be ready by 30 June.",
               customer_name="Zara", customer_message="I've emailed twice about my wedding photos.")  # fmt: skip
    assert "other clients" not in busy.text and "Believe it or not" not in busy.text and "30 June" in busy.text


def test_a_sentence_an_emoji_ends_is_read_alone_for_its_tone():
    out = run("Well, maybe reading the bundle terms would have helped 🙄 The bundle covered EU countries only. We can cap roaming at £50 a month.",
              customer_name="Elif", customer_message="You charged me £287.40 for data in Turkey! I'm furious.")  # fmt: skip
    assert "would have helped" not in out.text and "EU countries only" in out.text and "£50 a month" in out.text


# --- what the customer already gave, by the name they gave it -------------------------------------------------


def test_a_reference_the_customer_quoted_is_not_asked_for_again():
    message = "The shower has been leaking for a week. I reported it on the 3rd, ref PLM-40917. Please send someone."
    out = run("Could you give me your job reference so I can chase it? A plumber is booked for Friday 9am-1pm.", customer_name="Ola", customer_message=message)
    assert "job reference" not in out.text and "Friday 9am-1pm" in out.text
    assert any("already gave" in c.reason for c in out.changes)


def test_a_request_for_two_things_loses_only_the_one_already_given():
    message = "Order KT-55120 arrived without the charger. Fed up."
    out = run("Please confirm your order number and send a photo of the contents so we can check.", customer_name="Ravi", customer_message=message)
    assert "Please send a photo of the contents so we can check." in out.text and "order number" not in out.text


def test_a_receipt_already_sent_is_taken_out_of_the_list_without_leaving_its_adjectives():
    message = "I've already sent you the receipt (PR-20931-X) twice. Why am I still locked out?"
    draft = "Please send the original purchase receipt and the date of purchase. Access is restored within 72 hours of checks."
    out = run(draft, customer_name="Mina", customer_message=message)
    assert "receipt" not in out.text.split("Access")[0] and "the original the" not in out.text
    assert "Please send the date of purchase." in out.text


def test_a_failure_counted_by_the_customer_is_acknowledged_by_its_count():
    out = run("The driver will come on Tuesday, 7am-11am.", customer_name="Dee", customer_message="Second week in a row nobody has collected my recycling. Annoyed.")
    assert "second week in a row" in out.text


def test_therapy_talk_with_no_fact_in_it_goes_whole_however_long():
    draft = ("I can really feel how upsetting this is for you and I want you to know your feelings matter and it's okay to feel overwhelmed. "
             "The premium rose because of a new flood-risk band for RG4. You can re-quote online.")  # fmt: skip
    out = run(draft, customer_name="Priya Shah", customer_message="My home insurance renewal has gone up by £400. I'm really upset.")
    assert "feelings matter" not in out.text and "okay to feel" not in out.text
    assert "RG4" in out.text and "You can re-quote online." in out.text


@pytest.mark.parametrize("jab", ["Nobody else has had a problem with this batch.", "Everyone else manages to use the app fine."])
def test_setting_the_customer_against_other_customers_goes(jab):
    out = run(f"The replacement kettle ships on 4 May. {jab} Tracking follows by email.", customer_name="Ian", customer_message="My kettle leaks. Not happy.")
    assert jab not in out.text and "4 May" in out.text and "Tracking follows by email." in out.text


@pytest.mark.parametrize("line", ["Tracking follows by email.", "Engineer visits tomorrow.", "Waste Services"])
def test_a_short_line_whose_verb_the_guard_does_not_know_is_kept(line):
    # the fluency guard's word list lacks "follows" and "visits": that makes no sentence an empty exclamation
    draft = f"Your new bin is booked for 4 May.\n\n{line}"
    out = run(draft, customer_name="Ian")
    assert line in out.text


def test_a_shrug_behind_text_speak_still_goes():
    out = run("ngl happens all the time. The $38 fee stays till the book is back.", customer_name="Mason")
    assert "happens all the time" not in out.text and "$38" in out.text


def test_what_the_customer_declined_to_discuss_is_not_asked_about():
    message = "Please delete my DNA data. The results were not what I expected and I don't want to discuss them."
    draft = "Unexpected results? Found a long-lost cousin? Happy to help if you want to talk it through. Deletion of kit KT-40112 completes within 30 days."
    out = run(draft, customer_name="Keith", customer_message=message)
    assert "?" not in out.text and "talk it through" not in out.text
    assert "Deletion of kit KT-40112 completes within 30 days." in out.text


def test_a_customer_tired_of_explaining_still_gets_the_agents_questions():
    message = "I don't want to discuss this again, the courier never came."
    out = run("Did the driver leave a card? Redelivery is booked for 4 May.", customer_name="Ada", customer_message=message)
    assert "Did the driver leave a card?" in out.text


def test_though_at_the_end_is_an_adverb_and_text_speak_tho_becomes_it():
    out = run("No refunds once the course starts. Hope he's ok tho. A credit of $210 is on your account.", customer_name="Chloe",
              customer_message="My son broke his wrist on day 2. Can I get a refund?")  # fmt: skip
    assert " tho." not in out.text and "$210" in out.text


@pytest.mark.parametrize(("note", "sentence"), [
    ("Engineer booked for 16 January, 8am-12pm slot.", "The engineer is booked for 16 January, 8am-12pm slot."),
    ("Link will be sent to jo@example.com.", "The link will be sent to jo@example.com."),
    ("Sometimes takes 2 weeks to adapt.", "It sometimes takes 2 weeks to adapt."),
    ("Order dispatched 3 May.", "The order was dispatched on 3 May."),
])  # fmt: skip
def test_a_note_is_said_as_a_full_sentence_with_its_facts(note, sentence):
    out = run(f"Thanks for your patience. {note}", customer_name="Jo")
    assert sentence in out.text


def test_a_mass_noun_keeps_its_bare_form():
    out = run("Thanks for your patience. Payment is due by 3 April.", customer_name="Jo")
    assert "Payment is due by 3 April." in out.text


def test_a_colleague_named_after_their_role_is_no_other_name_for_the_customer():
    out = run("Thanks for telling us. We've passed your feedback to the site manager, Rhys.", customer_name="Gwen Roberts",
              customer_message="The music went on until 2am every night and staff did nothing.")  # fmt: skip
    assert out.text.startswith("Hi Gwen,") and not any("Rhys" in n for n in out.notes)


def test_a_customer_who_was_late_gets_no_apology_for_the_wait():
    message = "I got a £25 late return fee but I was stuck in traffic after an accident. I was only 12 minutes late. Annoyed."
    out = run("The £25 fee applies to returns over 10 minutes late. You can appeal within 28 days.", customer_name="Ines", customer_message=message)
    assert "wait" not in out.text


def test_an_apology_in_text_speak_is_put_right_not_dropped():
    out = run("Sorry u had a bad time. Quiet hours are 11pm-7am.", customer_name="Gwen", customer_message="Noise every night. Staff did nothing.")
    assert "orry you had a bad time." in out.text


@pytest.mark.parametrize(("note", "said", "not_said"), [
    ("Tenant reported mould Flat 4C, Quay House; contractor to inspect.", "you reported this on 17 February", "mould Flat"),
    ("Customer reported a wet patch on her driveway.", "you reported this on 17 February", "her driveway"),
    ("Reported duplicate charge on invoice INV-3002.", "you reported a duplicate charge", "reported duplicate"),
    ("Reported total loss of internet at 06:20.", "you reported a total loss of internet at 06:20", "06:20."),
])  # fmt: skip
def test_a_note_is_named_in_words_a_customer_can_read(note, said, not_said):
    history = [PastInteraction(date="2026-02-17", note=note)]
    message = "I reported this weeks ago and it's still not fixed. Invoice INV-3002 and flat 4C, Quay House. Fed up."
    out = run("We will look at it again this week.", customer_name="Ana", customer_message=message, history=history)
    assert said in out.text and (not_said not in out.text or not_said == "06:20.")


def test_a_line_broken_mid_sentence_is_joined_but_paragraphs_stay():
    draft = "Hi Jo,\n\nYour refund of £20 was sent today and should reach your\naccount in 3-5 days.\n\nKind regards,\nSam"
    out = run(draft, customer_name="Jo")
    assert "should reach your account in 3-5 days." in out.text and "Hi Jo,\n\n" in out.text and "\n\nKind regards" in out.text


def test_joining_a_line_makes_no_new_promise_for_the_guard():
    draft = "Hi Jo,\n\nYou can change the dates once, free of\ncharge, before June 30."
    out = run(draft, customer_name="Jo")
    assert "June 30" in out.text  # "free of charge" across the break stays as the draft wrote it, or joins without a new commitment
    from coach.analysis import compare_facts as compare
    assert not compare(draft, out.text, Context(customer_name="Jo")).new_commitments


def test_a_draft_that_opens_with_the_name_gets_no_second_greeting():
    out = run("Bjorn — container MSKU 718204-5 is due out on 22 April.", customer_name="Bjorn Lund")
    assert out.text.count("Bjorn") == 1


def test_a_second_greeting_word_goes_behind_ours():
    out = run("hey can u send ur student ID pls, cant find u in the system", customer_name="Mateo", channel="chat")
    assert out.text.startswith("Hi Mateo,") and "Hey" not in out.text and "hey" not in out.text


def test_no_problem_answers_thanks_only():
    assert "no problem" not in run("np! refund's done 👍", customer_name="Zoe", channel="chat", customer_message="where is my refund").text.lower()
    assert "no problem" in run("np! refund's done 👍", customer_name="Zoe", channel="chat", customer_message="thanks so much!").text.lower()


@pytest.mark.parametrize("shift", ["That's a courier issue.", "It's the warehouse.", "Missing items are the restaurant's responsibility."])
def test_blame_passed_to_a_third_party_goes_and_is_no_refusal(shift):
    out = run(f"{shift} We've refunded £9 for the missing naan.", customer_name="Arjun", customer_message="My naan was missing. Annoyed.")
    assert shift.split()[-1].rstrip(".") not in out.text and "£9" in out.text
    assert "not able to change" not in out.text


def test_a_refusal_that_points_back_stays_where_it_is():
    draft = "Your delivery has been moved to 22 May. Nothing I can do about that. It will be an all-day slot, 7am to 7pm."
    out = run(draft, customer_name="Sandra", customer_message="Nobody came and I took a day off. Furious.")
    assert out.text.index("22 May") < out.text.index("not able to change this") < out.text.index("7am to 7pm")


# --- round 9 (set I) found these; set I is dev from here on ------------------------------------------------


@pytest.mark.parametrize("name", ["Sam", "Aoife", "Gift Registry Team"])
def test_a_name_that_signs_the_reply_is_kept(name):
    out = run(f"Your fitting is booked for 11 April at 10am.\n\n{name}", customer_name="Lerato")
    assert out.text.rstrip().endswith(name)


def test_two_bare_refusals_make_one_refusal_line():
    out = run("No. Policy is policy. Rescheduled events are not refundable. You can resell them at face value.", customer_name="Zoe",
              customer_message="I can't go on the new date. I want a refund.")  # fmt: skip
    assert out.text.count("not able to change this") <= 1


def test_why_a_prying_question_was_asked_goes_with_it():
    out = run("Sorry about that. What kind of cancer is it and what's the prognosis? Just so we know how urgent. June options: 13 June or 26 June.", customer_name="Siobhan",
              customer_message="My mum has been diagnosed with cancer. Can we bring the wedding forward?")  # fmt: skip
    assert "prognosis" not in out.text and "Just so we know" not in out.text and "26 June" in out.text


def test_a_body_that_ran_on_from_the_greeting_is_capitalised_once_our_line_comes_between():
    out = run("Hi Sofia, the Roam Pass activates when you reply YES. Bill total $287.40, due March 20.", customer_name="Sofia",
              customer_message="I've been charged $287.40 for roaming and I'm worried I can't pay it.")  # fmt: skip
    assert "The Roam Pass" in out.text and ". the Roam" not in out.text


def test_an_emoji_sequence_leaves_no_selector_behind():
    out = run("Looks like the carrier lost it 🤦\u200d♀️ I've sent a replacement box for tomorrow.", customer_name="Jas")
    assert "\ufe0f" not in out.text and "\u200d" not in out.text and "replacement box" in out.text


# --- session 14: kept harm, orphan clauses, details the customer gave -------------------------------------


def test_a_condition_left_without_its_main_clause_is_not_returned():
    draft = "The outstanding amount is £6.40. If you think the books were returned, you should have asked for a receipt at the desk."
    result = run(draft, customer_name="Edna Pickering", customer_message="I returned those books weeks ago and I'm still being fined.")
    assert "£6.40" in result.text
    assert "If you think the books were returned." not in result.text
    assert "should have" not in result.text
    assert_no_new_fragments(draft, result.text)
    assert problem("If you think the books were returned.") is not None
    assert problem("When it arrives we'll text you.") is None and problem("Once it clears the team will book it.") is None


@pytest.mark.parametrize(("sentence", "goes"), [
    ("Wow, two parking sessions, living the dream.", True),  # sarcasm the model is sure of, at someone, no fact in it
    ("Um, we're a two-person studio, not Amazon.", True),
    ("If the hold still shows, that is your bank's issue, not ours.", True),  # blame passed on, by a rule
    ("The wall bracket needed was out of stock.", False),  # a plain explanation the model doubts overall
    ("It's not refundable.", False),  # a refusal is an answer
    ("That is not good enough.", False),  # owning the failure
    ("Residents' weight is monitored monthly.", False),  # a statement about a process, at no one
    ("In the mean time do NOT try to use the lift or climb the stairs on your own.", False),  # a warning
    ("Please chase your GP.", False),  # a short instruction is a next step
])  # fmt: skip
def test_the_sure_model_drop_takes_jabs_and_keeps_answers_warnings_and_instructions(sentence, goes):
    draft = f"Hi Ana,\n\n{sentence} The engineer will come on 9 April between 8am and 12pm."
    result = run(draft, customer_name="Ana Ruiz", customer_message="I was charged twice and the engineer never came. Absolutely fuming.")
    assert (sentence not in result.text) is goes
    assert "The engineer will come on 9 April between 8am and 12pm." in result.text


@pytest.mark.parametrize(("draft", "message", "present", "absent"), [
    # a present the customer mentions is named back, without a promise
    ("We don't gift wrap. You can add a gift receipt at checkout.", "Can you gift wrap this? It's a present for my sister.",
     ["present for your sister"], []),
    # the draft names another day in June: the customer's own date is still worth naming back
    ("Alteration job ALT-2210 is due back from our seamstress on 12 June.",
     "My wedding is on 20 June and my dress alteration still isn't back. I'm panicking.", ["your wedding on 20 June", "12 June"], []),
    # a link without its scheme, a code label and a name keep their case
    ("good news, housekeeping found it!! Its a gold ring.\n\npay.kingsgatehotel.co.uk/lp/LP-0419", "Did you find my mother's ring?",
     ["pay.kingsgatehotel.co.uk/lp/LP-0419", "It's a gold ring"], ["LP-0419."]),
    ("Rx #4471902 on hold - insurance needs prior authorization from your doctor.", "Where is my insulin?", ["Rx #4471902"], []),
    ("Ana left at the end of March. We can move your lessons to Ingrid.", "My teacher Ana has left and the new one keeps cancelling.",
     ["Ana left"], []),
])  # fmt: skip
def test_details_named_back_and_words_whose_case_is_kept(draft, message, present, absent):
    text = run(draft, customer_name="Ruth Cole", customer_message=message).text
    assert all(p in text for p in present) and not any(a in text for a in absent), text


def test_a_signature_under_an_unusual_sign_off_gets_no_full_stop():
    draft = "Hi Ellie,\n\nYour £500 deposit was returned in full on 3 June.\n\nCongratulations again to you both,\nSam"
    result = run(draft, customer_name="Ellie Moss", customer_message="Thank you all so much for our wedding day!")
    assert result.text.rstrip().endswith("\nSam")


def test_an_event_already_past_is_not_named_as_a_deadline_and_a_dated_call_the_draft_names_is_not_repeated():
    draft = "I can see a note of your call on 2 April so I've asked Helen to review the £35 charge."
    result = run(draft, customer_name="Rui Ferreira",
                 customer_message="I've been charged £35 for missing my appointment on 4 April. I RANG on the 2nd to cancel.",
                 history=[PastInteraction(date="2026-04-02", note="Patient phoned to cancel 4 April hygiene appointment.")])  # fmt: skip
    assert "timing matters" not in result.text
    assert result.text.count("2 April") == 1


@pytest.mark.parametrize(
    "message",
    ["Mum's obituary is in this morning's paper and her name is spelt wrong.",
     "Please cancel the policy for Pepper. She died on Saturday.",
     "I am writing regarding the account for my late husband's funeral."],
)  # fmt: skip
def test_a_loss_said_without_a_relation_word_still_gets_a_condolence(message):
    result = run("Dear Policyholder,\n\nThe policy has been cancelled.\n\nRegards,\nClaims", customer_name="Ann Lee", customer_message=message)
    assert "sorry for your loss" in result.text.lower()
    assert "Policyholder" not in result.text  # a generic form of address gives way to the name


def test_a_patronising_have_you_tried_becomes_an_offer_of_help():
    tried = run("Have you tried switching the inverter off and on again? The engineer can come on 12 May.", customer_name="Ann Lee",
                customer_message="My inverter has failed for the third time. I've already reset it twice.")  # fmt: skip
    assert "Have you tried" not in tried.text
    assert "If you have not tried it already, switching the inverter off and on again may help." in tried.text


def test_a_hedge_that_opens_a_sentence_without_its_comma_goes_and_one_that_carries_a_phrase_stays():
    bank = load_bank()
    assert normalise("Honestly all kids get homesick in the first week.", bank) == "All kids get homesick in the first week."
    assert normalise("Technically there is nothing to refund.", bank) == "There is nothing to refund."
    assert normalise("As I already said on the phone, the GPS shows him there.", bank).startswith("As I already said on the phone")


def test_notes_of_what_we_did_are_not_called_the_customers_contact():
    history = [PastInteraction(date="2026-01-14", note="Practical test cancelled (examiner unavailable); rebooked for 12 Feb.")]
    out = run("Your practical test on 20 March has been cancelled. Your new test is on 2 April at 10:15.", customer_name="Owen Blake",
              customer_message="This is the third time my practical test has been cancelled. I'm losing lessons and money.", history=history)  # fmt: skip
    assert "contacted us" not in out.text and "in touch" not in out.text
    assert "14 January" in out.text


@pytest.mark.parametrize(("draft", "name", "want"), [
    ("Hi Ms. Park, I'm sorry the tutor didn't show up on Tuesday. We've credited the $65 session.", "Jin Park", ", I'm sorry the tutor didn't show up"),
    ("hi kwame, i've booked the engineer for Thu 19 March 8am-1pm.", "Kwame Asante", "Hi Kwame,"),
    ("Dear Candidate,\n\nYour test on 20 March has been cancelled.", "Owen Blake", "Owen"),
])  # fmt: skip
def test_greetings_with_a_title_a_lowercase_name_or_a_generic_address(draft, name, want):
    out = run(draft, customer_name=name, customer_message="Why has this happened again?")
    assert want in out.text
    assert out.text.count("Hi ") + out.text.count("Dear ") <= 1  # one greeting, never two


def test_a_refusal_keeps_its_reason_when_only_the_brush_off_goes():
    draft = ("Our pharmacists cannot supply prescription-only medicines without a valid prescription, "
             "so there's nothing we can do until then.")  # fmt: skip
    out = run(draft, customer_name="Sam Reid", customer_message="My epilepsy meds are on hold and I have two days left. Please help.")
    assert "without a valid prescription" in out.text
    assert "nothing we can do" not in out.text


def test_a_letter_chasing_a_bill_is_no_contact_of_the_customers():
    history = [PastInteraction(date="2026-02-24", note="Bramble (Labrador, 14) put to sleep; communal cremation chosen.")]
    out = run("Records updated, sorry for any confusion. Invoice INV-30918 for £286.50 is still outstanding.", customer_name="Ruth Collins",
              customer_message="I got a text saying Bramble is due her booster, and a letter chasing the bill. She was put to sleep with you three weeks ago.",
              history=history)  # fmt: skip
    assert "contacted us" not in out.text and "in touch" not in out.text


def test_documents_the_customer_sent_are_not_asked_for_again_without_a_flag():
    draft = "In order to proceed with financing on stock #T8812 we still require proof of income (2 most recent pay stubs) and proof of residence."
    out = run(draft, customer_name="Derek Hale", customer_message="I sent my pay stubs and electric bill on March 5th. How many times do I have to send the same thing?")
    assert any("already gave" in flag.reason for flag in out.needs_words)


def test_a_sentence_the_model_is_sure_reads_badly_is_flagged_however_its_doubt_splits():
    """The model's doubt about "operational pressures" spreads over several categories, none of them likely alone;
    that it reads badly at all is near certain, so the agent is asked for their words instead of it passing silently."""
    from coach.editor.sentences import model_any_p, model_p

    line = "Appointments are sometimes cancelled due to operational pressures."
    draft = f"Your MRI on 14 May was cancelled. {line} The new date is 21 May at 9:10am."
    findings = [f for f in analyse(draft, Context()).findings if f.match == line and f.rule.startswith("tone-model.")]
    assert findings and all(model_p(f) < 0.3 <= 0.8 <= model_any_p(f) for f in findings)  # the shape this test is about
    out = run(draft, customer_name="Aled", customer_message="My MRI was cancelled again. I'm really worried.")
    assert any(flag.sentence == line for flag in out.needs_words)
    assert "14 May" in out.text and "21 May at 9:10am" in out.text


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("When will the desk I ordered ship? It's been 9 days and still nothing, I'm fed up.", "9 days"),
        ("I've been waiting over two weeks for the replacement. Any news?", "over two weeks"),
    ],
)
def test_how_long_the_customer_waited_is_named_instead_of_a_bare_sorry_for_the_wait(message, named):
    out = run("Order DK-3310 is on backorder until 4 June.", customer_name="Chen", customer_message=message)
    assert named in out.text and "sorry for the wait" not in out.text and "4 June" in out.text


def test_years_as_a_member_are_no_wait():
    from coach.editor.opening import slots
    from coach.editor.phrasebank import load_bank

    assert "waited" not in slots("It's been 12 years since I joined and the app is still late.", load_bank())


def test_time_counted_is_no_wait_unless_it_goes_on():
    from coach.editor.opening import situation
    from coach.editor.phrasebank import load_bank

    assert situation("I know it's been 45 days, but could you accept this return? I'm annoyed.", load_bank(), []) != "delay"


def test_clauses_that_were_neighbours_keep_their_link_word_when_a_jab_between_others_goes():
    out = run("hi, order #81402 left the warehouse late because of the bank holiday, not our fault. it's with DPD now.", customer_name="Pauline",
              customer_message="Where is my order? It's been two weeks.")  # fmt: skip
    assert "late because of the bank holiday" in out.text and "not our fault" not in out.text and "#81402" in out.text
    assert_no_new_fragments("order #81402 left the warehouse late because of the bank holiday.", out.text)


def test_ya_opening_a_sentence_before_a_pronoun_says_yes():
    out = run("ya ur test is still on Wed 25 March 10:47 at Hendon test centre.", customer_name="Tyler", channel="chat")
    assert "yes, your test is still on wed 25 march 10:47" in out.text.lower() and "you your" not in out.text.lower()


def test_a_fear_for_the_future_is_no_repeat_and_no_thing_that_went_wrong():
    from coach.editor.opening import customer_clause, situation
    from coach.editor.phrasebank import load_bank

    message = "Our store went down 40 minutes into our launch. I need to know whether it's going to happen again."
    assert situation(message, load_bank(), []) != "repeat"
    assert customer_clause(message, load_bank()) == "your store went down 40 minutes into your launch"
    assert customer_clause("I need to know whether it's going to happen again.", load_bank()) is None


@pytest.mark.parametrize(
    ("message", "line", "never"),
    [
        ("Mochi died on Saturday. My partner said I should send the claim in.", "I'm so sorry to hear about Mochi.", "partner"),
        ("My husband Geoffrey was a member for 22 years. He passed away on 3 February.", "your husband", "Geoffrey."),
        ("I lost my dad last month and his card is still being charged.", "your dad", None),
    ],
)
def test_a_condolence_names_who_died_not_any_relation_the_customer_mentions(message, line, never):
    out = run("Claim CLM-60493 is open.", customer_name="Hannah", customer_message=message)
    assert line in out.text and "CLM-60493" in out.text
    if never:
        assert never not in out.text.split("CLM-60493")[0]


def test_a_term_the_customer_used_is_not_swapped_for_a_plainer_one():
    out = run("FYI a chargeback closes the claim on our side. Open a claim from order MP-4482-19.", customer_name="Liam",
              customer_message="The seller blocked me. I'll do a chargeback if this isn't sorted.")  # fmt: skip
    assert "chargeback closes the claim" in out.text and "MP-4482-19" in out.text


def test_telling_the_customer_nothing_else_is_needed_stays():
    out = run("The duplicate £1,120 will be refunded on 12 March. Nothing else needed from you.", customer_name="Amira",
              customer_message="You took my rent money twice!")  # fmt: skip
    assert "Nothing else needed from you." in out.text and "£1,120" in out.text


def test_an_abbreviation_before_and_does_not_end_the_sentence():
    assert sentences_of("DM us the tracking no. and we'll look into it. Thanks.") == ["DM us the tracking no. and we'll look into it.", "Thanks."]


def test_call_notes_in_the_third_person_are_not_turned_round_as_the_customers_words():
    from coach.editor.opening import customer_clause
    from coach.editor.phrasebank import load_bank

    notes = "(Call notes) Customer says the grandfather clock that was his father's now has a split down the case. Very upset."
    assert customer_clause(notes, load_bank()) is None


def test_a_sales_offer_after_a_loss_goes_or_is_flagged_when_it_carries_a_price():
    out = run("Your refund of £85.00 is done. Fancy trying our new spring bouquets? Why not treat yourself to Premium for just €189 extra?",
              customer_name="Yusuf", customer_message="The wreath for my grandmother's funeral had the wrong card. My grandmother passed away last week.")  # fmt: skip
    assert "Fancy trying" not in out.text and "£85.00" in out.text
    assert any("sales offer" in flag.reason and "€189" in flag.sentence for flag in out.needs_words)
    calm = run("Fancy trying our new spring bouquets?", customer_name="Yusuf", customer_message="The flowers were lovely, thank you!")
    assert "Fancy trying" in calm.text  # an offer to a happy customer is the agent's call
