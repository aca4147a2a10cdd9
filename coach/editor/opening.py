"""What the editor may add at the top of the body: the greeting, one acknowledgement, one history line.

* **Greeting**: the register's template with the name the customer uses. A draft that already calls the
  customer something else ("Nerissa" where the context says "Alex") keeps its own greeting and is flagged.
* **Acknowledgement**: keyed by the situation read from the customer's message (grief, security, repeat
  contact, damage, billing, delay, praise, general) and the register; it names what they said ("your
  order", "the second time") and is skipped when the draft already acknowledges, or already apologises
  and the line would apologise again.
* **History**: the runtime rule for relevance: a past interaction is relevant when it shares an order,
  ticket or reference with the message or the draft, or at least two content words with the message,
  or when the customer says they have been in touch before ("again", "already", "last time"), which makes
  the most recent one relevant. A note on a private topic (a bereavement, an illness) is named only when
  the message raises the same topic. The line gives the date and the note's first clause, in its own words.
"""

from __future__ import annotations

import datetime as dt
import re

from coach.analysis import extract_facts
from coach.analysis.commitments import find_commitments
from coach.analysis.emotion import NEGATIVE, acknowledged
from coach.analysis.fluency import has_finite_verb, problem
from coach.analysis.personal import load_personal_lexicon
from coach.editor.phrasebank import Bank, pick
from coach.editor.words import normalise
from coach.schemas import Context, Emotion, PastInteraction

_ORDINALS = {"second": "second", "2nd": "second", "twice": "second", "third": "third", "3rd": "third", "three": "third",
             "fourth": "fourth", "4th": "fourth", "four": "fourth", "fifth": "fifth", "5th": "fifth", "five": "fifth"}  # fmt: skip
_RANK = ["second", "third", "fourth", "fifth"]
# "twice" and "three times" count contacts only after a verb of getting in touch ("I've called twice"), not
# after anything else the customer did ("restarted my phone twice", "charged twice").
_CONTACTED = r"\b(?:asked|called|rung|rang|phoned|emailed|e-mailed|written|wrote|contacted|messaged|chased|complained|been in touch|reported (?:it|this))\b[^.!?\n]{0,25}?"
_COUNT = re.compile(
    rf"\b(second|2nd|third|3rd|fourth|4th|fifth|5th)\s+(?:time|email|e-mail|message|call|letter|chat|request|complaint)\b|"
    rf"{_CONTACTED}\b(twice)\b|{_CONTACTED}\b(three|four|five)\s+times\b",
    re.I,
)
# A failure that keeps happening, counted by the customer: "third week running", "second order in a row".
_RUN = re.compile(
    r"\b(second|2nd|third|3rd|fourth|4th|fifth|5th)\s+(week|month|day|time|order|delivery|visit|bill|year|weekend|night)\s+(running|in a row)\b", re.I
)
# How long the customer has waited, in their words: "it's been 9 days", "I've been waiting over two weeks".
_SPAN = r"(?:over\s+|nearly\s+|almost\s+|more\s+than\s+|about\s+)?(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3})\s+(?:minutes?|mins|hours?|days?|weeks?|months?)"
_WAITED = re.compile(
    rf"\b(?:it['’]s|it\s+has|it\s+is)\s+(?:now\s+)?been\s+(?P<span>{_SPAN})\b(?!\s+(?:since\s+(?:I|we)\s+(?:joined|signed|became)|as\s+a))|"
    rf"\b(?:I['’]ve|I\s+have|we['’]ve|we\s+have)\s+(?:now\s+)?been\s+waiting\s+(?:for\s+)?(?P<waited>{_SPAN})\b",
    re.I,
)
# ...and a wait that is still going on ("it's been 11 days since I reported it and still nothing"); "I know it's
# been 45 days" alone counts time, not a wait
_STILL_WAITING = re.compile(rf"(?:{_WAITED.pattern})[^.!?\n]{{0,80}}?\b(?:still|no|nothing|never|not|haven['’]t|hasn['’]t|reported|ordered|paid|sent|booked)\b|\bbeen\s+waiting\b", re.I)
_DIED_AFTER = re.compile(r"(?:['’]s\s+(?:funeral|death|passing|memorial)|[^.!?\n]{0,40}?\b(?:passed\s+away|passed|died|was\s+put\s+to\s+sleep|death|funeral)|"
    r"[^.!?\n]{0,80}[.!?]\s+(?:He|She)\s+(?:has\s+|had\s+|sadly\s+)?(?:passed\s+away|passed|died))\b", re.I)
_NAMED_DIED = re.compile(r"(?:^|[.!?]\s+|\n)([A-Z][a-z]{2,15})\s+(?:has\s+|had\s+|sadly\s+)?(?:died|passed\s+away|was\s+put\s+to\s+sleep)\b")
_RELATION_WORDS = frozenset("husband wife partner mum mom mother dad father son daughter brother sister grandmother grandfather nan grandad gran aunt uncle friend he she it".split())
_RELATION = re.compile(
    r"\b(?:lost\s+my|my)\s+(husband|wife|partner|mum|mom|mother|dad|father|son|daughter|brother|sister|grandmother|grandfather|nan|grandad|gran|aunt|uncle|friend)\b",
    re.I,
)
_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.I)
_CONTENT = re.compile(r"[a-z]{4,}")
_REFERS_TO_CONTACT = re.compile(
    r"\b(?:last\s+time\s+(?:you|we)|previously|earlier\s+(?:call|email|message|contact|chat)|when\s+you\s+(?:called|wrote|contacted|emailed|rang)|"
    r"(?:your|our)\s+(?:last|previous|earlier)\s+(?:call|email|message|contact|chat|conversation)|following\s+(?:your|our)\s+(?:call|email|chat|conversation)|"
    r"I\s+can\s+see\s+(?:that\s+)?you(?:'ve|\s+have)?\s+(?:contacted|called|been\s+in\s+touch))\b",
    re.I,
)
SURE = 0.7  # the learned emotion model's score that is enough on its own
GIST_WORDS = 10
SHORT_GIST_WORDS = 8  # an agent's note quoted as it is must be short  # a longer first clause is cut at a comma, or not named
_KEY_FACTS = ("order", "ticket", "tracking", "reference", "product_code")


def greeting_name(context: Context, bank: Bank) -> str | None:
    if context.address_as:
        return context.address_as.strip()
    name = (context.customer_name or "").strip()
    if not name:
        return None
    words = name.split()
    if words[0].lower().rstrip(".") in bank.titles and len(words) > 1:
        return name
    return words[0]


def other_name(draft_greeting: str | None, body: str, context: Context, bank: Bank) -> str | None:
    """A name the draft calls the customer by that is not the context's ("Nerissa" where it says "Alex")."""
    known = {w.lower().strip(".,") for w in f"{context.customer_name or ''} {context.address_as or ''}".split()}
    if not known - {""}:
        return None
    candidates = []
    if draft_greeting:
        candidates += re.findall(r"\b([A-Z][a-z'’]*(?:-[A-Za-z][a-z'’]*)*)(?![\w-])", draft_greeting)[1:] if draft_greeting.split()[0][:1].isupper() else []
    # "I apologise for the wait, Nerissa." names the customer; "passed to the site manager, Rhys." names a colleague
    candidates += [name for before, name in re.findall(r"\b(\w{1,30}),\s+([A-Z][a-z'’-]{2,})\s*[.!?]", body) if before.lower() not in _ROLES]
    skip = set(bank.titles) | set(bank.address_words) | {"morning", "afternoon", "evening", "thanks", "regards"}
    for word in candidates:
        if word.lower() not in known and word.lower() not in skip:
            return word
    return None


_ROLES = frozenset("manager supervisor colleague engineer technician driver courier advisor adviser agent specialist lead director owner team "
                   "department instructor tutor teacher nurse doctor coordinator officer assistant representative rep host guide".split())  # fmt: skip
# "died" and "death" are grief only when a person or a pet died ("my old laptop died" is not a loss to condole).
_LOSS = re.compile(r"passed away|funeral|bereave|grieving|obituary|put (?:him |her )?to sleep|\bmy late\b|\blost my\b|\b(?:she|he)\s+(?:died|passed)\b|\b(?:dog|cat|pet|puppy|kitten|horse)\b", re.I)


# "late" that is no delay: a late fee, a late filing surcharge, "my late father".
_NOT_LATE = re.compile(r"\b(?:I|we)(?:['’]m|\s+am|\s+was|\s+were|['’]re|\s+are)\s+(?:\w+\s+){0,3}?late\b|\breturned\s+(?:it|the\s+\w+)\s+late\b|\bonly\s+\d+\s+(?:minutes?|mins?|hours?|days?)\s+late\b|\blate\s+(?:return|arrival)\b|"
                       r"\blate\s+(?:filing|fee|fees|payment|payments|charge|charges|surcharge|penalty|penalties|check-?in|check-?out|"
                       r"father|mother|dad|mum|mom|husband|wife|partner|son|daughter|brother|sister|grandmother|grandfather|nan|friend)\b", re.I)


# "whether it's going to happen again", "make sure it never happens again": a fear for the future, not a repeat
_NOT_AGAIN = re.compile(r"\b(?:going to|gonna|will|won['’]t|might|could|would|never|doesn['’]t|does not|don['’]t|do not)\s+(?:\w+\s+){0,2}?again\b", re.I)


def situation(message: str, bank: Bank, emotions: list[Emotion]) -> str | None:
    message = _NOT_AGAIN.sub("", _NOT_LATE.sub("", message))
    names = {e.name for e in emotions}
    for key, item in bank.situations.items():
        if item.emotions and not names & set(item.emotions):
            continue
        pattern = bank.cue_pattern(key)
        # a counted contact ("third time", "I've rung four times") is a repeat, read by the one pattern that counts them
        # and a wait the customer counts ("it's been 9 days") is a delay
        if (pattern is not None and pattern.search(message) or key == "repeat" and (_COUNT.search(message) or _RUN.search(message))
                or key == "delay" and _STILL_WAITING.search(message)):  # fmt: skip
            if key == "grief" and not (_LOSS.search(message) or _RELATION.search(message)):
                continue
            return key
    return "general" if names & NEGATIVE else None


def slots(message: str, bank: Bank) -> dict[str, str]:
    found: dict[str, str] = {}
    things = "|".join(re.escape(t) for t in sorted(bank.things, key=len, reverse=True))
    thing = re.search(rf"\bmy\s+(?:new\s+|last\s+|latest\s+|recent\s+|online\s+)?({things})\b", message, re.I)
    if thing:
        found["thing"] = thing.group(1).lower()
    counts = [_ORDINALS[(m.group(1) or m.group(2) or m.group(3)).lower()] for m in _COUNT.finditer(message)]
    if counts:  # "second time ... no, third": the highest the customer names
        found["count"] = max(counts, key=_RANK.index)
    run = _RUN.search(message)
    if run:  # "THIRD week running" -> "third week running"
        found["run"] = f"{_ORDINALS[run.group(1).lower()]} {run.group(2).lower()} {run.group(3).lower()}"
    waited = _WAITED.search(message)
    if waited:
        found["waited"] = (waited.group("span") or waited.group("waited")).lower()
    # the relation whose death the customer tells of ("my dad passed away", "lost my wife"), not any relation they
    # name ("my partner said I should send it in")
    for relation in _RELATION.finditer(message):
        after = message[relation.end() : relation.end() + 140]
        if relation.group(0).lower().startswith("lost") or _DIED_AFTER.match(after):
            found["relation"] = relation.group(1).lower()
            break
    named = _NAMED_DIED.search(message)
    if named and named.group(1).lower() not in _RELATION_WORDS and "relation" not in found:
        found["lost"] = named.group(1)  # "Mochi died on Saturday": a pet or a person named by the customer
    return found


def acknowledgement(message: str, draft_body: str, emotions: list[Emotion], bank: Bank, register: str, seed: int,
                    clean=lambda text: True, specific: bool = False) -> str | None:  # fmt: skip
    """One line naming what the customer said, or None when none is wanted. `specific`: only a line that names
    the customer's situation or words, never a general one ("sorry for the hassle this has caused")."""
    # An emotion the customer's own words show (a lexicon cue), or one the model is sure of: an acknowledgement
    # of a feeling the customer did not show reads as a template.
    # A situation named in the message (a delay, a repeat contact, damage) is evidence enough.
    felt = [e for e in emotions if e.name in NEGATIVE or e.name == "gratitude"]
    if not felt or not message:
        return None
    # A time frame answers urgency but acknowledges no feeling: only the other emotions count as acknowledged.
    if any(acknowledged(e.name, draft_body) for e in felt if e.name != "urgency") or (_APOLOGY.search(draft_body) and names_negative(felt)):
        return None  # the draft acknowledges already; a second line on top of its apology reads as a template
    key = situation(message, bank, felt)
    if key == "general":
        felt = [e for e in felt if e.cues or e.score >= SURE]
        key = situation(message, bank, felt) if felt else None
    if key is None or key == "praise" and re.search(r"\b(?:congratulat\w*|thank\w*)\b", draft_body, re.I):
        return None  # the draft already answers the customer's warmth
    filled = slots(message, bank)
    names = {e.name for e in felt}
    if key not in ("grief", "security", "praise") and names & NEGATIVE:
        found = clause_and_sentence(message, bank)
        if found:
            said, sentence = found
            # "Third time I'm contacting you. ... I've lost two days' pay.": the count goes with its own sentence only
            repeat = "count" in filled and bool(_COUNT.search(sentence)) and not re.search(r"\b(?:again|second|third|fourth|fifth|twice)\b", said)
            variants = [v.replace("{count}", filled["count"]) for v in bank.own_words_repeat[register]] if repeat else bank.own_words[register]
            if "run" in filled and _RUN.search(sentence) and not re.search(r"\b(?:again|in a row|running)\b", said):
                variants = [v.replace("{run}", filled["run"]) for v in bank.own_words_run[register]]  # "second week in a row"
            first = seed % len(variants)
            for variant in variants[first:] + variants[:first]:
                line = variant.format(said=said)
                if problem(line) is None and clean(line):
                    return line
    if specific and key == "general":
        return None
    apologised = bool(_APOLOGY.search(draft_body))
    for entry in bank.situations[key].entries:
        if entry.emotions and not names & set(entry.emotions):
            continue
        if entry.apology and apologised:
            continue
        usable = [v for v in entry.variants(register) if all(s in filled for s in re.findall(r"\{(\w+)\}", v))]
        if not usable:
            continue
        first = seed % len(usable)
        for variant in usable[first:] + usable[:first]:  # the seeded choice, then the others
            line = variant.format(**filled)
            if clean(line):  # a filled slot can change how a line reads ("your meter isn't right")
                return line
    return None


def names_negative(emotions: list[Emotion]) -> bool:
    return any(e.name in NEGATIVE for e in emotions)


# Where a clause that says what went wrong may start: "my parcel ...", "the engineer ...", "I've been ...", "it still ...".
_CLAUSE_START = re.compile(
    r"(?<![\w'’])(?:my|the|our|I've|I’ve|I have|I'm|I’m|I am|I was|I had|I still|I paid|I ordered|I sent|I returned|I waited|I missed|I lost|"
    r"it's|it’s|it is|it was|it still|it hasn't|it hasn’t|it has|it never|it didn't|it didn’t|nobody|no one|"
    r"we've|we’ve|we have|we had|we still|we paid|we ordered|we were)\b",
    re.I,
)
# "my doorbell camera shows nobody came", "the app says preparing": evidence of what went wrong, not what went wrong.
_REPORTS = re.compile(r"^(?:\S+\s+){1,4}?(?:shows?|says?|said|states?|reads?|told me|tells me)\b", re.I)
# A clause quoted back must say what happened: it needs a finite verb ("my late mother's wardrobe" alone is no clause).
_AFTER_PREPOSITION = re.compile(r"\b(?:for|of|to|with|from|in|on|at|about|by|into|onto|than|like|bought|ordered|got|sent|gave)\s+$", re.I)
_CALL_NOTES = re.compile(r"^\s*[(\[]?\s*(?:call|phone|chat)\s+notes?\b|\b(?:customer|caller|cust)\s+(?:says|said|states|stated|reports|reported)\b", re.I)
_ASKED_ABOUT = re.compile(r"\b(?:whether|if|in case|wonder|wondering)\s+$", re.I)
# "so" ends a clause before a new subject ("..., so I called"), not as an intensifier ("so much higher").
_CLAUSE_END = re.compile(
    r",(?=\s)|\s[—–-]\s|[;\n]|:(?!\d)|[.!?](?=\s|$)|\s*[\U0001F300-\U0001FAFF\u2600-\u27BF]|\s(?:and|but|because|which|who|although|though|when|while|if|then|plus|also)\s|"
    r"\sso\s(?=(?:I|I['’]\w+|we|you|they|he|she|it|the|my|our|this|that|there|now|please)\b)",
    re.I,
)
# After "and", a clause that goes on with the same subject ("... and haven't seen the money", "... and nobody came").
_GOES_ON = re.compile(r"(?:haven['’]t|hasn['’]t|have not|has not|still|never|didn['’]t|did not|can['’]t|nobody|no one|got)\b", re.I)
# "No heating or hot water since Sunday.": what the customer has been without, said as a clause of theirs.
_NO_SINCE = re.compile(r"^(?:still\s+)?no\s+(?P<what>[\w' ’,-]{3,60}?)\s+(?P<prep>since|for)\s+(?P<when>[\w' ’-]{2,30}?)\s*[.!]*$", re.I)
# What something cost the customer, in the second person: preferred to what happened, when a sentence says both.
_COST = re.compile(r"you(?:['’]ve| have)?\s+(?:missed|lost|had to|paid|wasted|spent|couldn['’]t|could not|can['’]t|cannot|been left)\b", re.I)
_ABOUT_THEMSELVES = re.compile(
    r"I(?:['’]m|\s+am)\s+not\s+(?:very\s+|that\s+|too\s+|so\s+)?(?:good|great|confident|used\s+to|comfortable|techy)\b|"
    r"I(?:['’]m|\s+am)\s+(?:so\s+|really\s+|very\s+|truly\s+)?(?:sorry|embarrassed|ashamed)\b",  # the customer's own apology is not what went wrong
    re.I,
)
_NOT_A_SUBJECT = re.compile(r"^the\s+(?:\w+\s+)?(?:time|day|week|month|year|way|thing|reason|point)\b", re.I)
_WENT_WRONG = re.compile(
    r"\b(?:still|again|not|never|no|n't|n’t|late|delayed|wrong|missing|broken|damaged|cracked|faulty|cancelled|lost|"
    r"twice|overcharged|charged|refused|declined|stopped|waiting|waited|failed|didn|hasn|haven|wasn|isn|won|"
    r"nobody|expired|dead|stale|leaking|leaked|blocked|locked out|cut off|without|turned down|rejected|denied|gone up|went up|"
    r"increased|doubled|given away|stolen|disappeared|vanished|ignored|missed|(?<!'m )(?<!’m )(?<!am )(?<!re )(?<!is )broke|snapped|smashed|shattered|burst|"
    r"tore|torn|ripped|split|bent|dented|scratched|stained|spilled|spilt|crashed|froze|frozen|flooded|fell off|fell apart|came off|"
    r"came apart|stopped working|died|went down|was down|is down|been down|went offline|overflowed|collapsed|jammed|stuck|crushed|melted|rotten|mouldy|moldy|infested)\b", re.I
)
_COMPANY = re.compile(r"(?<![\w'’])(?:you|your|yours|you've|you're|you'll|you’ve|you’re|you’ll)(?![\w'’])", re.I)
_SECOND_PERSON = [
    (r"\bI'm\b|\bI’m\b|\bI am\b", "you're"), (r"\bI've\b|\bI’ve\b|\bI have\b", "you've"), (r"\bI'd\b|\bI’d\b", "you'd"),
    (r"\bI'll\b|\bI’ll\b", "you'll"), (r"\bI was\b", "you were"), (r"\bmyself\b", "yourself"), (r"\bmine\b", "yours"),
    (r"\bI\b", "you"), (r"\bmy\b", "your"), (r"\bme\b", "you"), (r"\bwe've\b|\bwe’ve\b", "you've"),
    (r"\bwe're\b|\bwe’re\b", "you're"), (r"\bwe\b", "you"), (r"\bour\b", "your"), (r"\bus\b", "you"),
]
MAX_SAID_WORDS = 14
MAX_MESSAGE_READ = 4000  # characters of the customer's message read for a clause to quote back
_SHOUTED_WORDS = frozenset("again still never not still yet twice now late wrong broken missing".split())


def customer_clause(message: str, bank: Bank) -> str | None:
    found = clause_and_sentence(message, bank)
    return found[0] if found else None


def clause_and_sentence(message: str, bank: Bank) -> tuple[str, str] | None:
    """One clause of the customer's message that says what went wrong, in the second person, and the sentence it
    came from; or None.

    The clause starts at "my/the/our <thing>", "I've ..." or "it ...", ends at a comma, a full stop or a
    conjunction, holds a verb and a sign that something went wrong, has 3 to MAX_SAID_WORDS words, and does not
    speak to us ("you sent me ..."): turning that round would be admitting what the draft does not."""
    if _CALL_NOTES.search(message[:300]):
        return None  # "(Call notes) Customer says ... his father's": an agent's notes, not the customer's words to turn round
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", message[:MAX_MESSAGE_READ]):
        if "?" in sentence or '"' in sentence or len(sentence) > 400:
            continue
        without = _NO_SINCE.match(sentence.strip())
        if without and len(without.group(0).split()) <= MAX_SAID_WORDS and not _COMPANY.search(sentence):
            said = f"you've had no {without.group('what').strip()} {without.group('prep').lower()} {without.group('when').strip()}"
            if problem(said[:1].upper() + said[1:] + ".") is None:
                return said, sentence
        found: list[tuple[str, bool]] = []  # each clause, and whether it is a cost to the customer
        for start in _CLAUSE_START.finditer(sentence):
            if _AFTER_PREPOSITION.search(sentence, 0, start.start()):
                continue  # "the voucher I bought for my mom's birthday expired": "my mom's birthday" is no subject
            if _ASKED_ABOUT.search(sentence, 0, start.start()):
                continue  # "I need to know whether it's going to happen again": a question, not what went wrong
            end = _CLAUSE_END.search(sentence, start.end())
            if end and end.group().strip().lower() == "and" and _GOES_ON.match(sentence, end.end()):
                end = _CLAUSE_END.search(sentence, end.end())  # "I returned it ... and haven't seen the money": one clause
            clause = sentence[start.start() : end.start() if end else len(sentence)].strip()
            words = clause.split()
            if not 3 <= len(words) <= MAX_SAID_WORDS or _COMPANY.search(clause) or not _WENT_WRONG.search(clause):
                continue
            if not has_finite_verb(clause) or _REPORTS.match(clause):
                continue
            if _ABOUT_THEMSELVES.match(clause):
                continue  # "I'm not very good with the website": how they are, not what went wrong
            if _NOT_A_SUBJECT.match(clause) or clause.count("(") != clause.count(")"):
                continue
            shouted = re.findall(r"\b[A-Z]{3,}\b", clause)
            if len(shouted) >= 2 or shouted and shouted[0].lower() in _SHOUTED_WORDS:
                clause = re.sub(r"\b[A-Z]{3,}\b", lambda m: m.group().lower(), clause)  # shouting is not quoted back; "MRI" stays
            said = normalise(clause, bank).rstrip(".!?")
            for pattern, replacement in _SECOND_PERSON:
                said = re.sub(pattern, replacement, said, flags=re.I)
            said = said[:1].lower() + said[1:] if not re.match(r"[A-Z]{2}|I\b", said) else said
            if problem(said[:1].upper() + said[1:] + ".") is None:
                # "I'm worried I've missed something": a fear, not a cost, so it is no better than the rest
                feared = re.search(r"\b(?:worried|afraid|scared|concerned|think|feel like|wonder|sure)\s*(?:that\s*)?$", sentence[: start.start()], re.I)
                found.append((said, not feared and bool(_COST.match(said))))
        if found:
            # what it cost the customer ("you missed your sister's wedding") before what happened ("the 07:42 was cancelled")
            return next((said for said, cost in found if cost), found[0][0]), sentence
    return None


def relevant_history(context: Context, draft: str, bank: Bank) -> list[PastInteraction]:
    """The runtime rule (module docstring), most recent first."""
    message = context.customer_message or ""
    history = sorted(context.history, key=lambda h: (h.date is not None, h.date or dt.date.min), reverse=True)
    if not history:
        return []
    sensitive = [re.compile(p, re.I) for p in bank.sensitive]

    def private(note: str) -> bool:
        return any(p.search(note) and not p.search(message) for p in sensitive)

    keys = {f.normal for f in extract_facts(f"{message}\n{draft}", context.locale) if f.kind in _KEY_FACTS}
    words = _content(message)
    relevant = []
    for item in history:
        if private(item.note):
            continue
        note_keys = {f.normal for f in extract_facts(item.note, context.locale) if f.kind in _KEY_FACTS}
        if note_keys & keys or len(words & _content(item.note)) >= 2:
            relevant.append(item)
    if not relevant and message and _refers_back(message, bank):
        relevant = [item for item in history[:1] if not private(item.note)]
    # most informative first: a note that names the same order or reference, then one with a usable gist
    def rank(item: PastInteraction) -> tuple[int, int]:
        shares_key = bool({f.normal for f in extract_facts(item.note, context.locale) if f.kind in _KEY_FACTS} & keys)
        return (0 if shares_key else 1, 0 if _gist(item.note) else 1)

    return sorted(relevant, key=rank)


def history_line(item: PastInteraction, draft: str, context: Context, bank: Bank, register: str, seed: int) -> str | None:
    """The line naming `item`, or None when the draft already refers to it or no gist can be given safely."""
    if _mentions(draft, item, context):
        return None
    if context.channel.value == "social" or _INSTRUCTION.search(item.note):
        return None  # a public reply names no private history; a note that gives orders is not repeated
    if not item.date:
        return pick(bank.undated[register], seed)
    date = _date(item.date, context.locale, bank)
    gist = _gist(item.note)
    if gist is None or _PERSONAL_DATA.search(gist):
        return None
    words = gist.split()
    if len(words) > 3 and words[0] == "you" and words[2].lower() in _PROBLEM_WORDS:
        article = "an" if words[2][:1].lower() in "aeiou" else "a"
        gist = " ".join([*words[:2], article, *words[2:]])  # "you reported duplicate charge" -> "you reported a duplicate charge"
    if _as_noted(gist):
        # "you reported mould Flat 12B", "you were in touch: HB-20931: customer chased": the note's shorthand, not a
        # sentence to send; the contact is named by what the customer did and its date instead
        return short_history_line(item, draft, context, bank, register, seed)
    if gist.startswith(("you ", "your ")):
        return pick(bank.history[register], seed).format(date=date, gist=gist)
    if _same_subject(item, draft, context) and _CONTACT_NOTE.search(item.note) and len(gist.split()) <= SHORT_GIST_WORDS and has_finite_verb(gist):
        # the note is about the very order or ticket in hand: its gist as the agent wrote it, when it says what
        # happened ("blender delivered without lid"); a bare label ("call with Neha") would read as a pasted note,
        # so the contact is named by its date instead; a note that records no contact (a booking made online)
        # is no "you contacted us"
        return pick(bank.noted[register], seed).format(date=date, gist=gist)
    # Only the date would be left: "your earlier contact about this" claims a link the note may not bear out
    # (an address change, a purchase), so nothing is said.
    return None


def contact_line(items: list[PastInteraction], draft: str, context: Context, bank: Bank, register: str, seed: int) -> str | None:
    """When no note can be named by its gist: the dates the customer was in touch about this (at most two), said
    only where the link is certain: the note names the same order or reference, or the customer says they have
    been in touch before and the note shares their words. Never on a public channel, and not when the draft
    already refers to the contact."""
    if context.channel.value == "social" or not items:
        return None
    message = context.customer_message or ""
    refers_back = _refers_back(message, bank)
    words = _content(message)

    def certain_link(item: PastInteraction) -> bool:  # "again" alone may be about something else ("packed beautifully again")
        if refers_back and (len(words & _content(item.note)) >= 2 or _same_subject(item, draft, context)):
            return True  # the customer says they have been in touch, and the note is about the same thing
        # the same order or booking, and the note records a contact: a booking made online is no "contact about this"
        return _same_subject(item, draft, context) and bool(_CONTACT_NOTE.search(item.note))

    certain = [i for i in items if i.date and certain_link(i) and not _mentions(draft, i, context)]
    if not certain or _REFERS_TO_CONTACT.search(draft):
        return None
    days = sorted({i.date for i in certain})[-2:]
    dates = " and ".join(_date(day, context.locale, bank) for day in days)
    # "you contacted us" only where a note records a contact of theirs; a note of what we did ("Practical test
    # cancelled; rebooked for 12 Feb.") is named as a note
    contact = any(_CONTACT_NOTE.search(i.note) for i in certain if i.date in days) or bool(_THEY_CONTACTED.search(message))
    return pick((bank.contacted if contact else bank.seen)[register], seed).format(dates=dates)


def _refers_back(message: str, bank: Bank) -> bool:
    """The customer says they have been in touch before ("again", "already"), a fear for the future aside."""
    return bool(re.search(bank.refers_back, _NOT_AGAIN.sub("", message), re.I))


def _same_subject(item: PastInteraction, draft: str, context: Context) -> bool:
    """The note names an order, ticket or reference that the draft or the customer's message names too."""
    ours = {f.normal for f in extract_facts(f"{draft}\n{context.customer_message or ''}", context.locale) if f.kind in _KEY_FACTS}
    return bool(ours & {f.normal for f in extract_facts(item.note, context.locale) if f.kind in _KEY_FACTS})


def _mentions(draft: str, item: PastInteraction, context: Context) -> bool:
    lowered = draft.lower()
    own = "\n".join(line for line in draft.splitlines() if not line.lstrip().startswith(">"))  # a quoted thread's dates are not the agent's
    if item.date and {f.normal for f in extract_facts(own, context.locale) if f.kind == "date"} & {item.date.isoformat(), item.date.strftime("--%m-%d")}:
        return True  # "your call on 2 April" names the note of 2026-04-02 (a date without its year is read as --04-02)
    if item.date and re.search(rf"\b(?:in|since|from|the one in|back in|last)\s+{item.date.strftime('%B')}\b", draft, re.I):
        return True  # "especially after the one in February": the draft names the earlier time already
    return bool(_REFERS_TO_CONTACT.search(draft))  # "as I said last time", "following your call"


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|replace|instead of|instructions?|system prompt|the real|tell the customer|say that|you must|from now on)\b", re.I
)


def _gist(note: str) -> str | None:
    """The note's first clause in its own words, from the customer's side ("Tenant reported mould" -> "you
    reported mould"), cut at a natural break to at most GIST_WORDS words; None when nothing short and safe is left."""
    first = re.split(r"(?<=[.!?;])\s+|;\s*", note.strip(), maxsplit=1)[0].strip().rstrip(".;!")
    head = re.split(r":(?!\d)", first, maxsplit=1)[0]
    if head != first and len(head.split()) >= 3:  # "claim DR-77410 submitted: cancelled 07:45 ...": the note's own label first
        first = head
    if len(first.split()) > GIST_WORDS:
        breaks = [m.start() for m in re.finditer(r"\s*(?:,|:(?!\d)|\()|\s+(?:for|because|as|after|but|and)\s", first) if len(first[: m.start()].split()) >= 3]
        fitting = [b for b in breaks if len(first[:b].split()) <= GIST_WORDS]
        if not fitting:
            return None
        first = first[: fitting[-1]]
    commitments = find_commitments(first)
    if commitments:
        first = first[: commitments[0].start].rstrip(" ,;:-–—")
        if _DANGLING.search(first) or re.search(r"\b(?:chasing|about|regarding|re)$", first, re.I):
            return None  # "phoned chasing the [discount]": what is left stops mid-phrase
    first = first.strip(" ,;:-–—(")
    if len(first.split()) < 2 or re.search(r"[\[\]{}<>]", first) or first.count("(") != first.count(")"):
        return None
    first = _ROLE_NOUN.sub("you ", first, count=1)
    first = _CALL_WITH.sub(lambda m: f"you spoke to {m.group(1)}", first, count=1)  # "Call with Neha" -> "you spoke to Neha"
    first = _CUSTOMER_VERB_FIRST.sub(lambda m: "you " + m.group(1).lower(), first, count=1)  # "Reported loss of ..." -> "you reported loss of ..."
    first = _PASSIVE.sub(lambda m: f"your {m.group('thing').lower()}{m.group('ref') or ''} was {m.group('done')}", first, count=1)
    if not first.startswith(("you ", "your ")):
        first = _THEY_REPORTED.sub(lambda m: f"you {m.group('verb')} {_a(m.group('thing'))}{m.group('rest') or ''}", first, count=1)
    if first[:1].isupper() and not first[1:2].isupper() and not re.match(r"^[A-Z][a-z]+\s+[A-Z]", first):
        first = first[0].lower() + first[1:]
    if _THIN.match(first):
        return None  # "customer called": says nothing the reply can use
    if _SHORTHAND.search(first):
        return None  # "you called re missing cards", "40 min late": the agent's shorthand, not words to send
    return first


# A note that starts with what the customer did, its subject left out.
_CUSTOMER_VERB_FIRST = re.compile(r"^(Reported|Called|Emailed|Chased|Rang|Phoned|Complained|Queried|Disputed|Asked|Wrote)\b(?=\s+\w)")
# The customer's own verbs in a gist, and what each takes in the shortest line: "you reported this", "you called us".
_SHORT_DID = {"reported": "reported this", "raised": "raised this", "disputed": "disputed this", "queried": "queried this",
              "complained": "complained about this", "asked": "asked us about this", "called": "called us", "rang": "rang us",
              "phoned": "phoned us", "emailed": "emailed us", "wrote": "wrote to us", "chased": "chased this",
              "contacted": "contacted us", "sent": "sent this", "supplied": "sent this", "cancelled": "cancelled"}  # fmt: skip


_WHAT_FOLLOWS = frozenset("a an the your my our their this that these those some any about for to how what when whether if us it them in on "
                          "at with from by again back up out twice two three four five six several new".split())  # fmt: skip
# What went wrong, said before the thing it went wrong with: a note leaves out the article ("reported duplicate charge").
_PROBLEM_WORDS = frozenset("total complete partial intermittent duplicate double missing missed faulty broken damaged late wrong incorrect failed leaking blocked "
                           "cancelled delayed lost unrecognised unauthorised estimated disputed".split())  # fmt: skip
_THIRD_PERSON = re.compile(r"\b(?:he|she|him|her|his|hers|customer|cust|caller|client|tenant|patient)\b|:(?!\d)", re.I)


# "asked about Mexico trip", "to cancel 4 April hygiene appointment": a noun with no article after the verb or
# preposition, the note's shorthand
_BARE_NOUN_AFTER = re.compile(
    r"\b(?:about|regarding|cancel|rebook|book|change|chase|chasing)\s+(?!(?:the|a|an|your|their|his|her|its|this|that|these|those|my|our|some|any|it|them|him|us|me|what|when|how|why|whether|if)\b)"
    r"(?:[A-Z][\w'’-]*|\d{1,2}\s+[A-Z][a-z]+)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?$"
)


def _as_noted(gist: str) -> bool:
    """A gist that reads as the agent's note: a noun with no article straight after the customer's verb ("you
    reported duplicate charge"), a colon, or the customer in the third person ("her driveway")."""
    if _THIRD_PERSON.search(gist) or _BARE_NOUN_AFTER.search(gist):
        return True
    words = gist.split()
    if len(words) < 3 or words[0] != "you":
        return False
    following = words[2].lower().strip(",.;")
    return following not in _WHAT_FOLLOWS and not following[:1].isdigit() and not following.endswith("s") and not following.endswith("ing")


def short_history_line(item: PastInteraction, draft: str, context: Context, bank: Bank, register: str, seed: int) -> str | None:
    """The shortest line naming a contact the customer made ("I can see you reported this on 28 March"), for a reply
    with little room; None when the note does not say what the customer did, or the draft already names it."""
    if not item.date or context.channel.value == "social" or _mentions(draft, item, context) or _INSTRUCTION.search(item.note):
        return None
    gist = _gist(item.note)
    verb = re.match(r"^you (\w+)\b", gist or "")
    if not verb or verb.group(1).lower() not in _SHORT_DID:
        return None
    return pick(bank.contacted_short[register], seed).format(did=_SHORT_DID[verb.group(1).lower()], date=_date(item.date, context.locale, bank))


_CALL_WITH = re.compile(r"^(?i:call|phone call|chat|spoke|talked|meeting)\s+(?i:with|to)\s+([A-Z][a-z]+)$")
# The customer says they have been in touch before ("3rd time asking", "I've rung twice"), not only that it happened again.
_THEY_CONTACTED = re.compile(
    r"\b(?:I|we)(?:['’]ve|['’]m| have| am| was| had)?\s+(?:\w+\s+){0,2}?(?:asked|asking|called|calling|rang|ringing|phoned|phoning|emailed|emailing|"
    r"contacted|contacting|chased|chasing|written|wrote|writing|messaged|rung|been in touch|told you|reported)\b|"
    r"\btimes?\s+(?:I['’]ve\s+|I\s+have\s+|I['’]m\s+|I\s+am\s+)?(?:asking|contacting|calling|emailing|writing|chasing|asked|called|emailed|written|chased)\b",
    re.I,
)  # not "a letter chasing the bill"
_CONTACT_NOTE = re.compile(
    r"\b(?:called|phoned|rang|emailed|e-mailed|wrote|chat(?:ted)?|contacted|complained|complaint|reported|chased|asked|queried|query|"
    r"spoke|messaged|raised|visited|disputed|requested|enquired|inquired|via (?:phone|email|chat|the app)|by (?:phone|email|letter)|"
    r"ticket|case|call|said|says|told us|mentioned|informed us|customer|caller|client|tenant|patient|resident|parent|member)\b",
    re.I,
)
_DANGLING = re.compile(r"\b(?:the|a|an|to|for|of|with|and|or|but|your|my|our|their|his|her|this|that|on|in|at|by|from)$", re.I)
_ROLE_NOUN = re.compile(r"^(?i:the\s+)?(?i:customer|cust|tenant|donor|patient|applicant|student|passenger|member|caller|policyholder|account holder|client|user|player|buyer|owner|guest|resident|parent)\s+(?=[a-z]+ed\b|sent\b|made\b|gave\b|paid\b|rang\b|told\b|said\b|spoke\b|wrote\b|brought\b|bought\b|felt\b|had\b|got\b|lost\b|left\b|came\b|went\b|took\b|fell\b)")
# An address, a phone number or an email in a note stays out of a reply.
# "Order #48213 delayed at depot" -> "your order #48213 was delayed at depot"
_PASSIVE = re.compile(
    r"^(?P<thing>(?:(?i:routine|annual|first|second|new|original|full|[\w-]*\d[\w-]*)\s+){0,2}(?i:order|parcel|package|claim|booking|return label|return|refund|ticket|visit|engineer visit|appointment|invoice|card|"
    r"replacement|repair|application|payment|complaint|request|case|service|install|installation|estimate|quote|inspection|survey|"
    r"prescription|delivery|collection))(?P<ref>\s+#?[A-Z0-9][\w-]*\d[\w-]*)?\s+"
    r"(?P<done>(?:issued|delayed|booked|sent|raised|lodged|opened|cancelled|received|marked|rebooked|approved|declined|returned|"
    r"refunded|delivered|restored|reported|escalated|dispatched|shipped|logged|closed|updated|processed|collected|given|quoted|"
    r"scheduled|postponed|arranged|fitted|replaced|installed|completed|missed|paid)\b)"
)
# "Missed collection reported": what the customer reported, said from their side ("you reported a missed collection").
_THEY_REPORTED = re.compile(r"^(?P<thing>[A-Za-z][\w -]{2,40}?)\s+(?P<verb>reported|queried|disputed|raised)(?P<rest>\s+again)?(?=$|,)")
_PERSONAL_DATA = re.compile(r"\b\d+[A-Za-z]?\s+[A-Z][a-z]+\s+(?:St|Street|Rd|Road|Ave|Avenue|Lane|Close|Row|Way|Drive|Court|Place|Crescent)\b|@|\+?\d[\d ]{8,}\d")
# Note-taking shorthand that a reply should not repeat.
_SHORTHAND = re.compile(r"(?<![\w-])(?:re|cust|cx|w/c|w/o|approx|appt|mins?|hrs?|TBC|N/A|pls|info|msg|acct|dept|asap|FYI|cb|vm)(?![\w-])|\b[LR]\s+(?:ear|eye|side|hand|arm|leg|knee|foot|wheel)\b|&|\s/\s", re.I)
_THIN = re.compile(r"^(?:you|they|he|she)\s+(?:called|phoned|rang|emailed|chased|wrote|contacted us|got in touch)(?:\s+again)?$", re.I)


def _a(thing: str) -> str:
    """ "missed collection" -> "a missed collection"; a thing that already has its article, or a plural, stays."""
    low = thing.lower()
    if re.match(r"(?:a|an|the|your|their|his|her|its|some|no|\d)\b", low) or low.endswith("s"):
        return low
    return ("an " if low[:1] in "aeiou" else "a ") + low


def _date(day: dt.date, locale: str, bank: Bank) -> str:
    fmt = bank.date_formats.get(locale) or bank.date_formats.get(locale.split("-")[0].split("_")[0]) or bank.date_formats["default"]
    return fmt.format(day=day.day, month=day.strftime("%B"), year=day.year)


def _content(text: str) -> set[str]:
    stop = load_personal_lexicon().stopwords
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in _CONTENT.findall(text.lower()) if w not in stop}


# "for missing my appointment on 4 April", "I called you before my trip": the event is behind the customer
_PAST_EVENT = re.compile(r"\b(?:miss(?:ed|ing)|cancell?(?:ed|ing)|after|since|during)\s+$|\b(?:called|rang|phoned|emailed|told|spoke|asked)\b[^.!?,]*$", re.I)
_YOURS = {"my": "your", "our": "your", "a": "your", "his": "his", "her": "her", "their": "their"}
_FLIGHT_OF = {"i": "your", "we": "your", "they": "their", "he": "his", "she": "her"}
_DAYS = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)


def deadline_words(message: str, bank: Bank) -> tuple[str, str] | None:
    """The customer's event and when it is, in the second person ("your job interview", "this Friday"), or None."""
    m = re.search(bank.deadline.pattern, message[:MAX_MESSAGE_READ])
    if not m or _PAST_EVENT.search(message[max(0, m.start() - 40) : m.start()]) or re.search(r"\bwas\b", m.group()):
        return None  # "charged for missing my appointment on 4 April": that time has gone; timing no longer matters
    if m.group("who"):
        event = f"{_FLIGHT_OF[m.group('who').lower()]} flight"
    else:
        event = f"{_YOURS[m.group('det').lower()]} {' '.join(m.group('event').lower().split())}"
    when = _DAYS.sub(lambda d: d.group(1).capitalize(), " ".join(m.group("when").split()))
    return event, when


def detail_line(message: str, draft: str, bank: Bank, register: str, seed: int) -> str | None:
    """One line naming a detail the customer gave (loyalty, an occasion, a life event) that the draft does not."""
    if not message:
        return None
    lowered = draft.lower()
    for pattern, event in bank.life_events.items():
        if re.search(pattern, message, re.I) and not re.search(pattern, draft, re.I) and "congratulat" not in lowered:
            return getattr(event, register)
    deadline = deadline_words(message, bank)
    # the draft names the event, or the very day, already: "delivered before Saturday" about a wedding on Saturday is
    # no reason to stay silent, but "your flight on 30 June" said twice would be
    if deadline and deadline[0].split()[-1].lower() not in lowered and re.sub(r"^on\s+", "", deadline[1]).lower() not in lowered:
        return pick(getattr(bank.deadline, register), seed).format(event=deadline[0], when=deadline[1])
    loyalty = re.search(bank.loyalty.pattern, message, re.I)
    if loyalty and (not bank.loyalty.requires or re.search(bank.loyalty.requires, message, re.I)) and loyalty.group("span").lower() not in lowered:
        return pick(getattr(bank.loyalty, register), seed).format(span=" ".join(loyalty.group("span").split()))
    occasion = re.search(bank.occasion.pattern, message, re.I)
    if occasion and _PAST_EVENT.search(message[max(0, occasion.start() - 40) : occasion.start()]):
        occasion = None  # "I called you before my trip": the trip is the past, not what the reply is for
    if occasion and occasion.group("event").split()[-1].lower() not in lowered:
        event = re.sub(r"^(?:my|our)\s+", "", occasion.group("event"), flags=re.I)
        return pick(getattr(bank.occasion, register), seed).format(event=event)
    gift = re.search(bank.gift.pattern, message, re.I)
    if gift and not re.search(r"\b(?:present|gift)\b(?!\s+(?:wrap|wrapping|receipt|card|voucher|message|note|box))", lowered):
        who = gift.group("who")
        yours = f" for your {who.split(None, 1)[1]}" if who else ""
        return pick(getattr(bank.gift, register), seed).format(kind=gift.group("kind").lower(), **{"for": yours})
    return None
