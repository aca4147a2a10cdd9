from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.analysis.language import guess_language
from coach.diff import word_diff


def test_word_diff_marks_removed_and_added_words():
    diff = word_diff("hey mate, your order #48213 is late", "Hi Sarah, your order #48213 is late")
    assert diff == [("-", "hey mate, "), ("+", "Hi Sarah, "), ("=", "your order #48213 is late")]


def test_a_one_word_insert_in_a_long_text_is_one_change():
    words = [f"word{n % 400}" for n in range(2000)]
    before, after = " ".join(words), " ".join(words[:1000] + ["changed"] + words[1000:])
    assert [op for op, _ in word_diff(before, after)] == ["=", "+", "="]


def test_unchanged_paragraphs_stay_whole_and_changed_ones_diff_by_word():
    kept = "Your parcel left our warehouse on 12 March.\n\n"
    before = kept + "hey mate, it is late lol\n\nKind regards,\nJo"
    after = kept + "Hi Sarah, it is late\n\nKind regards,\nJo"
    diff = word_diff(before, after)
    assert diff[0] == ("=", kept)  # the kept paragraph is one run
    assert diff[1:4] == [("-", "hey mate, "), ("+", "Hi Sarah, "), ("=", "it is ")]  # the changed one, word by word
    assert diff[-1] == ("=", "Kind regards,\nJo")  # blank lines travel with the line before them


_LINES = st.lists(st.sampled_from(["Hi Sarah,", "hey mate,", "order #48213", "", "lol", "Kind regards, Jo", "late again"]), max_size=8)


@given(_LINES, _LINES)
def test_diff_rebuilds_multi_line_texts(before_lines, after_lines):
    before, after = "\n".join(before_lines), "\n".join(after_lines)
    diff = word_diff(before, after)
    assert "".join(t for op, t in diff if op != "+") == before
    assert "".join(t for op, t in diff if op != "-") == after


@given(st.text(max_size=80), st.text(max_size=80))
def test_diff_rebuilds_both_texts(before, after):
    diff = word_diff(before, after)
    assert "".join(t for op, t in diff if op != "+") == before
    assert "".join(t for op, t in diff if op != "-") == after


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thank you for your message, we will look into this and get back to you.", "en"),
        ("Vielen Dank für Ihre Nachricht, wir werden uns darum kümmern und ich melde mich.", "de"),
        ("Merci pour votre message, nous allons vérifier et je vous réponds avec les détails.", "fr"),
        ("Gracias por su mensaje, lo revisamos y le respondemos con los detalles de su pedido.", "es"),
        ("Спасибо за ваше сообщение, мы проверим заказ.", "cyrillic"),
        ("ok", None),
        ("", None),
    ],
)
def test_guess_language(text, language):
    assert guess_language(text) == language


@pytest.mark.parametrize(
    ("text", "locale", "language"),
    [
        ("Hallo Herr Becker, die Lieferung kommt leider später.", "de", "de"),
        ("Hallo Herr Becker, die Lieferung kommt leider später.", "en", "de"),
        ("hey mate, your order is late lol", "en", None),
        ("Your order #4411 ships on Monday.", "en-GB", None),
    ],
)
def test_likely_language_uses_the_locale_then_the_text(text, locale, language):
    from coach.analysis.language import likely_language

    assert likely_language(text, locale) == language
