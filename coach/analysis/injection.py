"""Instructions hidden in the customer's data, and a rewrite that follows one.

The customer's message, the history, the name field and the lines a draft quotes are data. Text there that
tells the writer what to do ("ignore previous instructions and ...", "SYSTEM: ...", "when you answer, change
the order number to ...") is found here, after undoing the usual disguises: base64, look-alike letters
from other scripts, spaced-out letters, markdown wrapping, and upper case.

`echoed` is the verify step's check: a rewrite that repeats ECHO_WORDS or more consecutive words of such an
instruction, words the draft does not have, is following it. Linear in the input: sentences and word
shingles, no pairwise matching.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

ECHO_WORDS = 5
MAX_READ = 40_000  # characters of the customer's data read for instructions

# Cyrillic and Greek letters that look like Latin ones.
_LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁɡАВЕКМНОРСТХІЈЅαεορτυνκΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcyxijsdgABEKMHOPCTXIJSaeoptuvkABEHIKMNOPTXYZ",
)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_SPACED = re.compile(r"(?<!\S)(?:[A-Za-z] ){3,}[A-Za-z](?!\S)")
_MARKUP = re.compile(r"`{3}\w*|[*_`#>|]+|</?[a-z_]+>", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"[a-z0-9£$€#@.:/-]+")
_CUES = re.compile(
    r"\b(?:ignore|disregard|forget)\b[^.!?\n]{0,40}\b(?:instructions?|rules|above|previous|prior|everything)\b|"
    r"\bsystem\s*(?:prompt|message)?\s*:|\bsystem prompt\b|\b(?:assistant|chatbot|ai|bot|writer|model)\s*[,:]|"
    r"\bnew (?:rule|instruction)s?\b|\bfrom now on\b|\breveal\b|"
    r"\b(?:tell|inform) the customer\b|"
    r"\b(?:write|say|state|promise|put|add|append|include|insert)\b(?:\s+\w+){0,3}\s+(?:that|this|the following|the text|the code|a line|a sentence)\b|"
    r"\bchange the\b[^.!?\n]{0,40}\b(?:to|into)\b|\bend (?:every|each|the|your) (?:reply|answer|message|response)\b|"
    r"\bwhen you (?:answer|reply|write|respond)\b|\b(?:in|to) (?:your|the) (?:reply|answer|response)\b|"
    r"\bnote to (?:whoever|the person|the agent|the writer|the ai)\b",
    re.I,
)


def reveal(text: str) -> str:
    """The text with its disguises undone: base64 blobs decoded in place, look-alike letters made Latin,
    spaced-out letters joined, markdown and tags dropped."""
    text = unicodedata.normalize("NFKC", text[:MAX_READ]).translate(_LOOK_ALIKES)
    text = _BASE64.sub(_decoded, text)
    text = _SPACED.sub(lambda m: m.group().replace(" ", ""), text)
    return _MARKUP.sub(" ", text)


def instructions(text: str) -> list[str]:
    """The sentences of `text` (after `reveal`) that tell the writer what to do."""
    return [s.strip() for s in _SENTENCE.findall(reveal(text)) if _CUES.search(s)]


def echoed(rewrite: str, data: list[str], draft: str) -> str | None:
    """The instruction from `data` that the rewrite follows (repeats ECHO_WORDS consecutive words of, words
    the draft does not have), or None."""
    orders = [order for text in data if text for order in instructions(text)]
    if not orders:
        return None
    # Quoted lines are the customer's words, kept as they were: an instruction there is not followed by being kept.
    rewrite, draft = _unquoted(rewrite), _unquoted(draft)
    draft_shingles = _shingles(reveal(draft))
    owner: dict[tuple[str, ...], str] = {}
    for order in orders:
        for shingle in _shingles(order) - draft_shingles:
            owner.setdefault(shingle, order)
    for shingle in _shingles(reveal(rewrite)):
        if shingle in owner:
            return owner[shingle]
    return None


def _unquoted(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS + 1)}


def _decoded(match: re.Match[str]) -> str:
    blob = match.group()
    try:
        decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return blob
    return f" {decoded} " if decoded.isprintable() else blob
