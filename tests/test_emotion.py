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
