"""Fragment check for an eval: broken sentences in a support reply.

The spec's fragment check: "no sentence without a finite verb unless it is a greeting or sign-off, no
leading conjunction left behind, no doubled word". `fragments(text)` returns one `Fragment` per problem
found, in text order (a sentence with two problems appears twice, problems in the order
no-finite-verb, leading-conjunction, doubled-word).

This module is written on its own, from the spec alone, so that it can judge the project's fluency
guard rather than echo it. Standard library only; a pure function; linear in the length of the text
(every scan is a single pass over lines, sentences or tokens, and every look-around is bounded).

How the text is read
--------------------
* Quoted lines (optional spaces, then ">") are dropped and act as paragraph breaks; everything from a
  signature separator line ("-- " or "--" alone) to the end is dropped.
* Paragraphs are split on blank lines. Inside a paragraph, single line breaks are joined (hard-wrapped
  email text), except that a line break is a boundary when the previous line ends with . ! ? … or :
  (a closing quote or bracket may follow), when the next line starts with a list marker ("- ", "* ",
  "• ", "1. ", "1) "), when either line is a greeting or sign-off line, or when either line is a label
  line (a capitalised label of at most 4 words, a colon and a value: "Ref: CX-55821").
* After a sign-off line ("Kind regards,"), the lines that follow and look like a signature block (a name,
  a team, a company: at most 4 capitalised words, or a URL/e-mail/phone line) are each their own
  sentence and are exempt from the finite-verb rule, even across a blank line.
* Sentences end at a run of . ! ? or … (closing quotes/brackets may follow) that is followed by
  whitespace or the end. A single "." does not end a sentence after a title or common abbreviation
  (Mr., Mrs., Ms., Dr., St., e.g., i.e., approx., vs.), after "no." before a digit or "#", after an
  initial ("J."), or after etc./a.m./p.m./Ltd./Inc. unless the next word is capitalised. URLs, e-mail
  addresses and amounts ("£39.00") never split, since their dots are not followed by whitespace.
* A sentence's text is as it stands, with runs of whitespace (including joined line breaks) collapsed to
  one space; a list item's marker is not part of its sentence.

The finite-verb heuristic (`has_finite_verb`)
---------------------------------------------
A sentence has a finite verb when any of these holds:
1. an auxiliary or modal (is, are, was, were, has, have, had, do, does, did, will, would, can, cannot, could,
   shall, should, may, might, must; "am" only after "I"; a capitalised "May"/"Will" past the first word
   is read as a month/name), or a contraction ending in n't, 're, 've, 'll, 'd, 'm, or 's after a
   pronoun-like word (it's, that's, there's, here's, let's, ...; "Sarah's" is a possessive), or 's after
   any word when a predicate word or past form follows it ("the rider's stuck", "the sale's over");
2. a subject pronoun followed by a word: I/we/they/he/she before any word but a conjunction;
   you/it/there likewise, unless a preposition comes before it or a preposition/determiner after it
   ("for you on Monday" is not a clause); this/that only before a verb-looking word (an auxiliary,
   a past form, or an -s form of a listed verb: "this means", "that works");
3. an imperative: a base verb from `BASE_VERBS` (about 200 verbs common in support replies) at the start
   of the sentence or right after a comma, semicolon, colon or bracket, after optional discourse words
   (and, but, so, then, also, now, yes, ok, ...) and optional please/kindly/just/simply. Verbs that are
   also common nouns (`NOUNISH_VERBS`: order, return, refund, email, update, ...) count there only when an
   object-like word follows (a determiner, pronoun or preposition: "Return the item", not "Return label
   and receipt"), or when please/kindly comes before them;
4. a verb form after a noun phrase: a past form (regular -ed, or one of `IRREGULAR_PAST`: went, sent,
   got, ...) or a 3rd-person -s form of a listed verb, when the word before it is a word or number that is
   not a determiner, preposition, "to", "be/been/being" or a conjunction ("Your refund of £39.00 went
   back", "The parcel arrived", but not "the attached label"). An -s form must also be followed by a
   word that is not a conjunction, and, for a noun-like verb, by an object-like word or a time adverb
   ("ships tomorrow"); a non-noun-like -s form also counts before a number ("takes 7-10 days"); and a base form of a non-noun-like listed verb counts after a plural-looking word
   ("The couriers deliver on Saturdays");
5. a formulaic opener accepted in support writing: thanks / thank you / many thanks / sorry / apologies /
   my apologies / congratulations / welcome / no need / happy to / glad to / looking forward.

Exempt from the finite-verb rule: greetings ("Hi Sarah,", "Dear Mr Patel,", "Good morning Anna,"), and a
greeting prefix is stripped before the check ("Hi Sarah, thanks for ..."); sign-offs ("Kind regards,",
"Many thanks, Priya", "Regards, Support Team") and the signature lines after them; label lines whose label
is at most 4 words ("Tracking: https://...", "Ref: CX-55821"), including a short heading that ends in a
colon ("Next steps:"); the short stock replies in `STOCK_REPLIES` (and comma-joined runs of them: "Yes, of
course."); sentences that have no ordinary word once URLs, e-mail addresses and codes/numbers are taken
out; and list items (an item of a list is not a sentence: "- your order number").

Leading conjunction: the sentence (past any opening quote or bracket) starts with And, Or, Nor, Because,
Though, Although, Which, Whereas (any case), or with a comma or semicolon. Two exceptions: a question
that starts with "Which" ("Which size would you like?") is interrogative, not a left-over relative; and
list items are not checked. "But" and "So" are accepted.
A condition or time left behind counts too: a sentence that starts with If, When, Once, Unless, Until or
Whenever, is not a question, has no comma, semicolon, colon or dash to end its clause, and names no second
subject, modal or request after its first two words, nor an imperative (a listed base verb after its fourth word
that no subject or "to" comes before): "If you think the books were returned." is flagged; "When it arrives we'll
text you.", "If so please reply." and "If you want to dispute send photos." are not.

Doubled word: the same word twice in a row, separated only by whitespace, case-insensitive ("Please
please", "the the"), except "that that" and "had had". Punctuation between them ("Please, please") is
deliberate and not flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Fragment", "PROBLEMS", "fragments", "sentences", "has_finite_verb"]

PROBLEMS = ("no-finite-verb", "leading-conjunction", "doubled-word")


@dataclass(frozen=True)
class Fragment:
    sentence: str  # the sentence as it stands in the text (whitespace collapsed)
    problem: str  # "no-finite-verb" | "leading-conjunction" | "doubled-word"


# --------------------------------------------------------------------------------------------- word lists


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


AUXILIARIES = _words(
    "is are was were has have had do does did will would can could shall should may might must "
    "isnt arent wasnt werent hasnt havent hadnt dont doesnt didnt wont wouldnt cant couldnt shouldnt "
    "mustnt im ive youre youve theyre theyve weve cannot"
)
# words before 's that make it "is"/"has"/"us" rather than a possessive
S_CONTRACTION_STEMS = _words(
    "it that there here what who where when how why he she let this everything nothing something "
    "someone everyone nobody"
)
# words after a noun's 's that make it "is"/"has", not a possessive ("the rider's stuck", "check-in's fine"): a
# possessive is followed by a noun, and these are adjectives, adverbs and participles (any past form counts too)
S_PREDICATES = _words(
    "fine ok okay stuck over ready done late gone been got not now still just already due here there going "
    "coming arriving running waiting available sorted broken missing lost closed"
)
SUBJECTS = _words("i we they he she")
WEAK_SUBJECTS = _words("you it there")
DEMONSTRATIVES = _words("this that")
CONJUNCTIONS = _words("and or nor but")
PREPOSITIONS = _words(
    "for to with from of about at by on in into onto than like after before without towards toward "
    "around against between among over under behind near past via per within upon despite through "
    "across beside besides except including until"
)
DETERMINERS = _words(
    "the a an your our my his her their its this that these those any some no every each another all "
    "both either neither such what which whose"
)
# words that, just before a verb-looking form, show it is not a finite verb
BLOCKERS = DETERMINERS | PREPOSITIONS | CONJUNCTIONS | _words("to be been being very too more most less least")
# words that follow a transitive imperative ("Return the item", "Call us", "Reply to this email")
OBJECT_STARTS = (DETERMINERS - _words("no")) | PREPOSITIONS | _words(
    "it us me them him you back up out off here there again now directly today soon anytime whether if "
    "how when where over away down"
)
TIME_ADVERBS = _words(
    "today tomorrow tonight soon shortly automatically directly immediately next free fine well normally "
    "within now daily weekly again overnight"
)
_AFTER_NOUNISH_S_FORM = OBJECT_STARTS | TIME_ADVERBS
_NOT_A_VERB_NEXT = CONJUNCTIONS | PREPOSITIONS | DETERMINERS
# words skipped before looking for an imperative verb
DISCOURSE = _words(
    "and but so or then also now oh ok okay well yes sure first firstly next finally lastly meanwhile "
    "otherwise alternatively instead again"
)
POLITE = _words("please kindly just simply")

BASE_VERBS = _words(
    # not usually nouns
    "send let click tap enter fill complete submit select choose pick use try follow go open close restart "
    "reset reinstall install remove delete clear add keep allow expect see find take bring put leave give "
    "make get feel rest bear know tell ask mention accept apologise apologize thank enjoy consider verify "
    "describe explain collect receive head navigate scroll connect disconnect come pop proceed retry resend "
    "remember ensure provide include attach confirm cancel forward replace arrange schedule unplug "
    "appreciate understand agree recommend suggest advise pay buy save apply register activate raise "
    "escalate resolve handle speak write await unsubscribe subscribe redeem reach reactivate refresh reboot "
    "deliver arrive require want hear refer respond mean take be sit choose re-enter double-check log-in remit "
    "look-up continue rebook reschedule relaunch reconnect restore sign-in bring discard dispose return-to "
    "reply-to check-in "
    # also common nouns (see NOUNISH_VERBS)
    "order return refund exchange update change call email e-mail text message contact reply note check "
    "help book post ship charge credit issue process report request list print sign log visit copy drop "
    "hold switch turn test work repair fix swap quote mail phone ring scan track store offer show need "
    "love like look wash fit pair start stop review answer upload download share deal purchase wait hope "
    "sort package place record plug press dispatch measure photograph snap run hit watch reorder claim "
    "transfer cover wish tick label screenshot reserve benefit"
)
NOUNISH_VERBS = _words(
    "order return refund exchange update change call email e-mail text message contact reply note check "
    "help book post ship charge credit issue process report request list print sign log visit copy drop "
    "hold switch turn test work repair fix swap quote mail phone ring scan track store offer show need "
    "love like look wash fit pair start stop review answer upload download share deal purchase wait hope "
    "sort package place record plug press dispatch measure photograph snap run hit watch reorder claim "
    "transfer cover wish tick label screenshot reserve benefit"
)
IRREGULAR_PAST = _words(
    "went sent got made took came gave left found kept told said paid bought brought thought felt saw knew "
    "lost held ran began broke wrote spoke forgot chose fell meant sold spent stood understood won heard "
    "became sat built caught drove rang put set cut shut hit arrived"
)
# words ending in -ed that are not past forms
NOT_PAST = _words(
    "bed red shed sled fred ted hundred naked sacred wicked kindred rugged ragged jagged crooked beloved "
    "wretched sled embed"
)
_FORMULA_SKIP = _words("and but so oh ok okay well also again ,")
FORMULA_OPENERS = _words("thanks thank sorry apologies congratulations welcome cheers")
FORMULA_PAIRS = frozenset(
    {
        ("many", "thanks"),
        ("my", "apologies"),
        ("no", "need"),
        ("happy", "to"),
        ("glad", "to"),
        ("looking", "forward"),
        ("with", "thanks"),
    }
)
STOCK_REPLIES = frozenset(
    {
        "thank you",
        "thank you so much",
        "thanks",
        "thanks again",
        "thanks so much",
        "many thanks",
        "of course",
        "no problem",
        "no problem at all",
        "not a problem",
        "no worries",
        "not at all",
        "sure",
        "absolutely",
        "certainly",
        "definitely",
        "yes",
        "no",
        "ok",
        "okay",
        "great",
        "perfect",
        "happy to help",
        "glad to help",
        "my pleasure",
        "apologies",
        "sorry",
        "noted",
        "all done",
        "good news",
    }
)
LEADING_CONJUNCTIONS = _words("and or nor because though although which whereas")
DOUBLING_ALLOWED = frozenset({"that", "had"})

# abbreviations after which a single "." never ends a sentence
ABBREVIATIONS = _words("mr mrs ms dr st e.g i.e eg ie approx vs prof cf jr sr mt")
# ... and those after which it ends one only before a capitalised word
SOFT_ABBREVIATIONS = _words("etc a.m p.m am pm ltd inc co")

# ------------------------------------------------------------------------------------------------ patterns

_SIGNATURE = re.compile(r"--[ \t]*")
_CLOSERS = "\"'”’)]"
_CLAUSE_ENDS = (".", "!", "?", ":", "…")
_QUOTED = re.compile(r"[ \t]*>")
_LIST_MARKER = re.compile(r"(?:[-*•]|\d{1,3}[.)])[ \t]+")
_NAME = r"(?:[A-Z][\w.'’-]*|there|all|again|everyone|team|both|folks|sir|madam|or|and)"
_GREETING_WORD = r"(?i:hi|hello|hey|hiya|dear|greetings|good[ \t]+(?:morning|afternoon|evening|day))"
_GREETING = re.compile(rf"{_GREETING_WORD}\b(?:[ \t,]+{_NAME}){{0,4}}[ \t]*[,!.:]?")
_GREETING_PREFIX = re.compile(rf"{_GREETING_WORD}\b(?:[ \t]+{_NAME}){{0,4}}[ \t]*[,!:—–-][ \t]*")
_SIGNOFF_PHRASE = (
    r"(?i:(?:with[ \t]+)?(?:kind(?:est)?|best|warm(?:est)?|many)[ \t]+regards|regards|(?:with[ \t]+)?"
    r"(?:best|warm|kind)[ \t]+wishes|all[ \t]+the[ \t]+best|best|thanks(?:[ \t]+(?:again|so[ \t]+much|"
    r"very[ \t]+much))?|thank[ \t]+you(?:[ \t]+(?:again|so[ \t]+much|very[ \t]+much))?|many[ \t]+thanks|"
    r"with[ \t]+thanks|cheers|sincerely|yours[ \t]+(?:sincerely|faithfully|truly)|take[ \t]+care|"
    r"speak[ \t]+soon|talk[ \t]+soon|warmly|respectfully)"
)
_SIGNATURE_NAME = r"(?:[A-Z][\w.'’&-]*(?:[ \t]+(?:[A-Z][\w.'’&-]*|&|and|of|the|\|)){0,4})"
_SIGNOFF = re.compile(rf"{_SIGNOFF_PHRASE}[ \t]*[,.!]?(?:[ \t]*{_SIGNATURE_NAME}[ \t]*[.!]?)?")
_NAME_LINE = re.compile(
    r"[A-Z0-9+(][\w.'’&()+-]*(?:[ \t]+(?:[A-Z0-9+(|&–-][\w.'’&()+-]*|of|and|the|at|for)){0,4}"
)
_LABEL = re.compile(r"[A-Za-z][\w&/'’().#-]*(?:[ \t]+[\w&/'’().#-]+){0,3}[ \t]*:(?:[ \t]+\S|[ \t]*$)")
# a label line with a value, for line boundaries ("Ref: CX-55821"); capitalised, so "…track\nit here:" joins
_LABEL_LINE = re.compile(r"[A-Z][\w&/'’().#-]*(?:[ \t]+[\w&/'’().#-]+){0,3}[ \t]*:[ \t]+\S")
# starts only at the beginning of a run, and never backtracks, so long runs of dots stay linear
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s|$)")
_NEXT_CHAR = re.compile(r"\s*+(\S?)")
# a URL or e-mail address is one token (an e-mail only from a token start, which keeps it linear)
_TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)\S++|(?<!\S)[^\s@]++@\S+)"
    r"|[A-Za-z]+(?:['’][A-Za-z]+)*(?:-[A-Za-z]+(?:['’][A-Za-z]+)*)*|\d[\d.,:/-]*|[^\sA-Za-z\d]"
)
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")

# ------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Unit:
    text: str
    kind: str  # "text" | "list" | "greeting" | "signoff" | "name"


def _is_greeting_line(line: str) -> bool:
    return line[:1].isupper() and _GREETING.fullmatch(line) is not None


def _is_signoff_line(line: str) -> bool:
    return line[:1].isupper() and _SIGNOFF.fullmatch(line) is not None


def _is_label(sentence: str) -> bool:
    return _LABEL.match(sentence) is not None


def _is_label_line(line: str) -> bool:
    return _LABEL_LINE.match(line) is not None


def _no_plain_words(text: str) -> bool:
    """True when nothing word-like is left once URLs, e-mail addresses and codes/numbers are removed: every
    whitespace-separated token is a URL, has an "@" or a digit, or has no lower-case letter."""
    for token in text.split():
        if token.startswith(("http://", "https://", "www.")) or "@" in token:
            continue
        if any(ch.isdigit() for ch in token):
            continue
        if any(ch.islower() for ch in token):
            return False
    return True


def _is_name_line(line: str) -> bool:
    return _NAME_LINE.fullmatch(line) is not None or _no_plain_words(line)


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    current: list[str] = []
    kind = "text"
    prev = ""  # the previous line of the current paragraph, "" at a paragraph start
    in_signature = False

    def flush() -> None:
        nonlocal current
        if current:
            units.append(_Unit(" ".join(current), kind))
            current = []

    for raw in text.splitlines():
        if _SIGNATURE.fullmatch(raw):
            break
        line = " ".join(raw.split())
        if not line or _QUOTED.match(raw):
            flush()
            prev = ""
            continue
        if in_signature and _is_name_line(line):
            flush()
            units.append(_Unit(line, "name"))
            prev = ""
            continue
        in_signature = False
        if _is_greeting_line(line) or _is_signoff_line(line):
            flush()
            signoff = not _is_greeting_line(line)
            units.append(_Unit(line, "signoff" if signoff else "greeting"))
            in_signature = signoff
            prev = ""
            continue
        marker = _LIST_MARKER.match(line)
        if marker and line[marker.end() :]:
            flush()
            current, kind = [line[marker.end() :]], "list"
        elif not current or prev.rstrip(_CLOSERS)[-1:] in _CLAUSE_ENDS or _is_label_line(prev) or _is_label_line(line):
            flush()
            current, kind = [line], "text"
        else:
            current.append(line)
        prev = line
    flush()
    return units


def _is_abbreviation(unit: str, start: int, dot: int, end: int) -> bool:
    """Whether the single "." at `dot` closes an abbreviation rather than a sentence."""
    word_start = unit.rfind(" ", start, dot) + 1
    word = unit[word_start:dot].lstrip("([\"'“‘").lower()
    following = _NEXT_CHAR.match(unit, end).group(1)
    if word in ABBREVIATIONS:
        return True
    if word in ("no", "nos"):
        return following[:1].isdigit() or following == "#"
    if word in SOFT_ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        return not following.isupper()
    return len(word) == 1 and unit[dot - 1].isupper()


def _split(unit: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(unit):
        punct = match.group()
        if punct[0] == "." and punct[1:2] not in (".", "!", "?"):
            if _is_abbreviation(unit, start, match.start(), match.end()):
                continue
        sentence = unit[start : match.end()].strip()
        if sentence:
            out.append(sentence)
        start = match.end()
    tail = unit[start:].strip()
    if tail:
        out.append(tail)
    return out


def sentences(text: str) -> list[tuple[str, str]]:
    """(sentence, kind) pairs of `text` as `fragments` reads it; kind is "text", "list", "greeting",
    "signoff" or "name" (a signature line after a sign-off)."""
    return [(sentence, unit.kind) for unit in _units(text) for sentence in _split(unit.text)]


# -------------------------------------------------------------------------------------------- verb checks


@dataclass(frozen=True)
class _Token:
    low: str
    orig: str
    kind: str  # "w" word, "n" number, "p" punctuation, "u" URL or e-mail address


def _tokens(sentence: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(sentence.replace("’", "'")):
        tok = match.group()
        if match.lastgroup == "url":
            out.append(_Token("<url>", tok, "u"))  # a URL or e-mail address: one object-like token
            continue
        kind = "w" if tok[0].isalpha() else "n" if tok[0].isdigit() else "p"
        out.append(_Token(tok.lower(), tok, kind))
    return out


def _is_aux(toks: list[_Token], i: int) -> bool:
    tok = toks[i]
    low = tok.low
    if low == "am":
        return i > 0 and toks[i - 1].low == "i"
    if low in ("may", "will") and i > 0 and tok.orig[0].isupper():
        return False
    if low in AUXILIARIES:
        return True
    if "'" in low:
        stem, suffix = low.rsplit("'", 1)
        if suffix in ("re", "ve", "ll", "d", "m"):
            return True
        if suffix == "t" and stem.endswith("n"):
            return True
        if suffix == "s" and stem in S_CONTRACTION_STEMS:
            return True
        following = _word_at(toks, i + 1)
        if suffix == "s" and following is not None and (following.low in S_PREDICATES or _is_past(following.low)):
            return True
    return False


def _is_past(low: str) -> bool:
    if low in IRREGULAR_PAST:
        return True
    return (
        len(low) >= 4
        and low.endswith("ed")
        and (not low.endswith("eed") or low in ("agreed", "freed", "guaranteed"))
        and low not in NOT_PAST
        and "'" not in low
    )


def _third_person_stem(low: str) -> str | None:
    """The listed base verb whose 3rd-person -s form `low` is, or None."""
    if not low.endswith("s") or low.endswith(("ss", "us", "is", "'s")) or len(low) < 3:
        return None
    candidates = [low[:-1]]
    if low.endswith("es"):
        candidates.append(low[:-2])
    if low.endswith("ies"):
        candidates.append(low[:-3] + "y")
    for stem in candidates:
        if stem in BASE_VERBS:
            return stem
    return None


def _verb_looking(toks: list[_Token], i: int) -> bool:
    tok = toks[i]
    return tok.kind == "w" and (_is_aux(toks, i) or _is_past(tok.low) or _third_person_stem(tok.low) is not None)


def _word_at(toks: list[_Token], i: int) -> _Token | None:
    return toks[i] if 0 <= i < len(toks) and toks[i].kind == "w" else None


def _imperative_at(toks: list[_Token], i: int) -> bool:
    """Whether a clause starting at token `i` opens with an imperative verb."""
    limit = min(len(toks), i + 5)  # bounded skip keeps the whole check linear
    polite = False
    while i < limit and (toks[i].low in DISCOURSE or toks[i].low in POLITE or toks[i].low == ","):
        polite = polite or toks[i].low in ("please", "kindly")
        i += 1
    verb = _word_at(toks, i)
    if verb is None or verb.low not in BASE_VERBS:
        return False
    if polite or verb.low not in NOUNISH_VERBS:
        return True
    following = toks[i + 1] if i + 1 < len(toks) else None
    return following is not None and (following.kind == "u" or following.kind == "w" and following.low in OBJECT_STARTS)


def _formula_opener(toks: list[_Token]) -> bool:
    i = 0
    while i < min(len(toks), 3) and toks[i].low in _FORMULA_SKIP:
        i += 1
    first = _word_at(toks, i)
    if first is None:
        return False
    if first.low in FORMULA_OPENERS:
        return True
    second = _word_at(toks, i + 1)
    return second is not None and (first.low, second.low) in FORMULA_PAIRS


def has_finite_verb(sentence: str) -> bool:
    """The heuristic described in the module docstring. A greeting prefix ("Hi Sarah, ...") is skipped."""
    prefix = _GREETING_PREFIX.match(sentence)
    if prefix and prefix.end() < len(sentence):
        sentence = sentence[prefix.end() :]
    toks = _tokens(sentence)
    if _formula_opener(toks):
        return True
    n = len(toks)
    for i, tok in enumerate(toks):
        if tok.kind == "p":
            if tok.orig in (",", ";", ":", "(", "—", "–") and _imperative_at(toks, i + 1):
                return True
            continue
        if tok.kind != "w":
            continue
        if _is_aux(toks, i):
            return True
        prev = toks[i - 1] if i > 0 else None
        nxt = _word_at(toks, i + 1)
        low = tok.low
        # 2. subject pronoun + word
        if low in SUBJECTS and nxt is not None and nxt.low not in CONJUNCTIONS:
            return True
        if (
            low in WEAK_SUBJECTS
            and nxt is not None
            and nxt.low not in _NOT_A_VERB_NEXT
            and (prev is None or prev.low not in PREPOSITIONS)
        ):
            return True
        if low in DEMONSTRATIVES and nxt is not None and _verb_looking(toks, i + 1):
            return True
        # 3. imperative (clause starts after punctuation are handled above)
        if i == 0 and _imperative_at(toks, 0):
            return True
        if low in ("please", "kindly") and nxt is not None and nxt.low in BASE_VERBS:
            return True
        # 4. verb form after a noun phrase
        if prev is None or prev.kind == "p" or prev.low in BLOCKERS:
            continue
        if _is_past(low):
            return True
        stem = _third_person_stem(low)
        if stem is not None and nxt is not None and nxt.low not in CONJUNCTIONS:
            if stem not in NOUNISH_VERBS or nxt.low in _AFTER_NOUNISH_S_FORM:
                return True
        if stem is not None and stem not in NOUNISH_VERBS and i + 1 < n and toks[i + 1].kind == "n":
            return True  # "takes 7-10 working days", "costs £5"
        if (
            low in BASE_VERBS
            and low not in NOUNISH_VERBS
            and prev.kind == "w"
            and len(prev.low) > 3
            and prev.low.endswith("s")
            and not prev.low.endswith(("ss", "'s", "us", "is"))
            and i + 1 < n
        ):
            return True
    return False


# ---------------------------------------------------------------------------------------------- exemptions


def _is_stock_reply(sentence: str) -> bool:
    body = sentence.rstrip(" .!?…").lower().replace("’", "'")
    parts = [" ".join(part.split()) for part in body.split(",")]
    return all(part in STOCK_REPLIES for part in parts)


def _exempt_from_verb_rule(sentence: str, kind: str) -> bool:
    if kind != "text":
        return True
    prefix = _GREETING_PREFIX.match(sentence)
    if prefix and sentence[prefix.end() :].strip():  # "Hi Zoe, no problem!": judge what follows the greeting
        rest = sentence[prefix.end() :].strip()
        sentence = rest[:1].upper() + rest[1:]
    return (
        _GREETING.fullmatch(sentence) is not None
        or _SIGNOFF.fullmatch(sentence) is not None
        or _is_label(sentence)
        or _is_stock_reply(sentence)
        or _no_plain_words(sentence)
    )


def _leading_conjunction(sentence: str, kind: str) -> bool:
    if kind == "list":
        return False
    body = sentence.lstrip("\"'“‘([ ")
    if body[:1] in (",", ";"):
        return True
    first = _WORD.match(body)
    if first is None:
        return False
    word = first.group().lower()
    if word not in LEADING_CONJUNCTIONS:
        return _condition_left_behind(body)
    return not (word == "which" and sentence.rstrip("\"'”’) ").endswith("?"))


CONDITIONS = _words("if when once unless until whenever")
MAIN_CLAUSE_WORDS = SUBJECTS | WEAK_SUBJECTS | POLITE | _words("then let will would can could should must may might")


def _condition_left_behind(sentence: str) -> bool:
    words = [re.split(r"['’]", w.lower())[0] for w in _WORD.findall(sentence)]
    if not words or words[0] not in CONDITIONS or sentence.rstrip("\"'”’) ").endswith("?"):
        return False
    if any(mark in sentence for mark in ",;:–—") or " - " in sentence:
        return False
    if any(w in MAIN_CLAUSE_WORDS for w in words[2:]):
        return False
    # an imperative main clause: a base verb that no subject or "to" comes before ("If you want to dispute send photos")
    return not any(w in BASE_VERBS and words[i - 1] not in SUBJECTS | WEAK_SUBJECTS | _words("to not") for i, w in enumerate(words[3:], 3))


def _doubled_word(sentence: str) -> bool:
    prev: re.Match[str] | None = None
    for match in _WORD.finditer(sentence):
        if prev is not None:
            gap = sentence[prev.end() : match.start()]
            word = match.group().lower().replace("’", "'")
            if gap and gap.isspace() and word == prev.group().lower().replace("’", "'"):
                if word not in DOUBLING_ALLOWED:
                    return True
        prev = match
    return False


def fragments(text: str) -> list[Fragment]:
    """Sentences of `text` that are fragments: no finite verb (unless exempt: greeting, sign-off, label line,
    stock reply, list item, URL/code-only), a leading conjunction, or a doubled word. One `Fragment` per
    problem, in text order; see the module docstring for how the text is read and the heuristics."""
    found: list[Fragment] = []
    for sentence, kind in sentences(text):
        if not _exempt_from_verb_rule(sentence, kind) and not has_finite_verb(sentence):
            found.append(Fragment(sentence, "no-finite-verb"))
        if _leading_conjunction(sentence, kind):
            found.append(Fragment(sentence, "leading-conjunction"))
        if _doubled_word(sentence):
            found.append(Fragment(sentence, "doubled-word"))
    return found
