"""A cheap guess at a text's language: its script, and for Latin script the most frequent stopwords.

Good enough to notice that a rewrite switched language; not a general language identifier.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+")
_STOPWORDS = {
    "en": "the and you your is are to of for we i it this that have will with be not on in can our please thank",
    "de": "der die das und ist sie ihr ihre wir ich nicht mit für ein eine zu auf den dem bitte danke haben wird",
    "fr": "le la les et est vous votre nous je ne pas pour un une des du de avec sur merci avons sera",
    "es": "el la los las y es usted su nosotros yo no para un una de con por que gracias hemos será está",
    "it": "il lo la gli le e è lei suo noi io non per un una di con che grazie abbiamo sarà sono",
    "nl": "de het een en is u uw wij ik niet voor met op van te dank hebben zal zijn",
    "pt": "o a os as e é você seu sua nós eu não para um uma de com que obrigado temos será está",
}
_STOPWORD_SETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "DEVANAGARI", "THAI")


SAMPLE = 2000  # characters, some 350 words: stopwords enough to tell the language; a longer text costs no more
_NOT_ASCII_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def script_of(text: str) -> str | None:
    """The script most of the text's letters are written in."""
    counts: dict[str, int] = {}
    ascii_letters = len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))  # fast on long texts
    if ascii_letters:
        counts["LATIN"] = ascii_letters
    for char in _NON_ASCII.findall(text):
        script = _script_of_char(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else None


@lru_cache(maxsize=4096)
def _script_of_char(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return next((script for script in _SCRIPTS if name.startswith(script)), None)


def _scores(text: str) -> dict[str, int]:
    counts = Counter(_WORD.findall(text.lower()))
    return {lang: sum(counts[word] for word in stop if word in counts) for lang, stop in _STOPWORD_SETS.items()}


def same_language(draft: str, rewrite: str) -> bool:
    """False only when the rewrite is clearly in a language the draft is not in.

    Short drafts rarely name their language outright; then the rewrite's language must at least be
    among the draft's best-scoring ones ("hey mate, your order is late" is English enough)."""
    target = guess_language(rewrite)
    if target is None:
        return True
    source = guess_language(draft)
    if source is not None:
        return source == target
    if script_of(draft) not in (None, "LATIN") or target not in _STOPWORD_SETS:
        return script_of(draft) == script_of(rewrite)
    scores = _scores(draft)
    return scores[target] >= max(scores.values())


@lru_cache(maxsize=64)  # the draft's language is asked for by the pipeline, the rules engine and verification
def guess_language(text: str) -> str | None:
    """'en', 'de', ... for Latin-script text with enough stopwords; the script's name for other scripts;
    None when the text is too short or too mixed to tell. Only the first `SAMPLE` characters are read."""
    text = text[:SAMPLE]
    script = script_of(text)
    if script is None:
        return None
    if script != "LATIN":
        return script.lower()
    scores = _scores(text)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 3 or top < 1.5 * second:
        return None
    return best


def likely_language(text: str, locale: str = "en") -> str | None:
    """The draft's language for deciding what the English-only rules engine may touch: the locale when it
    names another language, else the guess, else the best-scoring language of a short text."""
    declared = locale.replace("_", "-").split("-")[0].lower()
    if declared and declared != "en":
        return declared
    guessed = guess_language(text)
    if guessed is not None:
        return guessed
    scores = _scores(text)
    best = max(scores, key=scores.get)
    return best if scores[best] > scores["en"] else None
