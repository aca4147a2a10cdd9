"""Is one sentence well formed? The fluency guard every edit passes before it is returned.

No tagger that runs offline ships an English model on PyPI, so this is a documented heuristic. A sentence
fails when it has:

* **a doubled word**: "please please", "the the" ("that that" and "had had" are English);
* **stray punctuation**: it starts with a comma or a full stop, or holds ",." / ".," / ",,";
* **a dangling conjunction**: it starts with "And", "Or", "Nor", "Which" or "Whereas", with "Because",
  "Though" or "Although" and has no main clause after a comma, or it ends on a conjunction, an article
  or a preposition ("... and.", "... to the");
* **a broken contraction**: "Ill send", "Im sorry", "dont worry";
* **a lowercase start**, unless the first word is a known lowercase brand ("iPhone", "eBay") or a fact;
* **no closing punctuation**, unless it ends with a link, an address or a code;
* **a run-on**: a second subject and verb glued on without a comma or conjunction ("Sale's over I'll check");
* **no finite verb**: no auxiliary or modal, no subject pronoun followed by a word, no imperative
  opening, and no past or present verb form after its subject. Short stock replies ("Thank you.",
  "Great news!", "Apologies for the delay.") are accepted as they are.

`problem(sentence)` names the first failure, or returns None. Greetings and sign-offs are judged by the
caller (the editor knows which lines they are), not here. Validated on `evals/fluency/` (see
`coach eval fluency`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from coach.schemas import Finding, Level

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_DOUBLED = re.compile(r"\b([A-Za-z]+)\s+\1\b", re.IGNORECASE)
_DOUBLE_OK = frozenset({"that", "had", "bye", "very", "so", "no"})
_STRAY = re.compile(r"^[,.;:]|,\s*[.,]|\.\s*,|;\s*[.,]|(?<!\.)\.\.(?!\.)|[!?]\.")
_LEADING_ALWAYS = re.compile(r"^(?:and|or|nor|whereas)\b|^which\b(?!.*\?\s*$)", re.IGNORECASE)
_LEADING_VERB = re.compile(r"^(?:is|are|was|were|am|has|have|had|can|could|will|would|should|shall|may|might|must|does|do|did|"
                           r"isn't|aren't|wasn't|hasn't|haven't|won't|can't|doesn't|don't|didn't)\b(?!.*\?\s*$)", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"^(?:to|for|from|with|at|in|on|by|into|onto|about)\s+(?:the|a|an|your|our|not|being|him|her|them)\b", re.IGNORECASE)
_MAIN_CLAUSE = re.compile(r"^\s*(?:i|we|you|they|he|she|it|this|that|there|your|our|the|please|[A-Z][a-z]+\s+(?:is|are|was|will|has))\b", re.IGNORECASE)
_LEADING_SUBORDINATE = re.compile(r"^(?:because|though|although|since|unless|whereas)\b", re.IGNORECASE)
# "If you think the books were returned.": a condition or a time with nothing said about it; without a comma a main
# clause still shows by a second subject ("When it arrives we'll text you"), a modal ("Once it clears ops will book
# it") or a request ("If so please reply")
_LEADING_CONDITION = re.compile(r"^(?:if|when|once|whenever|until|as soon as)\b(?!.*\?\s*$)", re.IGNORECASE)
_SECOND_SUBJECT = re.compile(r"\b(?:i|we|you|they|he|she|it|there|please|let|just|call|reply|contact|email|ask|get in touch)\b", re.IGNORECASE)
_MODAL = re.compile(r"\b(?:will|would|can|could|should|must|may|might)\b|['’]ll\b", re.IGNORECASE)
_TRAILING = re.compile(
    r"\b(?:and|or|but|so|because|the|a|an|to|of|for|with|at|in|on|by|from|your|our|my|as|if|than)"
    r"\s*(?:[.…!?]+|,)?\s*$",
    re.IGNORECASE,
)
_BROKEN_CONTRACTION = re.compile(
    r"(?:^|(?<=[\s,;:]))(?:Ill|Im|im|ill|dont|Dont|cant|Cant|wont|Wont|didnt|Didnt|doesnt|Doesnt|isnt|Isnt|wasnt|"
    r"Wasnt|havent|Havent|hasnt|Hasnt|hadnt|Hadnt|weve|Weve|thats|Thats|theres|Theres|arent|Arent|werent|Werent|whats|Whats|youre|Youre|theyre|Theyre|ive|Ive|couldnt|Couldnt|shouldnt|Shouldnt|wouldnt|Wouldnt)\b"
)
_ITS_CONTRACTION = re.compile(r"\bIts\s+(?:been|a|an|the|not|now|all|already|going|ok|okay|fine|done|on|in|with|because)\b")
_ILL_ADJECTIVE = re.compile(r"\b(?:is|was|been|being|feel|feels|felt|fell|seriously|very|become|became)\s+ill\b", re.IGNORECASE)
_LOWER_OK = re.compile(r"^(?:i[A-Z]|e[A-Z]|x[A-Z]|https?://|www\.|[\w.+-]+@|\d)")
_END = re.compile(r"(?:[.!?…:;)\]\"'’”]|[.!?]\s*[\"'’”)\]])\s*$")
_ENDS_WITH_TOKEN = re.compile(r"(?:https?://\S+|www\.\S+|\S+@\S+\.\w+|\S*\d\S*|[\w-]+\.[a-z]{2,}(?:/\S*)?)\s*$")
_RUN_ON = re.compile(
    r"[a-z](?:'s|’s|)\s+(?:over|done|gone|up|out|here|there|ready|fine|sorted|closed|late|back)\s+"
    r"(?:I'll|I’ll|I'm|I’m|I've|I’ve|we'll|we’ll|we're|we’re|you'll|you’ll|I\s+will|we\s+will|I\s+can|we\s+can)\b"
)
_RUN_ON_CLAUSE = re.compile(
    r"(?<![,;:(—–-])\s(?:I'll|I’ll|I'm|I’m|I've|I’ve)\s", re.IGNORECASE
)

_AUXILIARIES = frozenset(
    "is are was were am be been has have had do does did will would can could shall should may might must "
    "isn't aren't wasn't weren't hasn't haven't hadn't don't doesn't didn't won't wouldn't can't cannot couldn't "
    "shan't shouldn't mightn't mustn't ain't".split()
)
_CONTRACTED = re.compile(r"[A-Za-z](?:'|’)(?:re|ve|ll|d|m)\b|n(?:'|’)t\b", re.IGNORECASE)
# "'s" is "is" or "has" after a pronoun ("it's", "there's") or before what follows a verb ("the sale's over",
# "the parcel's been sent"); before a noun it is a possessive ("my mother's wardrobe"), which makes no clause.
_S_AFTER = frozenset("it that there here what who where how he she let everything nothing something".split())
_S_BEFORE = frozenset(
    "been got gone not still just already now over done ready here there on in at back a an the no all fine late "
    "sorted closed due out up off going being coming definitely only also always never ok okay alright well better "
    "worse safe right wrong broken missing lost available".split()
)
_APOSTROPHE_S = re.compile(r"\b(\w+)['’]s\b(?:\s+(\w+))?", re.IGNORECASE)

_SUBJECTS = frozenset("i we you they he she it there this that these those who".split())
_RELATIVE = frozenset("that what how why who which whom whose else anything something everything nothing all way time thing sorry glad afraid hope sure know think see understand believe feel appreciate mean say said noticed notice confirm realise realize".split())
_DETERMINERS = frozenset("the a an your our my their his her its this that these those some any no every each".split())
_OPENERS = frozenset("please kindly just simply also then now first next finally do".split())
_CONJUNCTIONS = frozenset("and or but so yet because since as when if once while where after before until unless though although".split())
# A sentence with no finite verb that people still send as it is.
_STOCK = re.compile(
    r"^(?:(?:many\s+|huge\s+|big\s+)?thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?(?:\s+(?:again|for\b.*))?|"
    r"(?:my\s+|our\s+|sincere\s+|many\s+)?apologies(?:\s+for\b.*)?|sorry(?:\s+(?:again|about\b.*|for\b.*))?|"
    r"(?:of\s+course|sure\s+thing|you're\s+welcome|no\s+problem|no\s+worries|sure|absolutely|certainly|done|yes|no|great|great\s+news|good\s+news|"
    r"welcome\s+back|congratulations(?:\s+on\b.*)?|happy\s+to\s+help|glad\s+to\s+help|best\s+of\s+luck|"
    r"all\s+the\s+best|any\s+questions\b.*|questions\b.*|"
    r"(?:with\s+)?(?:kind|warm|best)(?:est)?\s+(?:regards|wishes)\b.*|regards\b.*))"
    r"\s*[.!?,…]*\s*$",
    re.IGNORECASE,
)
_VERB_SUFFIX = re.compile(r"^[a-z]{3,}(?:ed|es|s)$")
_NOT_VERBS = frozenset(
    "us its this his has was is yes news days hours weeks months years items details orders terms status series "
    "species business address access process success express less unless across plus bus gas class glass pass "
    "thanks apologies sales goods means always perhaps whereas towards afterwards regards instructions "
    "options charges fees bills payments refunds returns results records services customers products parcels "
    "photos questions issues problems notes steps times cases needed speed seed need feed reed bed red shed "
    "hundred".split()
)

# Base verbs that open an instruction ("Send us a photo.", "Please check the label.").
_IMPERATIVE = frozenset(
    """accept add allow apply arrange ask attach avoid book bring call cancel change check choose click close come
    complete confirm connect contact continue copy create delete download drop email enable enter expect fill find
    follow forward get give go hang have head help hold install keep know leave let log look make message note open
    order pay pick place plug post print provide put read reach rebook reconnect refer register reinstall remember
    remove renew reply report request reset restart return review run save scan see select send set share show
    sign start stop submit switch take tap tell try turn type unplug update upgrade upload use verify visit wait
    write bear rest enjoy feel take""".split()
)
_IRREGULAR_PAST = frozenset(
    """arrived became began broke brought bought built came caught chose came cost cut did drew drove fell felt
    found flew forgot froze gave went grew had heard held hid hit hurt kept knew laid led left lent let lost made
    meant met paid put quit read rode rang ran said saw sold sent set shook shone shot showed shut sang sat slept
    spoke spent stood stole stuck took taught tore told thought threw understood woke wore won wrote got dropped
    stopped""".split()
)
_PRESENT_LEXICON = frozenset(
    """arrives ships costs covers includes means needs shows takes works comes goes gets keeps runs stays applies
    expires renews starts ends opens closes leaves lasts depends remains looks seems appears says states allows
    requires lets helps offers contains owes pays""".split()
)


def is_base_verb(word: str) -> bool:
    """A verb that opens an instruction ("send", "check", "reply")."""
    return word.lower().strip(".,;:!?") in _IMPERATIVE


def problem(sentence: str) -> str | None:
    """The first reason `sentence` is not a well-formed sentence, or None."""
    return _problem(sentence.strip())


MAX_JUDGED = 600  # characters: a longer "sentence" is not one an edit made; it is not judged (and time stays linear)
_EDGE = 160  # the end-anchored checks read only this much of the sentence's end


@lru_cache(maxsize=4096)
def _problem(text: str) -> str | None:
    if not text:
        return "empty"
    if len(text) > MAX_JUDGED:
        return None
    doubled = next((m for m in _DOUBLED.finditer(text) if m.group(1).lower() not in _DOUBLE_OK), None)
    if doubled:
        return f'doubled word "{doubled.group(1)}"'
    if _STRAY.search(text) or text.endswith((",", ";")) or re.search(r",\s*(?:so|and|but)?\s*…$", text):
        return "stray punctuation"
    if _LEADING_ALWAYS.match(text):
        return "starts with a conjunction"
    if _LEADING_SUBORDINATE.match(text) and ("," not in text or not has_finite_verb(text[text.index(",") + 1 :])):
        return "a subordinate clause with no main clause"
    if _LEADING_CONDITION.match(text) and not re.search(r"[,;:–—]|\s-\s", text) and len(_SECOND_SUBJECT.findall(text)) < 2 and not _MODAL.search(text):
        return "a condition with no main clause"
    broken = _BROKEN_CONTRACTION.search(text)
    if broken and not (broken.group().lower() == "ill" and _ILL_ADJECTIVE.search(text)):
        return f'broken contraction "{broken.group()}"'
    if _ITS_CONTRACTION.search(text):
        return 'broken contraction "Its"'
    if _LEADING_VERB.match(text) or re.match(r"^[A-Z][a-z]+s\b", text) and text.split()[0].lower() in _PRESENT_LEXICON:
        return "no subject"
    if _LEADING_PREPOSITION.match(text):
        rest = text.split(",", 1)[1] if "," in text else ""
        if not rest or not _MAIN_CLAUSE.match(rest):
            return "no main clause"
    if text[0].islower() and not _LOWER_OK.match(text):
        return "starts in lowercase"
    tail = text[-_EDGE:]
    if _TRAILING.search(tail) and not _ENDS_WITH_TOKEN.search(tail):
        return "ends on a conjunction or preposition"
    if not _END.search(tail) and not _ENDS_WITH_TOKEN.search(tail):
        return "no closing punctuation"
    if _RUN_ON.search(text) or _run_on(text):
        return "two sentences run together"
    if _STOCK.match(text):
        return None
    if not has_finite_verb(text):
        return "no finite verb"
    return None


_NEW_CLAUSE = re.compile(
    r"(?<=[a-z0-9])\s+(?:it|we|you|they|i|he|she)(?:'ll|’ll|'re|’re|'ve|’ve)?\s+(?:should|will|would|can|could|may|might|must|is|are|was|were|has|have)\b"
    r"|(?<=[a-z0-9])\s+(?:we'll|we’ll|you'll|you’ll|it'll|it’ll|we've|we’ve|you're|you’re)\s", re.IGNORECASE)


def _run_on(text: str) -> bool:
    """A second subject and verb glued on after a clause that already has its own verb, with no comma or conjunction."""
    for m in [*_RUN_ON_CLAUSE.finditer(text), *_NEW_CLAUSE.finditer(text)]:
        before = _WORD.findall(text[: m.start() + 1])
        if not before or before[-1].lower() in _CONJUNCTIONS | _RELATIVE:
            continue
        if m.re is _NEW_CLAUSE and not re.search(r"ed$|^(?:yesterday|today|tomorrow|now|done|ready|sorted|over|fixed|live|back)$", before[-1].lower()):
            continue  # "the condition it should be": a clause that qualifies a noun
        if len(before) >= 2 and has_finite_verb(" ".join(before)):
            return True
    return False


def _is_or_has(text: str) -> bool:
    """An "'s" in the text that reads as "is" or "has", not as a possessive."""
    for m in _APOSTROPHE_S.finditer(text):
        before, after = m.group(1).lower(), (m.group(2) or "").lower()
        if before in _S_AFTER or not after or after in _S_BEFORE or (after.endswith(("ed", "ing")) and after not in _NOT_VERBS):
            return True
    return False


def has_finite_verb(text: str) -> bool:
    """Whether the text holds a finite verb, the heart of a clause (the fluency guard's own test)."""
    if _CONTRACTED.search(text) or _is_or_has(text):
        return True
    raw = _WORD.findall(text)
    # "May" after the first word is the month ("on 2 May"), not the modal
    words = [w.lower().replace("’", "'") if not (i and w == "May") else "month" for i, w in enumerate(raw)]
    if not words:
        return False
    for i, word in enumerate(words):
        if word in _AUXILIARIES:
            return True
        if word in _SUBJECTS and i + 1 < len(words) and word not in ("this", "that", "these", "those") and words[i + 1] not in _DETERMINERS:
            return True
        if word in _IRREGULAR_PAST or word in _PRESENT_LEXICON:
            if i == 0 or words[i - 1] not in _DETERMINERS:
                return True
        if i > 0 and _VERB_SUFFIX.match(word) and word not in _NOT_VERBS and word.endswith("ed"):
            if words[i - 1] not in _DETERMINERS and words[i - 1] not in ("been", "being", "be", "get", "got"):
                return True
    if any(w in ("please", "kindly") and i + 1 < len(words) and words[i + 1] in _IMPERATIVE for i, w in enumerate(words)):
        return True  # "To process your refund, please send ..."
    start = 0
    while start < len(words) - 1 and words[start] in _OPENERS:
        start += 1
    if words[start] in _IMPERATIVE or (start > 0 and words[start] in _IMPERATIVE | {"don't", "do"}):
        return True
    if words[0] in ("this", "that", "these", "those") and len(words) > 1 and _VERB_SUFFIX.match(words[1]) and words[1] not in _NOT_VERBS:
        return True
    return False


# What the analysis reports on any text (a draft or a rewrite): the damage an edit leaves that reads the
# same however the text is wrapped. The full guard needs whole sentences, which only the editor's layout knows.
_SURFACE = ("doubled word", "starts with a conjunction", "broken contraction")


def surface_findings(text: str, sentences, line_col) -> list[Finding]:
    """`fluency.*` findings for sentences (spans of `text`) that hold a doubled word, open on "And"/"Or", have
    or a broken contraction; and a `placeholder.unfilled` finding per placeholder."""
    from coach.analysis.placeholders import placeholder_spans

    found: list[Finding] = []
    for span in sentences:
        sentence = text[span.start : span.end]
        reason = problem(sentence)
        if reason and reason.startswith(_SURFACE):
            line, column = line_col(span.start)
            found.append(Finding(rule="fluency.broken-sentence", category="fluency", level=Level.warning,
                                 message=f"Not a well-formed sentence: {reason}.", start=span.start, end=span.end,
                                 line=line, column=column, match=sentence[:200]))  # fmt: skip
    for start, end in placeholder_spans(text):
        line, column = line_col(start)
        found.append(Finding(rule="placeholder.unfilled", category="placeholder", level=Level.warning,
                             message="A placeholder is left to fill before this reply can be sent.", start=start, end=end,
                             line=line, column=column, match=text[start:end]))  # fmt: skip
    return found
