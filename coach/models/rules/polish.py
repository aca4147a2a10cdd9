"""Mechanical fixes: missing apostrophes, "i" -> "I", spacing and punctuation, sentence capitals.

None of them touches a protected span: `respell` skips them, the others run on the work text.
"""

from __future__ import annotations

import re
from coach.models.rules.phrases import Spelling
from coach.models.rules.work import Work

_ABBREVIATIONS = frozenset("mr mrs ms mx dr prof st jr sr vs etc approx e.g i.e eg ie no nos ref tel dept inc ltd co".split())
_LONE_I = re.compile(r"(?<![\w'’\-.@/(])i(?=['’](?:m|ll|ve|d)\b|[ \t\r\n,;:!?)]|$)")
_TIDY = (
    (re.compile(r"[ \t]+([,;:.!?])(?![-]?[)(DPp]|\.\.)"), r"\1"),  # "sorted ," -> "sorted,"; keeps " :)" and " ..."
    (re.compile(r"([,;:])(?:[ \t]*[,;:])+"), r"\1"),  # ",," -> ","
    (re.compile(r"[,;][ \t]*([.!?])"), r"\1"),  # "it, ." -> "it."
    (re.compile(r"(?<![.])\.\.(?!\.)"), "."),  # ".." -> "." (an ellipsis stays)
    (re.compile(r"([.!?])[ \t]*,"), r"\1"),  # ". ," -> "."
    (re.compile(r"(^|\n|[.!?][ \t]+)[ \t]*[,;]+[ \t]*"), r"\1"),  # a sentence that starts with a comma
    (re.compile(r"(?<=\S)[ \t]{2,}(?=\S)"), " "),  # doubled spaces (indentation stays)
    (re.compile(r"[ \t]+(?=\n|$)"), ""),  # trailing spaces
)
_BOUNDARY = re.compile(r"(?<!\.)[.!?]+[\"'’”)\]]*[ \t]+|\n")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_LINE_END = re.compile(r"(?:[.!?:]+[\"'’”)\]]*)$")


Edit = tuple[int, int, str]  # start, end (in the original text), replacement


def respell(text: str, protected: list[tuple[int, int]], spelling: Spelling) -> tuple[str, list[Edit]]:
    """Missing apostrophes and a lone "i", fixed outside the protected spans. The analysis's rules
    look for "can't", so this runs before anything else; `shift` maps old offsets to new ones."""
    apostrophes, its = spelling.regexes()
    edits: list[Edit] = []
    position = 0
    for start, end in [*protected, (len(text), len(text))]:
        for regex, pick in ((apostrophes, lambda w: spelling.apostrophes[w.lower()]), (its, lambda w: "it's"), (_LONE_I, lambda w: "I")):
            for match in regex.finditer(text, position, start):
                edits.append((match.start(), match.end(), _same_case(match.group(), pick(match.group()))))
        position = max(position, end)
    edits.sort()
    parts, last = [], 0
    for start, end, replacement in edits:
        parts += [text[last:start], replacement]
        last = end
    parts.append(text[last:])
    return "".join(parts), edits


def shift(position: int, edits: list[Edit]) -> int:
    return position + sum(len(new) - (end - start) for start, end, new in edits if end <= position)


def _same_case(word: str, replacement: str) -> str:
    if len(word) > 1 and word.isupper():
        return replacement.upper()
    if word[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def tidy(work: Work) -> None:
    text = work.text
    for regex, replacement in _TIDY:
        text = regex.sub(replacement, text)
    if text != work.text:
        work.log("replaced", "", "", "Tidied spacing and punctuation.", [])
    work.text = text


def capitalise_sentences(work: Work) -> None:
    """A capital at the start of each sentence: the start of the reply, after the greeting, after
    . ! ? and at the start of a line that follows a finished sentence or a blank line."""
    text = work.text
    chars = list(text)
    marks = set(work.markers.all())
    fixed: list[str] = []
    for start in _sentence_starts(work, text, marks):
        position = start
        while position < len(text) and (text[position] in marks or text[position] in " \t\r\n\"'‘“("):
            position += 1
        word = _WORD.match(text, position)
        if word and word.group().islower():
            chars[position] = text[position].upper()
            fixed.append(word.group())
    work.text = "".join(chars)
    for word in dict.fromkeys(fixed):
        work.log("replaced", word, word[0].upper() + word[1:], "A capital letter at the start of a sentence.", [])


def _sentence_starts(work: Work, text: str, marks: set[str]) -> list[int]:
    starts = [0]
    greeting = text.find(work.markers.greeting)
    if greeting >= 0 and text[greeting + 1 :].lstrip(" \t")[:1] in ("\n", "\r"):
        starts.append(greeting + 1)  # a greeting on its own line; one that runs on starts no sentence
    for match in _BOUNDARY.finditer(text):
        if match.group() == "\n":
            if _ends_sentence(work, text[: match.start()], marks):
                starts.append(match.end())
        elif not _after_abbreviation(text, match.start()):
            starts.append(match.end())
    return starts


def _ends_sentence(work: Work, before: str, marks: set[str]) -> bool:
    """Does the line before this newline end a sentence (or is it blank, or only quoted lines)?"""
    line = before[before.rfind("\n") + 1 :]
    line = "".join(ch for ch in line if ch not in marks).rstrip()
    if not line or all(work.is_slot(ch) or ch.isspace() for ch in line):
        return True
    return _LINE_END.search(line) is not None


def _after_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[max(0, dot - 12) : dot])
    return bool(word) and word.group(1).lower().rstrip(".") in _ABBREVIATIONS
