"""The lexicon-based emotion detector."""

from __future__ import annotations

import pytest

from coach.analysis.emotion import EMOTIONS, acknowledged, detect_emotions


def names(text: str) -> list[str]:
    return [e.name for e in detect_emotions(text)]


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("This is absolutely unacceptable, I'm furious.", "anger"),
        ("I'm so frustrated, this is the third time I've chased this.", "frustration"),
        ("I'm worried someone has used my card, there's a payment I don't recognise.", "worry"),
        ("I need it by tomorrow, it's urgent!", "urgency"),
        ("My dad passed away last month and I'm heartbroken.", "sadness"),
        ("Thank you so much, you've been brilliant!", "gratitude"),
    ],
)
def test_each_emotion_is_detected(text: str, emotion: str):
    assert emotion in names(text)


@pytest.mark.parametrize(
    "text",
    ["Where is my parcel?", "Please update my address to 4 High Street.", "Thanks, Sarah", ""],
)
def test_neutral_messages_show_no_emotion(text: str):
    assert names(text) == []


def test_negation_cancels_a_cue():
    assert "anger" not in names("I'm not angry, just confused about the bill.")
    assert "worry" not in names("I'm not worried about it at all.")


def test_calm_cues_cancel_urgency():
    assert "urgency" in names("Please send it today, I need it urgently.")
    assert "urgency" not in names("No rush at all, whenever you can is fine - not urgent.")


def test_sarcastic_thanks_is_not_gratitude():
    assert "gratitude" not in names("Thanks for nothing.")
    assert "anger" in names("Thanks for nothing, this is a joke.")


def test_capitals_and_punctuation_turn_up_an_existing_emotion_only():
    calm = detect_emotions("I am annoyed that it is late again.")
    loud = detect_emotions("I AM ANNOYED THAT IT IS LATE AGAIN!!")
    score = {e.name: e.score for e in calm}
    loud_score = {e.name: e.score for e in loud}
    assert loud_score["frustration"] > score["frustration"]
    assert detect_emotions("PLEASE UPDATE MY ADDRESS!!") == []


def test_results_explain_themselves():
    for emotion in detect_emotions("I'm furious and worried, and I need this urgently!!"):
        assert emotion.name in EMOTIONS
        assert 0 < emotion.score <= 1
        assert emotion.cues


def test_strongest_emotion_comes_first():
    found = detect_emotions("Absolutely furious. Outrageous, disgusting service. Also a bit worried.")
    assert found[0].name == "anger"


def test_acknowledgement_lookup():
    assert acknowledged("frustration", "I'm sorry you've had to chase this again.")
    assert acknowledged("urgency", "I've sent it by express today.")
    assert acknowledged("gratitude", "Thank you for your kind words!")
    assert acknowledged("gratitude", "I'm sorry about that.") is None
    assert acknowledged("anger", "Your order has shipped.") is None


@pytest.mark.parametrize(
    "reply",
    ["We're sorry your parcel is late.", "We are sorry it came damaged.", "Sorry about the wait, it ships today."],
)
def test_our_apologies_acknowledge_negative_emotions(reply: str):
    for emotion in ("anger", "frustration", "worry"):
        assert acknowledged(emotion, reply), (emotion, reply)
    assert acknowledged("gratitude", reply) is None


# --- sarcasm, emphasis and the complaints the eval cases exposed --------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "@HomeGoodsUK my lamp arrived in pieces. great. just great.",
        "The lamp is broken. Brilliant… well done.",
        "Oh wonderful, another delay.",
        'Oh brilliant, another "we\'re sorry for the delay" email. Really impressive work, well done everyone.',
        "Thanks a lot. Still no refund and nobody has called me back.",
    ],
)
def test_sarcastic_praise_is_frustration_not_gratitude(text: str):
    found = names(text)
    assert "gratitude" not in found
    assert "frustration" in found


@pytest.mark.parametrize(
    "text",
    ["Oh wonderful, thank you so much!", "That's just great, thanks for sorting it!", "Thank you so much, well done everyone!"],
)
def test_sincere_praise_stays_gratitude(text: str):
    assert "gratitude" in names(text)
    assert "frustration" not in names(text)


def test_thanks_a_lot_is_sarcastic_only_before_a_complaint():
    sarcastic = detect_emotions("Thanks a lot. I'm still waiting and nobody has called.")
    assert [e.name for e in sarcastic] == ["frustration"] and "Thanks a lot" in sarcastic[0].cues
    assert "gratitude" in names("I was frustrated at first, but thank you so much, and thanks a lot for sorting it.")
    assert names("Thanks a lot, that's very helpful.") == ["gratitude"]


def test_a_cue_in_capitals_counts_double():
    assert "frustration" in names("You've sent the wrong one AGAIN.")
    assert "frustration" not in names("Could you send it again?")
    assert "frustration" in names("You've sent my order to my OLD address.")
    assert "frustration" not in names("Please send it to my old address.")
    assert detect_emotions("I need it ASAP")[0].score == detect_emotions("I need it asap")[0].score  # an acronym, not emphasis


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("You've sent the blue kettle again. I ordered cream. Twice now.", "frustration"),
        ("no cap this is the 3rd time the app charged me twice fr. im so done", "frustration"),
        ("Your driver threw my parcel over the gate. Not acceptable.", "anger"),
        ("Your rubbish checkout rejected my card three times. Sort it out.", "frustration"),
        ("You said the refund would be done by Friday. It isn't.", "frustration"),
        ("When will it actually ship? It's been two weeks.", "frustration"),
        ("I wish to complain about your engineer, who left without explanation. I expect a response.", "anger"),
        ("The tracking hasn't moved in a week. Is my parcel lost?", "worry"),
        ("Our wedding is this Saturday and the link is broken! Can you fix it today?", "urgency"),
        ("We move on 14 May and I work from home, so I need internet from day one.", "urgency"),
        ("Meine Bestellung ist immer noch nicht da. Das ist wirklich ärgerlich.", "frustration"),
        ("¿Cuándo recibiré el reembolso? Ya han pasado dos semanas y estoy preocupada.", "worry"),
        ("Je suis vraiment déçue, toujours pas de colis.", "frustration"),
    ],
)
def test_complaints_from_the_eval_cases(text: str, emotion: str):
    assert emotion in names(text)


def test_a_formal_complaint_alone_is_not_anger():
    assert "anger" not in names("I wish to make a formal complaint about the delay.")


def test_negators_in_other_languages():
    assert "frustration" not in names("Das ist nicht ärgerlich.")
    assert "worry" not in names("No estoy preocupada.")
    assert "worry" not in names("Je ne suis pas inquiet.")


def test_a_lexicon_without_the_new_sections_still_loads(tmp_path):
    import yaml

    from coach.analysis.emotion import load_emotion_lexicon
    from coach.config import PROJECT_ROOT

    data = yaml.safe_load((PROJECT_ROOT / "knowledge" / "lexicons" / "emotions.yaml").read_text())
    del data["sarcasm"], data["emphasis"]
    (tmp_path / "emotions.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    lexicon = load_emotion_lexicon(tmp_path)
    assert lexicon.sarcasm is None and lexicon.emphasis == 1.0
    assert "gratitude" in [e.name for e in detect_emotions("great. just great. thank you so much", lexicon)]


SPELLED_OUT = ("editor-set-i", "editor-set-k")


def _blind(case) -> bool:
    """A case from a set written blind, after the lexicon (editor-set, editor-set-c, editor-set-d, ...). Sets I and K
    are left out: their authors, told by the case schema that an acknowledgement is judged with the lexicon's phrases,
    wrote the emotion words out ("frustrated", "worried"), so they measure the lexicon's own wording rather than how
    far it generalises (lexicon 0.91 and 0.96 there, lexicon and model 0.87 and 0.98); they have their own check below."""
    return any(tag.startswith("editor-set") for tag in case.tags) and not any(tag in SPELLED_OUT for tag in case.tags)


def test_the_detector_agrees_with_the_eval_case_labels():
    """Cases that say which emotions a rewrite must acknowledge are labels for the detector, too. The lexicon
    was tuned on the earlier cases, so this holds it to them (a regression check, not evidence); the editor
    set, written later and blind, measures how it generalises (next test)."""
    from coach.evals.cases import load_cases

    labelled = [c for c in load_cases() if c.expect.acknowledge and c.context.customer_message and not any(t.startswith("editor-set") for t in c.tags)]
    disagree = [
        c.id for c in labelled if set(names(c.context.customer_message)) != set(c.expect.acknowledge)
    ]
    assert len(labelled) >= 50
    assert len(disagree) <= 0.1 * len(labelled), disagree
    missed = [
        (c.id, e) for c in labelled for e in c.expect.acknowledge if e not in names(c.context.customer_message)
    ]
    assert not missed, missed


def test_the_learned_model_generalises_to_cases_written_blind_better_than_the_lexicon():
    """On the editor set (written without seeing the lexicon or the model), the lexicon finds under half of the
    emotions the cases say a reply must acknowledge; the lexicon and model together find far more."""
    from coach.analysis import analyse
    from coach.evals.cases import load_cases
    from coach.schemas import Context

    blind = [c for c in load_cases() if _blind(c) and c.expect.acknowledge and c.context.customer_message]
    wanted = [(c.context.customer_message, e) for c in blind for e in c.expect.acknowledge]
    lexicon = sum(e in names(message) for message, e in wanted) / len(wanted)
    combined = sum(e in {x.name for x in analyse("Thanks.", Context(customer_message=message)).emotions} for message, e in wanted) / len(wanted)
    assert len(blind) >= 50
    assert combined >= lexicon + 0.2 and combined >= 0.7, (lexicon, combined)


def test_on_cases_that_spell_the_emotion_out_the_model_keeps_what_the_lexicon_finds():
    """Sets I and K name their emotions in so many words: there the detector must find nearly all of them (0.87 and
    0.98 on 7 December)."""
    from coach.analysis import analyse
    from coach.evals.cases import load_cases
    from coach.schemas import Context

    spelled = [c for c in load_cases() if any(t in SPELLED_OUT for t in c.tags) and c.expect.acknowledge and c.context.customer_message]
    wanted = [(c.context.customer_message, e) for c in spelled for e in c.expect.acknowledge]
    combined = sum(e in {x.name for x in analyse("Thanks.", Context(customer_message=message)).emotions} for message, e in wanted) / len(wanted)
    assert len(spelled) >= 70 and combined >= 0.85, combined
