"""One action per body sentence: keep, normalise words, replace, drop, or leave it and flag it.

    role   acknowledgement, answer, instruction, refusal, question, blame, filler or pleasantry
    harm   the tone findings (rules and the learned model) that fall in the sentence, at warning or error
    facts  order numbers, amounts, dates, links ... (the analysis' facts) inside the sentence

A sentence with harm is first given its word-level fixes (a swap the rule names, text-speak); if that
clears it, that is the edit. Otherwise a sentence with no fact is dropped when it only blames, mocks or
fills, and a bare refusal ("Rules are rules.") becomes a plain one from the phrasebank. A sentence with
facts may lose a harmful clause that holds no fact ("..., so that's on you") when what is left stands as a
sentence. Anything else is kept as written and flagged "needs your words". Every changed sentence passes
the fluency guard and the tone check before it is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from coach.analysis import compare_facts, extract_facts
from coach.analysis.fluency import problem
from coach.analysis.personal import load_personal_lexicon
from coach.analysis.risk import RISK_CATEGORIES
from coach.editor.phrasebank import Bank, pick
from coach.editor.words import UR_ARE, capitalise, label_as_sentence, normalise, remove_term, without_emoji
from coach.schemas import Fact, Finding, Level

MAX_SENTENCE_CHARS = 800
class ToneCheck(Protocol):
    """The tone check the editor gives each sentence: bounded per draft, so a long draft stays linear."""

    def __call__(self, text: str) -> bool: ...

    def harm(self, text: str) -> list[Finding] | None: ...


ACTIONS = ("keep", "normalise", "replace", "drop", "flag")
HARM_LEVELS = (Level.error, Level.warning)
# Categories the editor acts on. "curt" and "overcomplicated" are the agent's wording to judge: flagged at most.
ACT_ON = RISK_CATEGORIES - {"curt"}

_ROLES: list[tuple[str, re.Pattern[str]]] = [
    # a question mark at the end (an emoji may follow it), or a question to the customer that lost its mark
    ("question", re.compile(r"\?[\s\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]*$|^(?:and\s+|so\s+|but\s+)?(?:what|who|where|when|why|how)\b[^.!]*\byou\b", re.I)),
    ("pleasantry", re.compile(r"^(?:have a (?:great|good|nice|lovely|wonderful)|enjoy\b|(?:i )?hope (?:this|that) (?:helps|email finds)|(?:i )?hope you(?:'re| are)? (?:well|having|doing)|take care|cheers)", re.I)),
    ("acknowledgement", re.compile(r"^(?:(?:i'?m|i am|we'?re|we are)\s+(?:so\s+|very\s+|really\s+)?sorry|sorry\b|(?:my|our)?\s*apologies|i apologi[sz]e|i understand|i can see why|thank(?:s| you))", re.I)),
    ("refusal", re.compile(r"\b(?:can'?t|cannot|can not|unable|not able|won'?t be able|no longer|not possible|not eligible|declined|rules are rules|policy is policy|computer says no|it is what it is|nothing (?:else |more )?(?:i|we) can do)\b|^no\b[.!]?", re.I)),
    ("filler", re.compile(r"^(?:anyway|anyhow|just so you know|to be honest|honestly|as i said|as mentioned|as i already said|fyi|for what it'?s worth)\b", re.I)),
    ("instruction", re.compile(r"^(?:please|kindly|you (?:can|will need to|need to|should|must)|just|simply|make sure|(?:send|check|reply|call|click|go|visit|open|log|fill|contact|try|attach|upload|use|share)\b)", re.I)),
]
_BARE_REFUSAL = re.compile(
    r"^(?:no|nope|rules are rules|policy is policy|computer says no|it is what it is|that'?s (?:just )?(?:how it is|the policy|the rule)|"
    r"no exceptions?|(?:there'?s )?nothing (?:else |more )?(?:i|we) can do(?:\s+[\w']+){0,4}|(?:(?:i|we) )?can'?t do anything(?: more| else)?(?: about it)?|"
    r"(?:my|our) hands are tied)(?:,?\s*(?:unfortunately|i'?m afraid|sorry|i'?m sorry|from here|at this point))?\s*[.!]*$",
    re.I,
)
# A shrug answers nothing and refuses nothing: "It is what it is." It goes; it is not a refusal to soften.
_SHRUG = re.compile(
    r"^(?:(?:well|but|so|sadly|unfortunately|honestly),?\s+)?(?:it is what it is|it'?s just one of those things|"
    r"(?:these|such) things (?:happen|do happen)(?: sometimes)?(?: with (?:\w+\s*){1,2})?|(?:stuff|delays|mistakes|things|problems|issues) (?:can |do |sometimes )?happen(?: sometimes)?|"
    r"that'?s (?:just )?(?:how it is|the way it is|life|how it goes|how (?:it|things|this|\w+) works?)|"
    r"that is (?:just )?(?:how it is|the way it is|how (?:it|things|\w+) works?)|(?:it |this |that )?happens (?:all the time|a lot|sometimes|to everyone))"
    r"(?:,?\s*(?:unfortunately|i'?m afraid|sadly|i guess|i suppose))?\s*[.!]*$",
    re.I,
)
# "which" stays with its clause ("which you accepted at booking"): without the clause before it, it points at nothing
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:—–]\s*(?:(?:so|and|but|because|as)\s+)?|\s+(?:so|because|but)\s+)")


@dataclass
class Outcome:
    action: str
    text: str  # what stands in the rewrite ("" when dropped)
    reason: str = ""
    cites: list[str] = field(default_factory=list)
    refusal: bool = False  # a bare refusal was replaced: the reply may need an alternative
    fallback: str = ""  # for a drop: the sentence with its safe word fixes, kept and flagged if every sentence would go
    prying: bool = False  # a question dropped because it pries: a short follow-on question goes with it


# A retort to how the customer wrote: never content, always dropped.
_RETORT = re.compile(
    r"\b(?:shouting|threatening|swearing|rudeness|being rude|calling us \w+|that (?:kind of )?language|(?:the|your) attitude|"
    r"don'?t shout|no need to shout|no need for (?:that|the)|crying about it|keep it civil|keep this civil|mind your language)\b|"
    # "Calling it a scam isn't going to help", "Complaining won't speed it up": what the customer said, answered back
    r"^(?:calling|shouting|swearing|complaining|moaning|threatening|insulting)\b[^.!?\n]{0,40}\b(?:is(?:n['’]t| not) going to|won['’]t|will not|doesn['’]t|does not)\s+(?:help|change|get you|speed|make)\b",
    re.I,
)


# Telling the customer what they should have done: blame whatever the tone check says.
_LECTURE = re.compile(
    r"\b(?:next time|in future|before contacting us|before reporting|you should have|you needed to|you need(?:ed)? to have|"
    r"you could have|you could order earlier|if you(?:'d| had) (?:read|checked|looked)|(?:read|check) (?:the|our) (?:faq|terms|website) before|"
    r"properly|be (?:more )?careful|you probably|that'?s on you|your (?:own )?fault|not (?:really )?(?:on us|our (?:fault|problem)))\b",
    re.I,
)


# The lectures that are blame whatever follows ("To prevent this in future, enable ..." is advice, and stays).
_BLAME_LECTURE = re.compile(
    r"\b(?:you should have|you could have|you needed to|your (?:own )?fault|that'?s on you|if you(?:'d| had) (?:read|checked|looked|updated)|"
    r"before contacting us|before reporting)\b",
    re.I,
)


def role(sentence: str, findings: list[Finding]) -> str:
    if _RETORT.search(sentence):
        return "retort"
    if _LECTURE.search(sentence) and not sentence.rstrip().endswith("?"):
        return "blame"
    if any(f.category == "blaming" for f in findings):
        return "blame"
    for name, pattern in _ROLES:
        if pattern.search(sentence):
            return name
    return "answer"


MODEL_MIN_P = 0.3  # below this the learned model's warning is too weak to flag for the agent...
SURE_BAD_P = 0.8  # ...unless it is this sure the sentence reads badly at all (held-out tone: precision 0.99 that it does)
_P = re.compile(r"\(model, p=([\d.]+)(?:; p=([\d.]+) that it reads badly)?\)")


def model_p(finding: Finding) -> float | None:
    """The learned model's probability for its finding; None for a rule's."""
    if not finding.rule.startswith("tone-model."):
        return None
    m = _P.search(finding.message)
    return float(m.group(1)) if m else 1.0


def model_any_p(finding: Finding) -> float | None:
    """The learned model's probability that the sentence reads badly at all (whatever the category); None for a rule's."""
    if not finding.rule.startswith("tone-model."):
        return None
    m = _P.search(finding.message)
    return float(m.group(2) or m.group(1)) if m else 1.0


def harm(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.category in ACT_ON and f.level in HARM_LEVELS]


def _weak(findings: list[Finding]) -> bool:
    """Only the learned model saw harm, and only weakly: not worth the agent's attention. A sentence the model is
    sure reads badly is never weak, however its doubt splits between the categories ("sarcastic? 0.2; something
    reads badly: 0.9")."""
    return all((model_p(f) or 1.0) < MODEL_MIN_P and (model_any_p(f) or 1.0) < SURE_BAD_P for f in findings)


def guarded(sentence: str, outcome: Outcome, bank: Bank, register: str) -> Outcome:
    """`outcome` held to the fact guard: an edit the guard reads as changing a fact ("tmrw" spelled out as the
    date "tomorrow") gives way to the sentence with only its safe fixes, or to the sentence as written, flagged."""
    if outcome.action not in ("replace", "normalise") or _guard_agrees(sentence, outcome.text):
        return outcome
    plain = without_emoji(normalise(sentence, bank, register == "formal", dates=False))
    if plain != sentence and _well_formed(plain) and _guard_agrees(sentence, plain):
        return Outcome("normalise", plain, _WORDS_REASON, ["keep-it-simple"])
    return Outcome("flag", sentence, "Needs your words: the edit would have changed how a fact reads.", outcome.cites)


def decide(
    sentence: str,
    findings: list[Finding],
    facts: list[Fact],
    bank: Bank,
    register: str,
    seed: int,
    clean: ToneCheck,
) -> Outcome:
    """The action for one sentence. `clean(text)`: the tone check finds no harm in `text`; `clean.harm(text)` lists it."""
    formal = register == "formal"
    harmful = harm(findings)
    if len(sentence) > MAX_SENTENCE_CHARS:  # not a sentence an agent wrote: left whole, so the work stays linear
        if harmful:
            return Outcome("flag", sentence, "Needs your words: too long to edit as one sentence.", [])
        return Outcome("keep", sentence)
    fixed = normalise(sentence, bank, formal)
    plain = _swap(fixed, [f for f in findings if f.rule in PLAIN_WORD_RULES and not _in_a_label(sentence, f.match)])
    if plain is not None and _well_formed(capitalise(plain)) and _same_facts(sentence, plain, facts):
        fixed = capitalise(plain)
    else:
        plain = None  # a plain word that breaks the sentence or touches a fact: the jargon stays
    boiler = _boilerplate(sentence, findings)
    if boiler and not facts:  # "... with today?" keeps its line: "today" is a fact the guard holds the reply to
        return Outcome("drop", "", f'Removed boilerplate ("{boiler}"): it fits every customer and says nothing to this one.', ["human-touch"])
    if not facts and any(f.rule == "overreach.sensitive-question" for f in harmful):
        # a question about the customer's health, debts or family goes whole: what is left of it would still ask
        return Outcome("drop", "", f"Removed: {harmful[0].message.rstrip('.')}.", ["respect-boundaries"], prying=True)
    if not facts and (_SHRUG.match(sentence.strip()) or _SHRUG.match(fixed.strip())):  # "ngl happens all the time"
        return Outcome("drop", "", "Removed a shrug: it tells the customer nothing and sounds as if we don't care.", ["anticipate-next-need"],
                       fallback=fixed if _well_formed(fixed) else sentence)  # fmt: skip
    if not harmful and not facts and _BARE_REFUSAL.match(sentence.strip()):
        line = pick(bank.refusal[register], seed, sentence)
        return Outcome("replace", line, "A bare refusal says no without a reason or a way forward.", ["no-flat-no"], refusal=True)
    if not harmful and not facts and (_RETORT.search(sentence) or _BLAME_LECTURE.search(sentence)):
        # the tone check missed it, but it answers how the customer wrote, or tells them what they should have done
        return Outcome("drop", "", "Removed: it lectures the customer or answers back, and held no fact the customer needs.", ["no-blame"],
                       fallback=fixed if _well_formed(fixed) else sentence)  # fmt: skip
    if not harmful and facts and (_LECTURE.search(sentence) or _RETORT.search(sentence)) and not sentence.rstrip().endswith("?"):
        # "Delays are due to demand on Friday nights, you could order earlier": the tone check missed the lecture
        trimmed = _without_harmful_clauses(sentence, facts, bank, formal, clean, [])
        if trimmed is not None and trimmed[0] and (trimmed[2] or _weakly_doubted(trimmed[0], clean)):
            return Outcome("replace", trimmed[0], "Kept what the customer needs and left out the lecture.", ["no-blame"])
    if not harmful:
        whole = as_sentence(fixed, bank)
        if whole is not None and _well_formed(whole) and _same_facts(sentence, whole, facts) and clean(whole):
            return Outcome("normalise", whole, "Wrote the note as a full sentence.", ["keep-it-simple"])
        if fixed != sentence and _well_formed(fixed) and _same_facts(sentence, fixed, facts):
            return Outcome("normalise", fixed, _PLAIN_REASON if plain else _WORDS_REASON, ["keep-it-simple"])
        bare = without_emoji(sentence)
        label = label_as_sentence(bare)
        if label and _guard_agrees(sentence, label):
            return Outcome("normalise", label, "Said the reference as a sentence.", ["keep-it-simple"])
        if not facts and _empty_exclamation(bare):  # "Ahh classic driver fail 🤦": without its emoji, still nothing
            return Outcome("drop", "", "Removed an exclamation that says nothing to this customer.", ["keep-it-simple"])
        if bare != sentence and _same_facts(sentence, bare, facts):  # the sentence is the agent's; its emoji can go
            return Outcome("normalise", bare, "Left out the emoji.", ["emoji-and-punctuation"])
        return Outcome("keep", sentence)
    cites = list(dict.fromkeys(f.card for f in harmful if f.card))
    why = harmful[0].message.rstrip(".")

    for rewrite in bank.rewrites:
        m = re.match(rewrite.pattern, sentence.strip(), re.I)
        if not m:
            continue
        template = rewrite.negated if rewrite.negated and re.search(r"\bpolicy\s+not\b", sentence, re.I) else rewrite.replace
        candidate = normalise(capitalise(template.format(**{k: v or "" for k, v in m.groupdict().items()}).strip()), bank, formal)
        if _well_formed(candidate) and _same_facts(sentence, candidate, facts) and (clean(candidate) or _rule_harm_gone(harmful, candidate, clean)):
            return Outcome("replace", candidate, rewrite.reason, [*cites, *rewrite.cites], refusal="no-flat-no" in rewrite.cites)
    swapped = _swap(sentence, [f for f in findings if f.category == "over-familiar"])
    base = sentence
    if swapped is not None:
        candidate = normalise(swapped, bank, formal)
        if _well_formed(candidate) and _same_facts(sentence, candidate, facts) and (clean(candidate) or _rule_harm_gone(harmful, candidate, clean, MODEL_MIN_P)):
            return Outcome("replace", candidate, f"Reworded: {why}.", cites)
        if _same_facts(sentence, candidate, facts):
            base = candidate  # the named swaps are safe: trim clauses from there
    # an apology put right ("Sorry u had a bad time" -> "Sorry you had a bad time") stays unless the model is fairly sure
    below = 0.5 if role(fixed, []) == "acknowledgement" else MODEL_MIN_P
    if fixed != sentence and _well_formed(fixed) and _same_facts(sentence, fixed, facts) and (clean(fixed) or _rule_harm_gone(harmful, fixed, clean, below)):
        return Outcome("replace", fixed, f"Reworded: {why}.", cites)

    if _BARE_REFUSAL.match(sentence.strip()):
        line = pick(bank.refusal[register], seed, sentence)
        return Outcome("replace", line, f"A bare refusal says no without a reason or a way forward: {why}.",
                       [*cites, "no-flat-no"], refusal=True)  # fmt: skip
    kind = role(sentence, harmful)
    if (kind == "acknowledgement" or _WARM.match(sentence)) and all(f.rule.startswith("tone-model.") for f in harmful):
        return Outcome("keep", sentence)  # an apology or a congratulation the model alone doubts is the agent's to keep
    if not facts and kind not in ("question", "refusal") and _all_therapy(sentence, harmful):
        # "I can really feel how upsetting this is ... it's okay to feel overwhelmed": what is left once the
        # therapy is cut out still counsels; the acknowledgement line says the plain version
        return Outcome("drop", "", f"Removed: {why}; the sentence held no fact the customer needs.", cites, fallback=fixed if _well_formed(fixed) else sentence)
    trimmed = _without_harmful_clauses(base, facts, bank, formal, clean, findings)
    if trimmed is not None and trimmed[0] == "":
        if kind == "refusal" or _SAYS_NO.search(sentence) or load_personal_lexicon().refusal.search(sentence):
            line = pick(bank.refusal[register], seed, sentence)
            return Outcome("replace", line, f"A refusal that shuts the door: {why}.", [*cites, "no-flat-no"], refusal=True)
        if not facts:  # "It's the warehouse.": blame passed on, and nothing else; no refusal to put in its place
            return Outcome("drop", "", f"Removed: {why}; the sentence held no fact the customer needs.", cites, fallback=fixed if _well_formed(fixed) else sentence)
        trimmed = None
    if trimmed is not None and trimmed[2]:
        text, refused, _ = trimmed
        return Outcome("replace", text, f"Kept what the customer needs and left out the part that {_verb(harmful)}.", cites, refusal=refused)
    if trimmed is not None:  # the named harm is gone, but the rest still reads badly: the agent's words are needed
        return Outcome("flag", trimmed[0], f"Needs your words: left out the part that {_verb(harmful)}; the rest still needs rewording.", cites)
    if facts:
        kept = _without_the_clause_the_model_doubts(base, facts, bank, formal, clean, harmful)
        if kept is not None:
            return Outcome("replace", kept, f"Kept what the customer needs and left out the part that {_verb(harmful)}.", cites)
    bare = without_emoji(sentence)
    if not facts and not _NOTHING_TO_DO.search(bare) and (_empty_exclamation(bare) or bare_exclamation(bare)):  # "Sure thing!", "Exciting!" where they jar
        return Outcome("drop", "", f"Removed: {why}; the exclamation held nothing the customer needs.", cites,
                       fallback=base if _well_formed(base) else sentence)  # fmt: skip
    if not facts and _droppable(sentence, harmful):
        prying = kind == "question" and any(f.category in ("overreach", "therapy") for f in harmful)
        if kind in ("refusal", "question") and not _blames(harmful) and not prying:
            if _weak(harmful):
                return Outcome("keep", sentence)
            return Outcome("flag", fixed, f"Needs your words: {why}.", cites)
        return Outcome("drop", "", f"Removed: {why}; the sentence held no fact the customer needs.", cites,
                       fallback=base if _well_formed(base) else sentence, prying=prying)  # fmt: skip
    kept = fixed if _same_facts(sentence, fixed, facts) else sentence
    whole = as_sentence(kept, bank)  # the agent's words stay, said as a sentence ("It sometimes takes 2 weeks to adapt.")
    if whole is not None and _well_formed(whole) and _same_facts(sentence, whole, facts):
        kept = whole
    if _weak(harmful):
        return Outcome("normalise" if kept != sentence else "keep", kept, "Put the words right (spelling, text-speak, casing).", ["keep-it-simple"])
    holds = "facts" if facts else "content the customer may need"
    return Outcome("flag", kept, f"Needs your words: {why}. It holds {holds}, so it was not changed.", cites)


# Rules whose matches have a plainer word in their lexicon (jargon, officialese): swapped like a named swap.
PLAIN_WORD_RULES = frozenset({"overcomplicated.jargon", "overcomplicated.officialese"})
_WORDS_REASON = "Put the words right (spelling, text-speak, casing)."
_PLAIN_REASON = "Plain words for internal jargon or stiff wording the customer may not know."

BOILERPLATE_RULES = frozenset({"personalisation.template-apology", "personalisation.canned-phrases"})


def _boilerplate(sentence: str, findings: list[Finding]) -> str | None:
    """The stock phrase that makes up most of the sentence (a template apology, a canned line), or None."""
    for f in findings:
        if f.rule in BOILERPLATE_RULES and f.match and len(f.match.split()) >= 0.6 * len(sentence.split()):
            return f.match
    return None


_WARM = re.compile(r"^(?:congratulations|many thanks|thank you|thanks|great news|good news|welcome|happy birthday|best of luck|good luck)\b", re.I)


# An apology, thanks or congratulations: a short exclamation that holds one is put right, never dropped.
_KIND_WORDS = re.compile(r"\b(?:sorry|apolog\w*|thank\w*|congratulations)\b", re.I)


_SIGNED = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’&-]*){0,3}")  # capitalised words and no full stop
_NOT_A_NAME = re.compile(r"(?:hi|hello|hey|dear|thanks|thx|tx|ty|ta|cheers|sorry|ok|okay|done|yes|no|great|sure|x+|\w+ed|\w+ing)\b", re.I)
_NOT_S_VERBS = frozenset("this thus plus news yours ours hers theirs always perhaps towards afterwards sometimes thanks".split())


def _empty_exclamation(sentence: str) -> bool:
    """ "Great question!", "Ahh, classic driver fail.": short, no verb, no number, and not thanks, an apology or
    good wishes."""
    text = sentence.strip()
    if _SIGNED.fullmatch(text) and not _NOT_A_NAME.match(text):
        return False  # "Sam", "Aoife", "Waste Services": a name signs the reply; it is no exclamation
    short = text.endswith("!") and len(text.split()) <= 4 or len(text.split()) <= 5 and not text.endswith("?")
    closed = text if text.endswith((".", "!", "?")) else f"{text}."  # an emoji took its full stop: judge the words
    words = re.findall(r"[A-Za-z']+", text)
    if any(w.endswith("s") and not w.endswith(("ss", "'s")) and len(w) > 3 and w.lower() not in _NOT_S_VERBS and words[i - 1].lower() not in ("the", "a", "an", "your", "our", "my", "classic")
           for i, w in enumerate(words) if i):  # fmt: skip
        return False  # "Tracking follows by email.": a verb the guard's word list lacks; the sentence says something
    return (short and problem(closed) is not None and not _WARM.match(text) and role(text, []) != "acknowledgement"
            and not re.search(r"\d|[/>@]|\w\.\w|\b[A-Z]{2,}\b", text)  # a number, a link, a menu path or "ETA TBC" is content
            and not re.search(r"^no\s+(?:eta|date|update|news|change|charge|fee|estimate|answer|reply)\b|\b(?:yet|at present|currently)\b", text, re.I)  # "No ETA at present" says something
            and not _KIND_WORDS.search(text))  # "omg so sorry 😭": an apology to put right  # fmt: skip


_CHEER_LEAD = re.compile(r"^(?:great|good|fantastic|brilliant|exciting|awesome|amazing) news\s*[,!:.–—-]*\s*(?=\w)", re.I)
_CHEER_ALONE = re.compile(r"^(?:great|good|fantastic|brilliant|exciting|awesome|amazing) news\s*[!.]*$", re.I)
_CHEER_WORDS = [(re.compile(r"\b(?:super|really|so|dead) (?:easy|simple)\b", re.I), "simple"),
                (re.compile(r"\b(?:super|really|so) (?:quick|fast)\b", re.I), "quick")]  # fmt: skip


def without_cheer(sentence: str, facts: list[Fact]) -> str | None:
    """The sentence without its cheerful lead-in ("Great news, ...") or cheery words ("super easy"), for a customer
    who is grieving; "" when the cheer is all it says; None when it has none, or the plain version would not
    stand as a sentence."""
    if _CHEER_ALONE.match(sentence.strip()):
        return ""  # "Great news!" and nothing else: nothing is left to say
    text = _CHEER_LEAD.sub("", sentence.strip())
    for pattern, plain in _CHEER_WORDS:
        text = pattern.sub(plain, text)
    text = re.sub(r"\s*!+$", ".", text)  # "Thanks for reaching out!" after a condolence: said calmly
    if text == sentence.strip():
        return None
    text = capitalise(text)
    return text if _well_formed(text) and _same_facts(sentence, text, facts) else None


def bare_exclamation(sentence: str) -> bool:
    """ "Sure thing!", "Exciting!", "Ta-ra!": three words at most, ending in "!", no number, not thanks or an apology."""
    text = sentence.strip()
    return (text.endswith("!") and len(text.split()) <= 3 and not _WARM.match(text) and role(text, []) != "acknowledgement"
            and not re.search(r"\d", text) and not _KIND_WORDS.search(text))  # fmt: skip


def as_sentence(text: str, bank: Bank) -> str | None:
    """A note ("Engineer booked for 16 January.") as the sentence it stands for, by the bank's telegraphic
    rewrites; None when none applies."""
    for rule in bank.telegraphic:
        m = re.match(rule.pattern, text.strip(), re.I)
        if m:
            groups = {k: (v or "").lower() if k in ("noun", "adv", "verb", "done") else (v or "") for k, v in m.groupdict().items()}
            return capitalise(re.sub(r"\s{2,}", " ", rule.replace.format(**groups)).strip())
    return None


# Telling the customer they need do nothing more ("Nothing else needed from you."): content, never filler.
_NOTHING_TO_DO = re.compile(r"\b(?:nothing (?:else|more|further) (?:is |will be )?(?:needed|required)|no need (?:for you )?to (?:do|send|call|contact|reply|take|pay|chase|return|bring|resend|fill|book|come|print|upload|sign|visit|ring|email|post)\b|no (?:further )?action (?:is )?(?:needed|required)|you don['’]t need to do anything)\b", re.I)
# A jab is at someone ("we're ... not Amazon", "Wow, ..."): a statement about a process ("Residents' weight is
# monitored monthly.") the model doubts stays; so does a warning ("do NOT try to use the lift") however it reads.
_AT_SOMEONE = re.compile(r"\b(?:you|your|you're|we|we're|us|our|I|I'm|wow|um+|lol|haha|seriously)\b|!", re.I)
_WARNS = re.compile(r"(?:^|,\s*|\b(?:time|please|meanwhile|so)\s+)(?:do not|don['’]t|never)\b|\b(?:must|make sure|avoid|please|ring|call)\b", re.I)
SURE_ANY_P = 0.9  # the model's overall doubt at which a short sentence with no fact goes (held-out tone precision 0.996)...
SURE_ANY_CATEGORY_P = 0.4  # ...when it also leans to one category: plain explanations score high overall on their own
THERAPY_DROP_P = 0.9  # the learned model's certainty that a sentence with no fact in it is therapy talk, to drop it whole


def _all_therapy(sentence: str, harmful: list[Finding]) -> bool:
    """Therapy talk and nothing else: the model is all but sure, and the sentence offers no next step."""
    felt = re.sub(r"\b(?:I|we)\s+can\s+(?:really\s+|truly\s+|totally\s+|only\s+)?(?:feel|see|imagine|hear|understand|tell|sense)\b", "", sentence, flags=re.I)
    if load_personal_lexicon().next_step.search(felt) or re.search(r"\d", sentence):
        return False  # "I can really feel how upsetting this is" offers nothing; "I can book you in" does
    return any(f.category == "therapy" and (model_p(f) or 0) >= THERAPY_DROP_P for f in harmful)


def _droppable(sentence: str, harmful: list[Finding]) -> bool:
    """Only harm or filler: no digit (a number is content), and either a rule found the harm or, when the
    learned model alone did, the sentence is short."""
    if re.search(r"\d", sentence) or load_personal_lexicon().next_step.search(sentence) or _NOTHING_TO_DO.search(sentence):
        return False  # a number is content; a next step is the agent's promise to keep; "nothing else needed from you" tells them so
    if re.search(r"\b(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?\s+[A-Z]", sentence):
        return False  # "Dr. Patel hasn't signed off yet": a named person and what they did is content
    kind = role(sentence, harmful)
    if kind in ("retort", "pleasantry") or _LECTURE.search(sentence):
        return True
    if kind == "question" and any(f.category in ("overreach", "therapy") for f in harmful):
        return True  # a prying question asks for nothing the reply needs
    if any(not f.rule.startswith("tone-model.") for f in harmful) and (len(sentence.split()) <= 12 or kind in ("blame", "filler")):
        return True  # a long sentence a rule flags still says something: it is reworded or flagged, not dropped
    if any(f.rule == "overreach.platitude" for f in harmful) and len(sentence.split()) <= 20:
        return True  # "Everything happens for a reason and I'm sure he'd want you to travel": it tells them how to grieve
    if any(f.category in ("therapy", "over-familiar") and (model_p(f) or 0) >= 0.8 for f in harmful):
        return True  # the model is sure, and therapy talk carries nothing the customer needs
    # The learned model alone: drop only a short sentence, or therapy talk, flippancy or familiarity; longer
    # sentences the model doubts are the agent's to reword (it is wrong more often on those).
    words = len(sentence.split())
    if _WARM.match(sentence):
        return False  # "Congratulations!", "Thank you so much": the model's doubt is not enough to drop warmth
    if any(f.category in ("therapy", "flippant", "over-familiar") and (model_p(f) or 1.0) >= 0.5 for f in harmful) and words <= 20:
        return True
    if (words <= 20 and kind not in ("acknowledgement", "instruction", "refusal") and not _OWNS_IT.search(sentence)
            and not _SAYS_NO.search(sentence) and not load_personal_lexicon().refusal.search(sentence)
            and _AT_SOMEONE.search(sentence) and not _WARNS.search(sentence)
            and any((model_any_p(f) or 0) >= SURE_ANY_P and (model_p(f) or 0) >= SURE_ANY_CATEGORY_P for f in harmful)):  # fmt: skip
        return True  # "Wow, two parking sessions, living the dream.": the model is sure it reads badly, if less of the name for it;
        # a plain explanation ("The wall bracket was out of stock.") can score high overall, but no category claims it
    if kind == "blame" and any(f.category == "blaming" and (model_p(f) or 1.0) >= 0.5 for f in harmful) and words <= 20:
        return True  # "Well, maybe reading the terms would have helped.": blame with nothing in it the customer needs
    if (kind in ("answer", "filler", "blame") and words <= 12 and not _OWNS_IT.search(sentence) and not _SAYS_NO.search(sentence) and not load_personal_lexicon().refusal.search(sentence)
            and any(f.category == "dismissive" and (model_p(f) or 0) >= DISMISSIVE_DROP_P for f in harmful)):  # fmt: skip
        return True  # "It happens.", "Everyone else manages to read it.": a brush-off the model is sure of, with nothing in it;
        # a refusal ("It's not refundable.") is an answer, and "That is not good enough." owns the failure
    # a short jab at the customer ("You probably just missed it."); a short statement of fact stays
    # an instruction ("Please chase your GP.") is a next step, however short
    return words <= 8 and kind != "instruction" and bool(re.search(r"\byou(?:r|rs|'re|’re|'ve|’ve)?\b", sentence, re.I))


def _rule_harm_gone(harmful: list[Finding], candidate: str, check: ToneCheck, below: float = 0.5) -> bool:
    """The rule that named the harm no longer matches, and at most a doubtful model warning is left: a plain
    statement ("We don't deliver on Sundays.") that the model reads as a little curt is still the better sentence."""
    if not any(not f.rule.startswith("tone-model.") for f in harmful):
        return False
    return _weakly_doubted(candidate, check, below)


def _weakly_doubted(text: str, check: ToneCheck, below: float = MODEL_MIN_P) -> bool:
    """At most a weak doubt of the learned model is left in `text` (each finding's p under `below`)."""
    left = check.harm(text)
    return left is not None and all(f.rule.startswith("tone-model.") and (model_p(f) or 1.0) < below for f in left)


def _blames(findings: list[Finding]) -> bool:
    return any(f.category in ("blaming", "flippant", "over-familiar") for f in findings)


def _verb(findings: list[Finding]) -> str:
    category = findings[0].category
    return {"blaming": "blamed the customer", "flippant": "was flippant", "dismissive": "was dismissive",
            "over-familiar": "was over-familiar", "overreach": "overstepped", "therapy": "sounded like therapy"}.get(category, "was a problem")  # fmt: skip


def _well_formed(text: str) -> bool:
    return problem(text) is None


def _guard_agrees(before: str, after: str) -> bool:
    """The fact guard finds every fact of `before` in `after`, of the same kind, and nothing new: a reference
    said in a new way must still read as that reference."""
    check = compare_facts(before, after)
    return not (check.missing or check.altered or check.added or check.new_commitments)


def _same_facts(before: str, after: str, facts: list[Fact]) -> bool:
    """Every fact of `before` is in `after` as written, or, said another way, still reads as the same fact to the
    guard ("tmrw" spelled "tomorrow")."""
    moved = [f for f in facts if f.value in before and f.value not in after]
    if not moved:
        return True
    normals = {g.normal for g in extract_facts(after)}
    return all(f.normal in normals for f in moved)


def _swap(sentence: str, findings: list[Finding]) -> str | None:
    """Apply the swaps the rules name (rule `swap` maps, plain-word lexicons): a word for a word, or a term removed
    where it stands apart (an address term, or a word whose plain form the sentence already has: "kindly ... please"). None when there is none, or one cannot be applied without cutting into the sentence."""
    text = UR_ARE.sub("you're", sentence)  # "ur recovering" is "you're", before any "ur" -> "your" swap
    changed = text != sentence
    for f in findings:
        if f.replacement is None or not f.match:
            continue
        repeats = f.replacement and re.search(rf"(?<![\w'’]){re.escape(f.replacement)}(?![\w'’])", text, re.I)
        if repeats and re.match(rf"\s*{re.escape(f.match)}\s+\w", text, re.I):
            new = capitalise(re.sub(rf"^\s*{re.escape(f.match)}\s+", "", text, flags=re.I))  # "Kindly sign ... please"
        elif f.replacement and not repeats:
            new = re.sub(rf"(?<![\w'’]){re.escape(f.match)}(?![\w'’])", lambda m: _as_at(text, m.start(), f.replacement), text, count=1)
        else:
            new = remove_term(text, f.match)
            if new is None:
                return None
        if new != text:
            text, changed = new, True
    return text if changed else None


def _as_at(text: str, at: int, word: str) -> str:
    """`word` capitalised where a sentence starts at `at` (a swap after an emoji or a full stop)."""
    return capitalise(word) if re.search(r"(?:^|[.!?]\s+)$", text[:at]) else word


def _in_a_label(sentence: str, match: str) -> bool:
    """The match is part of a menu path or a quoted label ("Settings > Clear cache"): the customer will see
    those exact words on screen, so they stay."""
    at = sentence.find(match)
    around = sentence[max(0, at - 30) : at + len(match) + 30] if at >= 0 else ""
    return ">" in around or bool(re.search(r"[\"“'‘]" + re.escape(match) + r"[\"”'’]", sentence))


def _named_harm(clause: str, findings: list[Finding]) -> bool:
    """A rule's match lies in the clause, or the clause lectures or retorts."""
    lowered = clause.lower()
    if _LECTURE.search(clause) or _RETORT.search(clause):
        return True
    # only harm counts: "cannot" matched by the no-next-step check is the reason a refusal gives, not harm in itself
    return any(not f.rule.startswith("tone-model.") and f.category in ACT_ON and f.match and f.match.lower() in lowered for f in findings)


def _without_harmful_clauses(
    sentence: str, facts: list[Fact], bank: Bank, formal: bool, clean: Callable[[str], bool], findings: list[Finding] = ()
) -> tuple[str, bool, bool] | None:
    """The sentence without its clauses that hold no fact and read as harmful, when what is left stands as a
    sentence and passes the tone check; and whether a bare refusal ("rules are rules") was among those left out."""
    clauses = _clauses(sentence, facts)
    if len(clauses) < 2:
        return None
    kept: list[int] = []  # the clauses that stay, by their place in the sentence
    refused, gone_before = False, False
    for i, clause in enumerate(clauses):
        if any(f.value in clause for f in facts):
            if gone_before and _POINTS_BACK.match(clause.strip()):
                return None  # "..., this is in the parent handbook": what "this" was went with the clause before it
            kept.append(i)
            gone_before = False
            continue
        as_sentence = capitalise(clause) + "."
        if _BARE_REFUSAL.match(as_sentence):
            refused = True
            gone_before = True
        elif re.search(r"[\d>/@]", clause) or _offers(clause) or not _named_harm(clause, findings) or (
            _well_formed(as_sentence) and clean(as_sentence) and not _LECTURE.search(clause) and not _RETORT.search(clause)
        ):
            if gone_before and _POINTS_BACK.match(clause.strip()):
                return None
            kept.append(i)  # a clause goes only when a rule or a lecture pattern names its harm: it may hold the reason
            gone_before = False
        else:
            gone_before = True
    if all(_DISCOURSE_ONLY.match(clauses[i].strip()) for i in kept):
        kept = []  # "Yeah, [the harm]": a "Yes." left on its own says nothing
    if not kept and refused and not facts:
        return "", True, True  # nothing but a refusal and its harm: the caller says no plainly instead
    if not kept or len(kept) == len(clauses):
        return None
    candidate = _joined(clauses, kept, bank, formal)
    if all(f.value in candidate for f in facts) and _well_formed(candidate):
        return candidate, refused, clean(candidate)
    return None


# A clause that opens by pointing back at the one before it ("this is in the handbook", "which is why"): it cannot
# stay once that clause has gone.
_POINTS_BACK = re.compile(r"^(?:and\s+|but\s+|so\s+)?(?:this|that|it|these|those|which|such)\b(?!\s+(?:order|parcel|booking|account|item|refund|payment|week|month|year|morning|afternoon|evening)\b)", re.I)
_DISCOURSE_ONLY = re.compile(r"^(?:yes|yeah|yep|no|nope|ok|okay|well|so|anyway|right|sure|look|honestly|listen|frankly|believe it or not|to be (?:honest|fair))[.,!]*$", re.I)
# A clause that offers a way forward ("but you can defer to the January cohort") is content, whatever its tone.
_OFFER = re.compile(r"\b(?:you|we|I) (?:can|could|may)\b|\binstead\b|\balternative", re.I)


# The agent owning the failure: never a brush-off, whatever the model reads in it.
_OWNS_IT = re.compile(r"\b(?:not good enough|should have|(?<!not )our (?:mistake|fault|error)|we got (?:this|it) wrong|unacceptable)\b", re.I)
_SAYS_NO = re.compile(r"\b(?:not|isn['’]t|aren['’]t|non-?)\s*(?:refundable|eligible|available|possible|covered|transferable|included|allowed)\b", re.I)
DISMISSIVE_DROP_P = 0.6  # the model is this sure a short, fact-free sentence brushes the customer off before it goes
MODEL_CLAUSE_P = 0.5  # the learned model is this sure of the harm before a clause it doubts may go


def _without_the_clause_the_model_doubts(
    sentence: str, facts: list[Fact], bank: Bank, formal: bool, clean: ToneCheck, harmful: list[Finding]
) -> str | None:
    """A sentence with facts that the learned model is sure blames, brushes off or mocks, without one clause
    that holds no fact and offers nothing, when what is left is a well-formed sentence that keeps every fact
    and the tone check finds clean. None when no single clause's removal does it."""
    sure = [f for f in harmful if f.category in ("blaming", "dismissive", "flippant") and (model_p(f) or 0) >= MODEL_CLAUSE_P]
    if not sure:
        return None
    clauses = _clauses(sentence, facts)
    if len(clauses) < 2:
        return None
    for drop in range(len(clauses) - 1, -1, -1):  # the last clause first: the jab usually comes after the fact
        if any(f.value in clauses[drop] for f in facts) or _offers(clauses[drop]):
            continue
        if drop + 1 < len(clauses) and _POINTS_BACK.match(clauses[drop + 1].strip()):
            continue  # the clause after it says "this" or "which" of it
        candidate = _joined(clauses, [i for i in range(len(clauses)) if i != drop], bank, formal)
        if all(f.value in candidate for f in facts) and _well_formed(candidate) and clean(candidate):
            return candidate
    return None


class Clause(str):
    """One clause of a sentence, with the break that came before it in the sentence ("" for the first)."""

    before: str

    def __new__(cls, text: str, before: str = "") -> Clause:
        clause = super().__new__(cls, text)
        clause.before = before
        return clause


def _clauses(sentence: str, facts: list[Fact]) -> list[Clause]:
    """The sentence's clauses, split at the breaks that fall outside every fact, trimmed, empty ones left out;
    each remembers the break before it, so that neighbours joined again keep their own link ("late because of")."""
    cuts = [0]
    for m in _CLAUSE_BREAK.finditer(sentence):
        if not any(_inside(sentence, f, m) for f in facts):
            cuts += [m.start(), m.end()]
    cuts.append(len(sentence))
    clauses: list[Clause] = []
    before = ""
    for i in range(0, len(cuts), 2):
        text = sentence[cuts[i] : cuts[i + 1]].strip(" ,;:—–….")
        if text:
            clauses.append(Clause(text, before if clauses else ""))
            before = ""
        if i + 2 < len(cuts):
            before += sentence[cuts[i + 1] : cuts[i + 2]]
    return clauses


_LINK_WORD = re.compile(r"\b(?:so|because|but|and|as)\b", re.I)


def _joined(clauses: list[Clause], keep: list[int], bank: Bank, formal: bool) -> str:
    """The clauses at `keep` (places in the sentence, in order) joined back into one sentence, with its words put
    right. Two that were neighbours keep the link word between them ("late because of the holiday"); where a
    clause between them has gone, a comma joins them."""
    text = ""
    for k, i in enumerate(keep):
        if k:
            link = _LINK_WORD.search(clauses[i].before) if i == keep[k - 1] + 1 else None
            text += f"{',' if ',' in clauses[i].before else ''} {link.group().lower()} " if link else ", "
        text += clauses[i]
    return normalise(capitalise(text.rstrip(" .!?") + "."), bank, formal)


def _offers(clause: str) -> bool:
    """The clause offers a way forward and is not a lecture in disguise ("you could order earlier")."""
    return bool(_OFFER.search(clause)) and not _LECTURE.search(clause)


def _inside(sentence: str, fact: Fact, m: re.Match[str]) -> bool:
    at = sentence.find(fact.value)
    return at >= 0 and at < m.end() and at + len(fact.value) > m.start()
