"""Mechanical fixes on the work text, after the edits: spacing and punctuation, sentence capitals.

They run on the work text, so no slot (a fact, a quoted line, the signature) is touched.
"""

from __future__ import annotations

import re
from coach.models.rules.work import Work

_ABBREVIATIONS = frozenset("mr mrs ms mx dr prof st jr sr vs etc approx e.g i.e eg ie no nos ref tel dept inc ltd co".split())
_TIDY = (
    (re.compile(r"[ \t]+([,;:.!?])(?![-]?[)(DPp]|\.\.)"), r"\1"),  # "sorted ," -> "sorted,"; keeps " :)" and " ..."
    (re.compile(r"([,;:])(?:[ \t]*[,;:])+"), r"\1"),  # ",," -> ","
    (re.compile(r"[,;][ \t]*([.!?])"), r"\1"),  # "it, ." -> "it."
    (re.compile(r"(?<![.])\.\.(?!\.)"), "."),  # ".." -> "." (an ellipsis stays)
    (re.compile(r"([.!?])[ \t]*,"), r"\1"),  # ". ," -> "."
    (re.compile(r"(^|\n|[.!?][ \t]+)[ \t]*[,;]+[ \t]*"), r"\1"),  # a sentence that starts with a comma
    (re.compile(r"(?<=\S)[ \t]{2,}(?=\S)"), " "),  # doubled spaces (indentation stays)
    (re.compile(r"\b(the|a|an|our|your|my|their)\s+\1\b", re.IGNORECASE), r"\1"),  # "our our system" after a swap
    (re.compile(r"[ \t]+(?=\n|$)"), ""),  # trailing spaces
)
_BOUNDARY = re.compile(r"(?<!\.)[.!?]+[\"'’”)\]]*[ \t]+|\n")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_LINE_END = re.compile(r"(?:[.!?:]+[\"'’”)\]]*)$")


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
        after = text[word.end() : word.end() + 2] if word else ""
        if word and after[:1] in "./@:" and after[1:].isalnum():
            continue  # a link, a domain or an address ("food.example/terms"): a fact, kept as written
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
            if _ends_sentence(work, text[text.rfind("\n", 0, match.start()) + 1 : match.start()], marks):
                starts.append(match.end())
        elif not _after_abbreviation(text, match.start()):
            starts.append(match.end())
    return starts


def _ends_sentence(work: Work, line: str, marks: set[str]) -> bool:
    """Does the line before a newline end a sentence (or is it blank, or only quoted lines)?"""
    line = work.unmarked(line).rstrip()
    if not line or all(work.is_slot(ch) or ch.isspace() for ch in line):
        return True
    return _LINE_END.search(line) is not None


def _after_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[max(0, dot - 12) : dot])
    return bool(word) and word.group(1).lower().rstrip(".") in _ABBREVIATIONS
