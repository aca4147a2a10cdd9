"""Word-level normalisation inside one sentence: text-speak, missing apostrophes, casing, laughter at the
edges, and (formal register) contractions written out. Whole words only; nothing is cut from the middle
of a sentence except a swap the tone rules name (an address term such as "mate", with its comma)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.editor.phrasebank import Bank

_EMOJI = re.compile("[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F2FF\uFE0F\u200D]+")
# A sentence an emoji ends ("... would have helped 🙄"): the analysis may have read it with the next one.
ENDS_IN_EMOJI = re.compile(_EMOJI.pattern + r"\s*$")
# Chat drops the subject ("will update you soon"): the agent is the one who will.
_DONE_WITHOUT_SUBJECT = re.compile(r"^(cancelled|refunded|sent|updated|booked|arranged|raised|passed|checked|processed|escalated|added|removed|changed|moved|reset|fixed|issued|applied|credited|reversed|extended|renewed)\s+(?=(?:the|your|it|this|that|a|an|you)\b)", re.I)
_DROPPED_SUBJECT = re.compile(r"^(will|have|going to)\s+(?=(?:update|send|check|let|call|email|look|get|chase|raise|pass|ring|text|reply|confirm|sort|arrange|book|refund|cancel|process|escalate|sent|checked|raised|passed|refunded|cancelled|updated|booked|arranged)\b)", re.I)
# "Ref ENG-66120", "Ticket no: 5512": a label and its code, said as a sentence.
_LABEL_LINE = re.compile(
    r"^(?:(?P<noun>ticket|case|job|booking|claim|order|account|policy|incident|fault|return|repair)\b\s*)?"
    r"(?P<kind>ref(?:erence)?|no\.?|number|id|#)?\s*[:#]?\s*(?P<code>#?[A-Z0-9][A-Z0-9/-]*\d[A-Z0-9/-]*)\s*\.?$",
    re.I,
)
# "ur still having" is "you're", not "your" ("ur order" is): before a word that follows "you are".
UR_ARE = re.compile(r"(?<![\w'’])ur(?=\s+(?:still|not|so|very|really|welcome|right|all|now|a|an|being|going|getting|having|in|on|due|eligible|booked|covered|set|"
                     r"recovering|travelling|traveling|waiting|moving|away|off|home|out|back|unwell|ill|sick|busy|able|free|fine|ok|okay|good|safe|sorted|ready|done|late|too)\b)", re.I)
# "so sorry", "really sorry": an apology with its subject dropped.
BARE_APOLOGY = "I'm sorry."  # what a bare "so sorry!!" becomes: an apology that names nothing
_BARE_SORRY = re.compile(r"^((?:so|really|very|truly|terribly)\s+)?sorry\s*[.!]*$", re.I)
# "if that wasn't you let me know n we'll open a case": "n" between two lower-case words is "and".
_TEXT_AND = re.compile(r"(?<=[a-z]) n (?=[a-z])")
# "looks like the driver ...": "it" dropped before a verb of seeming.
_DROPPED_IT_LOOKS = re.compile(r"^(looks like|seems like|sounds like|seems|looks as if|appears)(?=\s)", re.I)
# "hope your mum is ok": the agent is the one who hopes.
# Compiled once: normalise() runs for every sentence of a draft.
_WORD_CHAR = re.compile(r"\w")
_REPEATED_MARK = re.compile(r"([!?])\1+")
_MIXED_MARKS = re.compile(r"!\s*\?|\?\s*!")
_FIRST_WORD = re.compile(r"^(\w+)\b,?\s*")
_SPACE_BEFORE_MARK = re.compile(r"(?<=\w)\s+([.,!?;:])(?=\s|$)")
_OPEN_END = re.compile(r"[\w)]$")
_DOMAIN = r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?"  # "pay.kingsgatehotel.co.uk/lp/LP-0419": a link without its scheme
_ASKED_AS_STATEMENT = re.compile(r"^(?:can|could|would|will)\s+you\b[^.?!]*\.$", re.I)
_ITS_IS = re.compile(r"\b([Ii]t)s(?=\s+(?:a|an|been|not|going|ok|okay|fine|done|already|now|just|still|because|here|there|ready|gone)\b)")
_LINK_END = re.compile(rf"(?:https?://|www\.)\S+$|\S+@\S+$|(?:^|\s){_DOMAIN}$")
_DROPPED_HOPE = re.compile(
    r"^hope\s+(?=(?:you|your|the|this|that|it|all|everything|things)\b|\w+(?:['’]s\b|\s+(?:is|are|was|gets|feels|has)\b))", re.I
)  # "hope mum's ok", "hope Sam gets better": a wish, not the name Hope
# "should be there by Friday": the thing being delivered or fixed is the one that should.
_DROPPED_IT = re.compile(r"^(should)\s+(?=(?:be\s+(?:there|with\s+you|delivered|back|ready|fixed|sorted|done|arriving|on)|arrive|reach|land|turn\s+up|show\s+up|get\s+to\s+you)\b)", re.I)
_EMOJI_BETWEEN = re.compile("(?<=[\\w)])\\s*[\U0001F300-\U0001FAFF\U00002600-\U000027BF]+[\uFE0F\u200D]*\\s+(?=[A-Z])")
# "Leah, Registrar's Office": a name or team line, which takes no full stop.
_NAME_LINE = re.compile(r"^(?:[A-Z][A-Za-z'’.-]*,?\s*){1,6}$")  # "Maya, Front Desk": a signature, no full stop; "Order MK-40991" has a digit
_NEEDS_COMMA = frozenset({"well", "look", "listen", "so yeah"})  # verbs or adverbs too: removed only before a comma
_CAPITAL_AFTER = re.compile(r"^([\"'“‘(]*)([a-z])")


@dataclass(frozen=True)
class _Patterns:
    words: re.Pattern[str]
    edge_start: re.Pattern[str]
    edge_end: re.Pattern[str]
    ill: re.Pattern[str]
    formal: re.Pattern[str]
    formal_table: dict[str, str]
    hedge_any: re.Pattern[str]  # any hedge at all: most sentences have none, and are checked once
    hedges: tuple[str, ...]  # longest first: "as per policy" before "per policy"
    hedge_lead: re.Pattern[str]  # a hedge opening a sentence without its comma ("Honestly all kids get homesick")


_COMPILED: dict[int, tuple[Bank, _Patterns]] = {}
# what may follow a leading hedge that belongs to it ("As I said on the phone, ..."), so it is no lone hedge
_NOT_AFTER_LEAD = "is|are|was|were|to|of|and|or|the way|on|in|at|by|over|from|during|before|earlier|yesterday|last|previously|when|that"


def _patterns(bank: Bank) -> _Patterns:
    """The bank's word patterns, compiled once per loaded bank (load_bank keeps one per folder)."""
    cached = _COMPILED.get(id(bank))
    if cached is not None and cached[0] is bank:
        return cached[1]
    word_re = re.compile(r"(?<![\w'’.@/-])(" + "|".join(re.escape(w) for w in sorted(bank.words, key=len, reverse=True)) + r")(?![\w'’@/-])", re.IGNORECASE)
    inter = "|".join(re.escape(i) for i in sorted(bank.interjections, key=len, reverse=True))
    table = {k.lower(): v for k, v in bank.formal.items()}
    hedges = tuple(sorted(bank.hedges, key=len, reverse=True))
    compiled = _Patterns(
        words=word_re,
        edge_start=re.compile(rf"^(?:(?:{inter})(?![\w])[\s,!.]*)+", re.IGNORECASE),
        edge_end=re.compile(rf"(?:[\s,]*(?<![\w])(?:{inter})(?![\w])[!.]*)+\s*(?=[.!?]*$)", re.IGNORECASE),
        ill=re.compile(r"(?<![\w'’])ill(?=\s+(?:" + "|".join(map(re.escape, bank.ill_before)) + r")\b)", re.IGNORECASE),
        formal=re.compile(r"(?<![\w'’])(" + "|".join(re.escape(k).replace("'", "['’]") for k in sorted(table, key=len, reverse=True)) + r")(?![\w'’])", re.IGNORECASE),
        formal_table=table,
        hedge_any=re.compile(r"(?<![\w'’])(?:" + "|".join(map(re.escape, hedges)) + r")(?![\w'’])", re.I),
        hedges=hedges,
        hedge_lead=re.compile(rf"(?:{'|'.join(map(re.escape, hedges))})\s+(?=[A-Za-z])(?!(?:{_NOT_AFTER_LEAD})\b)", re.I),
    )
    _COMPILED[id(bank)] = (bank, compiled)
    return compiled


_DATE_WORDS = frozenset({"today", "tomorrow", "tonight", "yesterday"})


def normalise(sentence: str, bank: Bank, formal: bool = False, dates: bool = True) -> str:
    """The sentence with its words put right; the same text when nothing needed it. `dates=False` leaves
    text-speak for a day as it is ("tmrw"): spelled out, the fact guard reads it as a new date."""
    patterns = _patterns(bank)
    text = UR_ARE.sub("you're", patterns.ill.sub("I'll", sentence))
    text = _ITS_IS.sub(lambda m: m.group(1) + "'s", text)  # "Its a gold ring" -> "It's a gold ring"; "its colour" stays

    def spelled(m: re.Match[str]) -> str:
        value = bank.words[m.group(1).lower()]
        return m.group(0) if not dates and value.lower() in _DATE_WORDS else _keep_case(m.group(1), value, m.start() == 0)

    text = patterns.words.sub(spelled, text)
    stripped = patterns.edge_end.sub("", patterns.edge_start.sub("", text)).strip()
    if stripped and _WORD_CHAR.search(stripped):
        text = stripped
    text = _EMOJI_BETWEEN.sub(". ", text)  # "login issues 😊 Otherwise our team": the emoji ended a sentence
    text = _EMOJI.sub("", text).replace("  ", " ").strip() or text
    if patterns.hedge_any.search(text):
        for hedge in patterns.hedges:  # "as per policy" before "per policy", which would leave "as"
            if re.search(rf"(?<![\w'’]){re.escape(hedge)}(?![\w'’])", text, re.I):
                text = remove_term(text, hedge) or text
        # "Honestly all kids get homesick", "FYI pharmacist can give": a hedge that opens the sentence without its comma
        lead = patterns.hedge_lead.match(text)
        if lead and len(text[lead.end() :].split()) >= 3:
            text = capitalise(text[lead.end() :])
    text = _REPEATED_MARK.sub(r"\1", text)
    text = _MIXED_MARKS.sub("?", text)
    opener = _FIRST_WORD.match(text)
    if opener and opener.group(1).lower() in bank.openers:
        value = bank.openers[opener.group(1).lower()]
        rest = text[opener.end() :]
        text = f"{value}, {rest}" if rest else f"{value}."
    text = _DROPPED_SUBJECT.sub(lambda m: ("I'm " if m.group(1).lower() == "going to" else "I ") + m.group(1).lower() + " ", text)
    text = _DROPPED_HOPE.sub("I hope ", text)
    text = _DROPPED_IT.sub(lambda m: "It " + m.group(1).lower() + " ", text)
    text = _DROPPED_IT_LOOKS.sub(lambda m: "It " + m.group(1).lower(), text)
    text = _DONE_WITHOUT_SUBJECT.sub(lambda m: "I've " + m.group(1).lower() + " ", text)
    text = _BARE_SORRY.sub("I'm sorry", text)  # "so sorry!!" -> "I'm sorry": the intensifier reads as gushing
    text = _TEXT_AND.sub(" and ", text)
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)  # "sorry ." once an emoji has gone
    if formal:
        text = _formal(text, patterns)
    if _OPEN_END.search(text) and not _LINK_END.search(text) and not _NAME_LINE.match(text.rsplit("\n", 1)[-1]):  # a name line ends it, alone or under a sign-off
        text += "."
    if _ASKED_AS_STATEMENT.match(text):
        text = text[:-1] + "?"  # "Can you send the card's last 4 digits." asks; it ends as a question
    return capitalise(text)


def label_as_sentence(text: str) -> str | None:
    """ "Ref ENG-66120." -> "Your reference is ENG-66120." ; None when the text is not a bare label and code."""
    m = _LABEL_LINE.match(text.strip())
    if not m or not (m.group("noun") or m.group("kind")):
        return None
    noun, kind = (m.group("noun") or "").lower(), (m.group("kind") or "").lower().rstrip(".")
    what = "reference" if kind.startswith("ref") or (not noun and kind) else "number"
    code = ("#" if kind == "#" else "") + m.group("code")
    return f"Your {noun + ' ' if noun else ''}{what} is {code}."


def without_emoji(text: str) -> str:
    """The text without its emoji; one that ended a sentence becomes a full stop. The same text when it has none."""
    if not _EMOJI.search(text):
        return text
    bare = _EMOJI_BETWEEN.sub(". ", text)
    bare = re.sub(r"\s{2,}", " ", _EMOJI.sub("", bare)).strip()
    if not bare or not re.search(r"\w", bare):
        return text
    ended = re.search(r"[\w)\]\"'’”]$", bare) and re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]\W*$", text)
    return bare + "." if ended else bare


def _keep_case(original: str, replacement: str, at_start: bool) -> str:
    if replacement == "I" or replacement.startswith(("I'", "I ")):
        return replacement
    if original[:1].isupper() and at_start:
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _formal(text: str, patterns: _Patterns) -> str:
    def swap(m: re.Match[str]) -> str:
        value = patterns.formal_table[m.group(1).lower().replace("’", "'")]
        return value[:1].upper() + value[1:] if m.group(1)[:1].isupper() else value

    return patterns.formal.sub(swap, text)


def capitalise(text: str) -> str:
    if re.match(rf"{_DOMAIN}(?:\s|$)", text):
        return text  # a link keeps its case
    return _CAPITAL_AFTER.sub(lambda m: m.group(1) + m.group(2).upper(), text, count=1)


def remove_term(sentence: str, term: str) -> str | None:
    """The sentence without an address term or interjection ("mate", "hun", "lol") where it stands as its own
    phrase: at either edge, or between commas. None when it is part of the sentence's grammar."""
    t = re.escape(term)
    for pattern, repl in (
        (rf"^\s*{t}\s*,\s*", ""),
        (rf",\s*{t}\s*(?=[.!?]*$)", ""),
        (rf"\s+{t}\s*(?=[.!?]+$)", ""),
        (rf",\s*{t}\s*,", ","),
        (rf"(?<=\w)\s+{t}\s*,\s*", ", "),
        (rf"^\s*{t}\s+(?=(?-i:[A-Z]))", ""),
        *([(rf"^\s*{t}\s+(?=(?:i|we|you|it|the|a|an|your|our|this|that|there|yes|no|ok|so)\b)", "")] if term.lower() not in _NEEDS_COMMA else []),
    ):
        new, n = re.subn(pattern, repl, sentence, count=1, flags=re.IGNORECASE)
        if n:
            return capitalise(new.strip())
    return None
