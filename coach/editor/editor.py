"""`edit(request, analysis)`: the deterministic editor, sentence by sentence.

    layout (greeting, body sentences, sign-off, untouched tail)
    -> one action per body sentence (coach.editor.sentences)
    -> requests for what the customer already gave, dropped or flagged
    -> greeting, one acknowledgement, one history line (coach.editor.opening)
    -> a placeholder where a refusal leaves the customer nothing (at most one)
    -> sign-off for the register -> composed text, with every change's spans

The draft is analysed once, by the caller; the shared verify step checks the result. The editor adds no
promise, date, amount or option: what only the agent knows is a visible placeholder.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from coach.analysis import extract_facts, lint
from coach.analysis.commitments import find_commitments
from coach.analysis.fluency import is_base_verb, problem
from coach.analysis.personal import load_personal_lexicon
from coach.analysis.placeholders import PLACEHOLDER
from coach.editor.layout import Layout, Sentence, read_layout
from coach.editor.opening import (
    MAX_MESSAGE_READ,
    acknowledgement, contact_line, detail_line, greeting_name, history_line, other_name, relevant_history, short_history_line,
)
from coach.editor.phrasebank import Bank, load_bank, seed_of
from coach.analysis.risk import RISK_CATEGORIES
from coach.editor.sentences import HARM_LEVELS, MODEL_MIN_P, PLAIN_WORD_RULES, Outcome, bare_exclamation, decide, guarded, harm, model_p, without_cheer
from coach.editor.words import BARE_APOLOGY, ENDS_IN_EMOJI, without_emoji
from coach.schemas import Analysis, Change, Channel, Context, Fact, Finding, NeedsWords, Placeholder, RewriteRequest, Tone

ADDITIONS_MIN, ADDITIONS_SHARE = 26, 0.6  # added lines may bring this many words, or this share of the draft's own
MAX_TONE_CHECKS = 40  # sentence re-checks per draft; past this, a harmful sentence is flagged, not reworded


# The reply already offers a way round the no: no placeholder asks the agent for one.
_ALTERNATIVE = re.compile(
    r"\b(?:unless|instead|alternatively|you (?:can|could|may)|we (?:can|could)|option|options|if you (?:book|choose|prefer|like))\b(?!['’]t|not)|"
    # a remedy already given ("Refund of $23.85 issued", "a letter with the reasons was posted") or on offer ("our service can provide")
    r"\b(?:refund|credit|replacement|voucher|letter|email|reimbursement|compensation|exchange)\b(?:[^.!?\n]|(?<=\d)\.(?=\d)){0,60}\b(?:issued|sent|posted|processed|arranged|applied|credited|on its way)\b|"
    r"\b(?:service|team|store|pharmacy|branch|desk)\s+(?:can|will|could)\b",
    re.I,
)


@dataclass
class Edit:
    text: str
    changes: list[Change] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    needs_words: list[NeedsWords] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def cites(self) -> list[str]:
        return list(dict.fromkeys(card for change in self.changes for card in change.cites))


def find_placeholders(text: str) -> list[Placeholder]:
    """Gaps for the agent in any rewrite: "[what you can offer instead]"."""
    return [Placeholder(text=m.group(), hint=m.group()[1:-1], start=m.start(), end=m.end()) for m in PLACEHOLDER.finditer(text)]


def register_for(request: RewriteRequest) -> str:
    if request.tone is Tone.formal:
        return "formal"
    if request.context.channel in (Channel.chat, Channel.social, Channel.phone):
        return "chat"
    return "neutral"


@dataclass
class _Piece:
    """One span of the draft and what replaces it, or an insertion (start == end)."""

    start: int
    end: int
    text: str
    change: Change | None = None
    flag: NeedsWords | None = None


def edit(request: RewriteRequest, analysis: Analysis, *, learned: bool | None = None, bank: Bank | None = None) -> Edit:
    bank = bank or load_bank()
    draft, context = request.draft, request.context
    register = register_for(request)
    seed = seed_of(draft)
    layout = read_layout(draft, names=_names(context))
    if not layout.body:
        return Edit(text=draft, notes=["Nothing to edit: the draft has no sentences of its own."])
    message = context.customer_message or ""
    checks = _ToneCheck(context, learned)
    pieces: list[_Piece] = []
    refused_at: int | None = None  # the sentence whose bare refusal was replaced: the reply may need an alternative
    negative = {e.name for e in analysis.emotions} & {"sadness", "anger", "frustration"}
    pleasantry = re.compile("|".join(bank.pleasantries), re.I)
    offer = re.compile("|".join(bank.offers) or r"(?!)", re.I)
    given = _given(message, context, analysis)
    done = _done_already("\n".join([message[:MAX_MESSAGE_READ], *(h.note[:MAX_MESSAGE_READ] for h in context.history[:20])]))
    outcomes: list[Outcome] = []
    decided: dict[tuple, Outcome] = {}
    declined = _declined(message)  # "I don't want to discuss them": no question about it, no offer to talk it through

    # a term the customer used themselves ("chargeback") is theirs: no plainer word is put in its place
    said = message[:MAX_MESSAGE_READ].lower()
    findings_of = _by_sentence([f for f in analysis.findings if not (f.rule in PLAIN_WORD_RULES and f.match and f.match.lower() in said)], layout.body)
    facts_of = _by_sentence(analysis.facts, layout.body)
    for index, sentence in enumerate(layout.body):
        findings, facts = findings_of[index], facts_of[index]
        wider = [f for f in findings if f.rule.startswith("tone-model.") and (f.start < sentence.start or f.end > sentence.end)]
        if wider or ENDS_IN_EMOJI.search(sentence.text) and not any(f.rule.startswith("tone-model.") for f in findings):
            # "Well, maybe reading the terms would have helped 🙄 The bundle ...": the analysis read one sentence where
            # an emoji ends this one, so the learned model's verdict was on both together; this one is read alone
            alone = checks.harm(without_emoji(sentence.text))
            if alone is not None:
                findings = [f for f in findings if f not in wider] + [f for f in alone if f.rule.startswith("tone-model.")]
        # the same sentence with the same findings gets the same decision: a draft that repeats one line
        # thousands of times costs one decision, not thousands
        key = (sentence.text, tuple((f.rule, f.start - sentence.start, f.end - sentence.start) for f in findings), tuple((x.kind, x.value) for x in facts))
        outcome = decided.get(key)
        if outcome is None:
            outcome = decided[key] = guarded(sentence.text, decide(sentence.text, findings, facts, bank, register, seed, checks), bank, register)
        if outcome.refusal and outcomes and outcomes[-1].refusal and outcomes[-1].text == outcome.text:
            # "No. Policy is policy.": two bare refusals, one line; the second says nothing the first did not
            outcome = Outcome("drop", "", outcome.reason, outcome.cites, fallback=sentence.text)
        if outcomes and _follows_prying(outcomes[-1], sentence.text, facts):
            outcome = Outcome("drop", "", outcomes[-1].reason, outcomes[-1].cites, prying=True)  # "Who lives with you — partner? kids?"
        elif declined and outcome.action in ("keep", "normalise", "replace", "flag") and not facts and _asks_about_it(outcome.text or sentence.text):
            outcome = Outcome("drop", "", f'Removed: the customer said "{declined}"; this asks about it all the same.', ["respect-boundaries"],
                              prying=True, fallback=outcome.text)  # fmt: skip
        if "sadness" in negative and outcome.action in ("keep", "normalise", "replace", "flag") and offer.search(sentence.text):
            if not facts:
                outcome = Outcome("drop", "", "Removed a sales offer: it jars after what the customer is going through.", ["acknowledge-emotion"])
            else:
                outcome = Outcome("flag", outcome.text or sentence.text, "Needs your words: a sales offer jars after what the customer is going through; "
                                  "it holds a price or a code, so it was not changed.", ["acknowledge-emotion"])  # fmt: skip
        if outcome.action in ("keep", "normalise") and negative and not facts and pleasantry.search(sentence.text):
            outcome = Outcome("drop", "", "Removed a cheerful closing line: it jars after what the customer is going through.", ["acknowledge-emotion"])
        if outcome.action in ("keep", "normalise", "replace") and negative and not facts and bare_exclamation(outcome.text):
            outcome = Outcome("drop", "", "Removed a cheery exclamation: it jars with how the customer feels.", ["acknowledge-emotion"])
        if outcome.action in ("keep", "normalise", "replace") and outcome.text and "sadness" in negative:
            calmer = without_cheer(outcome.text, facts)
            if calmer == "":
                outcome = Outcome("drop", "", "Removed the cheer: it jars after what the customer is going through.", ["acknowledge-emotion"])
            elif calmer:
                outcome = Outcome("replace", calmer, "Left out the cheer: it jars after what the customer is going through.", ["acknowledge-emotion"])
        if outcomes and outcomes[-1].action == "drop" and outcome.action in ("keep", "normalise", "replace"):
            # "If that doesn't work, we can book a tech": "that" was the sentence just removed
            rest = _IF_THAT_FAILS.sub("", outcome.text, count=1)
            if outcomes[-1].reason.startswith(_REDO) and _IF_NOT.match(outcome.text) and not facts:
                outcome = Outcome("drop", "", f"{outcomes[-1].reason} (and what to do if they had not)", ["reference-history"], fallback=outcome.text)
            elif rest != outcome.text and rest:
                outcome = Outcome("replace", rest[:1].upper() + rest[1:], "Left out the condition on the sentence removed before it.", ["reference-history"])
        asked = _asks_again(outcome.text, given) if outcome.action in ("keep", "normalise", "replace", "flag") and outcome.text else None
        if asked:  # first: a request for two things ("the receipt and the date of purchase") keeps the one not given
            outcome = _not_again(outcome.text, asked, facts, checks)
        elif outcome.action in ("keep", "normalise", "replace") and outcome.text:
            # read in the draft's own words: a jargon swap ("cache" -> "stored data") must not hide the request
            did = _asks_to_redo(sentence.text, done) if not facts else None  # a request that carries facts is the agent's to reword
            if did:
                outcome = Outcome("drop", "", f"{_REDO} {did}.", ["reference-history"], fallback=outcome.text)
        if outcome.action in ("keep", "normalise", "replace", "flag") and outcome.text:
            outcome = _tidied(outcome, index == 0 and not layout.greeting, message)
        if outcome.refusal:
            refused_at = len(pieces)
        pieces.append(_sentence_piece(sentence, outcome))
        outcomes.append(outcome)

    if all(p.change is not None and p.change.kind == "removed" for p in pieces):
        # Nothing of the draft would be left: keep each sentence (with its safe word fixes) for the agent to reword.
        pieces = [_Piece(p.start, p.end, o.fallback or p.change.before, _fixed(p, o), NeedsWords(sentence=o.fallback or p.change.before,
                  reason=f"Needs your words: taking this out would leave nothing of the draft ({o.reason.removeprefix('Removed: ')})", start=0, end=0, cites=o.cites)) for p, o in zip(pieces, outcomes)]  # fmt: skip

    if refused_at is not None:
        _refusal_after_reason(pieces, layout, refused_at, bank.refusal[register])
    body_text = " ".join(p.text for p in pieces)
    lex = load_personal_lexicon()
    # a placeholder where the reply says no and offers nothing instead
    # the analysis says the draft refuses with no next step, or a bare refusal was just replaced
    flat_no = any(f.rule == "personal.no-next-step" and f.level.value == "warning" for f in analysis.findings)
    refusal_without_way = refused_at is not None or (flat_no and bool(lex.refusal.search(body_text)))
    if refusal_without_way and not lex.next_step.search(body_text) and not _ALTERNATIVE.search(body_text):
        spec = bank.placeholders["alternative"]
        line = getattr(spec, register)
        # After the refusal and its reason (no, why, then what instead), within the refusal's own paragraph: in a
        # reply that answers a quoted thread point by point, the next paragraph answers something else.
        scope = pieces
        if refused_at is not None:
            where = layout.body[refused_at]  # pieces and body sentences run in step until the placeholder
            scope = [p for p, s in zip(pieces, layout.body) if s.paragraph == where.paragraph and s.start >= where.start]
        after = _last_kept(scope)
        if after is not None:
            pieces.append(_Piece(after.end, after.end, line, Change(kind="added", after=line, reason="Where the reply says no, say what you can offer instead: only you know what that is.", cites=["no-flat-no"])))

    # what the reply will say, not what the draft said: an apology the edit dropped (an emoji flood) no longer counts
    # A bare "I'm sorry." or a stock one ("Sorry to hear that!", "Apologies for any inconvenience.") names nothing:
    # it gives way to an acknowledgement that says what the customer went through.
    bare = [p for p in pieces if p.text and p.flag is None and (p.text == BARE_APOLOGY and p.change is not None or _STOCK_APOLOGY.match(p.text))]
    bare_ids = {id(p) for p in bare}  # by identity: comparing pieces field by field would make this quadratic
    opening, shorter = _opening(request, analysis, layout, bank, register, seed, " ".join(p.text for p in pieces if p.text), checks,
                                without_stock=" ".join(p.text for p in pieces if p.text and id(p) not in bare_ids) if bare else None)  # fmt: skip
    kept = [(p, p.text, p.change) for p in bare]  # as they were, should the acknowledgement not fit after all

    def acknowledged(lines: list[Change]) -> bool:
        return any("acknowledge-emotion" in c.cites for c in lines)

    gave_way: bool | None = None  # whether the bare apologies give way now; they are set again only when that changes

    def settle_bare(lines: list[Change]) -> None:
        nonlocal gave_way
        if gave_way == acknowledged(lines):
            return
        gave_way = acknowledged(lines)
        for piece, text, change in kept:
            piece.text, piece.change = text, change
            if gave_way:
                before = change.before if change is not None else draft[piece.start : piece.end]
                piece.text = ""
                piece.change = Change(kind="removed", before=before, after="", reason="A stock apology gave way to one that names what happened.",
                                      cites=["acknowledge-emotion"], draft_span=(piece.start, piece.end))  # fmt: skip

    settle_bare(opening)
    greeting = _greeting(request, layout, bank, register)
    signoff = _signoff(layout, draft, bank, register, negative, pleasantry)
    # The additions stay in proportion to the draft and within the request's word limit; the first ones
    # (the acknowledgement, then history, then a detail) are the last to go.
    own = len(draft.split()) - sum(len(draft[s:e].split()) for s, e in layout.protected)  # the draft's words, quotes aside
    budget = max(ADDITIONS_MIN, round(ADDITIONS_SHARE * own))
    context = request.context
    names = names_in(draft, context.customer_message or "", *(h.note for h in context.history))
    while opening:
        settle_bare(opening)
        added = sum(len(c.after.split()) for c in opening)
        result = _compose(draft, layout, greeting, [c.model_copy() for c in opening], pieces, signoff, register, names)
        if added <= budget and len(result.text.split()) <= request.word_limit:
            return result
        last = len(opening) - 1
        if last in shorter:  # the last line left has a shorter form: say it in fewer words before letting it go
            opening = [*opening[:last], shorter.pop(last)]
            continue
        opening = opening[:-1]  # the later lines go first (a detail before history, history before the acknowledgement)
    settle_bare(opening)
    return _compose(draft, layout, greeting, opening, pieces, signoff, register, names)


# --- sentences -------------------------------------------------------------------------------------------


class _ToneCheck:
    def __init__(self, context: Context, learned: bool | None) -> None:
        self.context = context.model_copy(update={"history": [], "customer_message": None})
        self.learned = learned
        self.used = 0

    def __call__(self, text: str) -> bool:
        return self.harm(text) == []

    def harm(self, text: str) -> list[Finding] | None:
        """The harm the tone check finds in `text`; None once the draft's budget of checks is spent (not checked)."""
        if self.used >= MAX_TONE_CHECKS:
            return None
        self.used += 1
        return harm(lint(text, self.context, learned=self.learned))

    def line(self, text: str) -> bool:
        """An added line reads clean: no risk finding at all, curt included (it is ours, so we can choose)."""
        return _added_line_clean(text, self.context.channel.value, self.learned)


@lru_cache(maxsize=2048)
def _added_line_clean(text: str, channel: str, learned: bool | None) -> bool:
    findings = lint(text, Context(channel=channel), learned=learned)
    # A model finding whose own category is unlikely (p below MODEL_MIN_P: the sentence was flagged on the model's
    # general doubt, not on this category) is as weak for our own lines as for the draft's.
    return not any(f.category in RISK_CATEGORIES and f.level in HARM_LEVELS and (model_p(f) or 1.0) >= MODEL_MIN_P for f in findings)


def _by_sentence(items: list, sentences: list[Sentence]) -> list[list]:
    """Each sentence's findings or facts (those overlapping it): one bisect per item, so the work stays linear
    in the draft instead of sentences x items."""
    starts = [s.start for s in sentences]
    out: list[list] = [[] for _ in sentences]
    for item in items:
        if item.end <= item.start:
            continue  # an absence ("no name used") belongs to no sentence
        index = max(0, bisect_right(starts, item.start) - 1)
        while index < len(sentences) and sentences[index].start < item.end:
            if sentences[index].end > item.start:
                out[index].append(item)
            index += 1
    return out


# An apology that names nothing: a stock line any customer could get.
_STOCK_APOLOGY = re.compile(
    r"^(?:(?:I['’]m|I am|we['’]re|we are)\s+)?(?:so\s+|very\s+|really\s+|truly\s+)?sorry\s+(?:to hear (?:that|this|about (?:that|this))|about (?:that|this)|"
    r"for (?:the|any|this) (?:inconvenience|trouble|hassle)(?: caused)?)\s*[.!]*$|"
    r"^(?:my |our )?apologies for (?:the|any) (?:inconvenience|trouble)(?: caused)?\s*[.!]*$|"
    r"^we apologi[sz]e for (?:the|any) inconvenience(?: caused| this (?:has|may have) caused)?\s*[.!]*$",
    re.I,
)


def _sentence_piece(sentence: Sentence, outcome: Outcome) -> _Piece:
    span = (sentence.start, sentence.end)
    if outcome.action == "keep":
        return _Piece(*span, sentence.text)
    if outcome.action == "flag":
        flag = NeedsWords(sentence=outcome.text, reason=outcome.reason, start=0, end=0, cites=outcome.cites)
        change = None
        if outcome.text != sentence.text:
            change = Change(kind="replaced", before=sentence.text, after=outcome.text, reason="Put the words right; the sentence still needs yours.", cites=outcome.cites, draft_span=span)
        return _Piece(*span, outcome.text, change, flag=flag)
    kind = {"drop": "removed", "normalise": "replaced", "replace": "replaced"}[outcome.action]
    change = Change(kind=kind, before=sentence.text, after=outcome.text, reason=outcome.reason, cites=outcome.cites, draft_span=span)
    return _Piece(*span, outcome.text, change)


def _refusal_after_reason(pieces: list[_Piece], layout: Layout, at: int, lines: list[str]) -> None:
    """ "No. Company policy is 30 days." -> "Company policy is 30 days. Unfortunately, I am not able to change this.":
    the bank's refusal line points back at what it refuses, so when the draft's bare "No." comes straight before its
    reason, in one paragraph, the line goes after that reason."""
    piece = pieces[at]
    if piece.change is None or piece.change.kind != "replaced" or piece.text not in lines or at + 1 >= len(pieces):
        return
    # appended, not inserted: pieces and body sentences stay in step; the composer puts pieces in draft order
    reason, here, there = pieces[at + 1], layout.body[at], layout.body[at + 1]
    if there.paragraph != here.paragraph or not reason.text or reason.text.rstrip().endswith("?") or reason.start == reason.end:
        return
    if at and layout.body[at - 1].paragraph == here.paragraph and pieces[at - 1].text:
        return  # "The delivery's moved to 22 May. Nothing I can do about that.": the refusal points back already
    if load_personal_lexicon().next_step.search(reason.text) or _ALTERNATIVE.search(reason.text):
        return  # "You can reapply after 3 months": a way forward, not the reason; the refusal stays before it
    moved = piece.change
    pieces[at] = _Piece(piece.start, piece.end, "", Change(kind="removed", before=moved.before, after="", reason=f"{moved.reason} Said after its reason instead.",
                        cites=moved.cites, draft_span=moved.draft_span))  # fmt: skip
    pieces.append(_Piece(reason.end, reason.end, piece.text, Change(kind="added", after=piece.text, reason=moved.reason, cites=moved.cites)))


def _fixed(piece: _Piece, outcome: Outcome) -> Change | None:
    assert piece.change is not None
    if not outcome.fallback or outcome.fallback == piece.change.before:
        return None
    return Change(kind="replaced", before=piece.change.before, after=outcome.fallback, reason="Put the words right; the sentence still needs yours.", cites=outcome.cites, draft_span=piece.change.draft_span)


def _last_kept(pieces: list[_Piece]) -> _Piece | None:
    """The last kept sentence that ends as a sentence does: a name or team line ("Support") is no place to add one."""
    return next((p for p in reversed(pieces) if p.text and p.start != p.end and p.text.rstrip()[-1:] in ".!?"), None)


# --- what the customer already gave ------------------------------------------------------------------------

_REQUEST = re.compile(
    r"\b(?:please\s+(?:provide|send|share|confirm|give|tell|reply\s+with|let\s+(?:me|us)\s+know)|(?:can|could)\s+you\s+(?:please\s+)?(?:provide|send|share|confirm|give|tell)|"
    r"(?:provide|send|share|confirm)\s+(?:us|me)?\s*(?:with\s+)?(?:your|the)|what\s+(?:is|was)\s+your|(?:i|we)\s+(?:will\s+)?need\s+(?:your|the)|"
    r"(?:i|we)\s+(?:still\s+)?(?:require|need)\s+(?:proof|a\s+copy|copies|your|the))\b",
    re.I,
)
# A code as customers quote one: letters and digits ("K7TR2P", "PA-661204") or a long number.
_CODE = r"(?:(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{4,}|\d{6,})"
# A code and what the customer called it: "bag tag NV118842", "receipt TX-88120-A", "claim (CLM-20931)".
_LABEL_NAMES = r"bag tag|receipt|claim|ticket|case|job|policy|invoice|membership|serial|voucher|gift card|card ending|rental agreement|agreement|contract"
# "Rental agreement is RA 70215538": the label, its number word, an "is" or a colon, then the code (a letter prefix may stand apart)
_LABELLED = re.compile(rf"\b(?P<label>{_LABEL_NAMES})\s*(?:number|no\.?|id|#)?\s*(?:is\s+|was\s+)?[:#(]?\s*(?:{_CODE}|[A-Z]{{1,4}}\s\d{{5,}})", re.I)
_ITEMS = {
    "the order number": re.compile(r"\border\s*(?:number|no\.?|#|id|reference|ref)\b", re.I),
    "the tracking number": re.compile(r"\btracking\s*(?:number|no\.?|code|reference)\b", re.I),
    "a photo": re.compile(r"\b(?:photo|photograph|picture|image|pic)s?\b", re.I),
    "their email address": re.compile(r"\bemail\s+address\b", re.I),
    "the account number": re.compile(r"\baccount\s*(?:number|no\.?)\b", re.I),
    "the booking reference": re.compile(r"\b(?:booking|reservation|confirmation)\s*(?:reference|ref|number|no\.?|code)\b", re.I),
    "the reference": re.compile(r"\b(?:your|the)\s+(?:\w+\s+)?(?:reference|ref)(?:\s+(?:number|no\.?))?\b", re.I),
    "proof of payment": re.compile(r"\bproof\s+of\s+(?:payment|purchase)\b|\b(?:bank\s+statement|(?:purchase\s+)?receipt)\b", re.I),
    "proof of income": re.compile(r"\bproof\s+of\s+income\b|\bpay\s*(?:stubs?|slips?)\b|\bpayslips?\b", re.I),
    "proof of address": re.compile(r"\bproof\s+of\s+(?:residence|address)\b|\b(?:utility|electric|electricity|gas|water|council\s+tax)\s+bill\b", re.I),
    # "your bag tag number", "the original purchase receipt": what the customer named, asked for by that name
    **{f"the {name}": re.compile(rf"\b(?:your|the)\s+(?:\w+\s+){{0,2}}?{name}(?:\s+(?:number|no\.?|reference|ref|code|id))?\b", re.I) for name in _LABEL_NAMES.split("|")},
}


def _given(message: str, context: Context, analysis: Analysis) -> set[str]:
    text = "\n".join([message, *(h.note for h in context.history)])
    kinds = {f.kind for f in extract_facts(text, context.locale)}
    given = set()
    if kinds & {"order"} or re.search(r"\border\s*(?:#|no\.?|number|id)?\s*[:#]?\s*[A-Z0-9][\w.-]*\d", text, re.I):
        given.add("the order number")
    if "tracking" in kinds or re.search(r"\btracking\b[^.\n]{0,40}?\b[A-Z0-9][A-Z0-9 -]{4,}\d\b", text, re.I):
        given.add("the tracking number")  # "the tracking number yesterday: PL-2290-5521"
    if re.search(r"\baccount\s*(?:number|no\.?|#)?\s*[:#]?\s*\d[\d -]{5,}\d\b", text, re.I):
        given.add("the account number")
    if re.search(r"\b(?:attached|photos?|pictures?|images?|pics?)\b", message, re.I):
        given.add("a photo")
    if "email" in kinds:
        given.add("their email address")
    if re.search(rf"\b(?:booking|reservation|confirmation)\b[^.\n]{{0,30}}?\b{_CODE}\b", text, re.I):
        given.add("the booking reference")
    if re.search(rf"\b(?:ref|reference)\b\s*(?:no\.?|number)?\s*[:#(]?\s*{_CODE}", text, re.I):
        given.add("the reference")  # "I reported it on Monday, ref RP-5521" -> "your repair reference" is asked again
    for label in _LABELLED.finditer(text):  # "Bag tag NV118842", "receipt (TX-88120-A)"
        given.add(f"the {label.group('label').lower()}")
    if re.search(rf"\b(?:{_DEEDS['sent it'][0]}|gave|given)\b[^.\n]{{0,40}}?\b(?:bank statement|receipt|proof of (?:payment|purchase)|remittance)", text, re.I):
        given.add("proof of payment")
    sent = rf"\b(?:{_DEEDS['sent it'][0]}|gave|given)\b[^.\n]{{0,60}}?"
    for item in ("proof of income", "proof of address"):  # "I sent my pay stubs and electric bill on March 5th"
        if re.search(sent + f"(?:{_ITEMS[item].pattern})", text, re.I):
            given.add(item)
    return given


# What a customer may already have done, by kind: the past forms that say so, and the forms a request to do it uses.
_DEEDS = {
    "restarted the router": (r"restarted|reset|rebooted|power[- ]cycled|turned (?:it )?off and on(?: again)?|router reset|did the (?:router )?reset",
                             r"restart|reset|reboot|power[- ]cycle|turn(?:ing)? (?:it |your \w+ )?off and (?:back )?on"),
    "reported it": (r"reported|registered|logged|raised|lodged|filed", r"report|register|log|raise|lodge|file"),
    "bought it": (r"bought|purchased|paid for", r"buy|purchase|pay for"),
    "sent it": (r"sent|uploaded|emailed|attached|submitted|posted", r"send|upload|email|attach|submit|post"),
    "tried that": (r"tried|cleared|reinstalled|updated", r"try|clear|reinstall|update"),
}  # fmt: skip
_DEED_NOUNS = re.compile(r"\b(router|modem|app|cache|complaint|report|claim|form|receipt|photos?|documents?|pass|bundle|ticket|"
                         r"add-on|addon|reading|invoice|statement|certificate|payslips?|screenshot|evidence)\b", re.I)  # fmt: skip


_REDO = "Removed a request to redo what the customer says they already did:"
_IF_THAT_FAILS = re.compile(
    r"^(?:if (?:that|this|it) (?:doesn['’]t|does not|didn['’]t|did not|won['’]t) (?:work|help|fix (?:it|this|the problem))|"
    r"if so|if you (?:already )?(?:have|did)(?: done that| already)?(?=\s*,))\s*,?\s*", re.I
)
# After a dropped request to redo what the customer did, the branch for one who did not do it.
_IF_NOT = re.compile(r"^if (?:not|you haven['’]t|you have not|you didn['’]t)\b", re.I)


def _singular(noun: str) -> str:
    noun = noun.lower()
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _done_already(text: str) -> dict[str, set[str]]:
    """What the customer (or the history) says was done already, by kind, with the things it was done to."""
    done: dict[str, set[str]] = {}
    for kind, (past, _) in _DEEDS.items():
        for m in re.finditer(rf"\b(?:{past})\b", text, re.I):
            nouns = {_singular(n) for n in _DEED_NOUNS.findall(text[max(0, m.start() - 40) : m.end() + 60])}
            if nouns:
                done.setdefault(kind, set()).update(nouns)
    return done


def _asks_to_redo(sentence: str, done: dict[str, set[str]]) -> str | None:
    """A question or request in the draft to do what the customer already did ("Have you tried restarting your
    router?" to a customer who did): the deed, or None."""
    if not done or not (sentence.rstrip().endswith("?") or re.match(r"^(?:please|pls|kindly|can you|could you|try)\b", sentence.strip(), re.I)):
        return None
    nouns = {_singular(n) for n in _DEED_NOUNS.findall(sentence)}
    for kind, things in done.items():
        if things & nouns and re.search(rf"\b(?:{_DEEDS[kind][1]})\w*\b", sentence, re.I):
            return kind
    return None


def _asks_again(sentence: str, given: set[str]) -> str | None:
    if not _REQUEST.search(sentence):
        return None
    for item, pattern in _ITEMS.items():
        if item in given and pattern.search(sentence):
            return item
    return None


def _not_again(sentence: str, asked: str, facts: list[Fact], clean) -> Outcome:
    """A sentence that asks for `asked`, which the customer already gave: dropped when that is all it asks,
    the item taken out of a list of requests ("your order number and proof of postage"), else flagged."""
    reason = f"Removed a request for {asked}: the customer already gave it."
    if not facts and _only_request(sentence):
        return Outcome("drop", "", reason, ["reference-history"])
    item = _ITEMS[asked].pattern
    # "Please confirm your order number and send a photo": the request for what was given goes, the other stays
    ask = re.search(rf"\b(?:confirm|provide|send|share|give)\s+(?:us\s+|me\s+)?(?:with\s+)?(?:your |the |a )?(?:{item})\s+and\s+(?=(\w+))", sentence, flags=re.I)
    if ask and is_base_verb(ask.group(1)) and not _ITEMS[asked].search(sentence, ask.end()):
        shorter = sentence[: ask.start()] + sentence[ask.end() :]
        if problem(shorter) is None and all(f.value in shorter for f in facts) and clean(shorter):
            return Outcome("replace", shorter, reason, ["reference-history"])
    for pattern in (rf"(?:(?:your |the |a )(?:[a-z]+\s+){{0,2}}?)?(?:{item})\s*(?:,|and)\s+", rf"\s*(?:,|and)\s+(?:your |the |a )?(?:{item})(?=[\s.,;!?]|$)"):
        cut = re.search(pattern, sentence, flags=re.I)
        if cut is None or is_base_verb(sentence[cut.end() :].split(" ", 1)[0]):
            continue  # "confirm your order number and send a photo": the list joins two requests, not two items
        shorter = (sentence[: cut.start()] + (" " if pattern.startswith("\\s") else "") + sentence[cut.end() :]).replace("  ", " ")
        if shorter != sentence and problem(shorter) is None and all(f.value in shorter for f in facts) and clean(shorter):
            return Outcome("replace", shorter, reason, ["reference-history"])
    return Outcome("flag", sentence, f"Needs your words: this asks again for {asked}, which the customer already gave.", ["reference-history"])


def _only_request(sentence: str) -> bool:
    """The sentence asks for one thing only (no "and", no second request)."""
    return not re.search(r"\band\b|,", sentence)


# --- opening, greeting, sign-off ------------------------------------------------------------------------------


_HISTORY_REASON = "Named the earlier contact so the customer need not explain it again."


def _opening(request: RewriteRequest, analysis: Analysis, layout: Layout, bank: Bank, register: str, seed: int, body: str,
             clean: _ToneCheck, without_stock: str | None = None) -> tuple[list[Change], dict[int, Change]]:  # fmt: skip
    """The lines added before the body (acknowledgement, history, a detail), and for some of them a shorter way to
    say the same, by index, for a reply with little room. `without_stock`: the body without its stock apologies,
    which give way only to an acknowledgement that names the customer's situation."""
    context = request.context
    lines: list[Change] = []
    shorter: dict[int, Change] = {}
    message = context.customer_message or ""
    ack = None
    if without_stock is not None:
        ack = acknowledgement(message, without_stock, analysis.emotions, bank, register, seed, clean.line, specific=True)
    ack = ack or acknowledgement(message, body, analysis.emotions, bank, register, seed, clean.line)
    if ack:
        lines.append(Change(kind="added", after=ack, reason="Acknowledged what the customer told us, in their own terms.", cites=["acknowledge-emotion"]))
    relevant = relevant_history(context, request.draft, bank)

    def history_lines() -> Iterator[str | None]:  # a note named by its gist first; failing that, the dates of the contact
        yield from (history_line(item, request.draft, context, bank, register, seed) for item in relevant)
        yield contact_line(relevant, request.draft, context, bank, register, seed)

    line = next((line for line in history_lines() if line and clean.line(line)), None)
    if line:
        lines.append(Change(kind="added", after=line, reason=_HISTORY_REASON, cites=["reference-history"]))
        short = next((s for s in (short_history_line(item, request.draft, context, bank, register, seed) for item in relevant)
                      if s and len(s.split()) < len(line.split()) and clean.line(s)), None)  # fmt: skip
        if short:
            shorter[len(lines) - 1] = Change(kind="added", after=short, reason=_HISTORY_REASON, cites=["reference-history"])
    detail = detail_line(context.customer_message or "", request.draft, bank, register, seed)
    if detail and clean.line(detail) and not (analysis.emotions and detail.startswith("Congratulations") and
                                             {e.name for e in analysis.emotions} & {"anger", "frustration", "sadness"}):  # fmt: skip
        lines.append(Change(kind="added", after=detail, reason="Named a detail the customer gave us, so they know it was read.", cites=["genuine-interest"]))
    return lines, shorter


@dataclass
class _Greeting:
    text: str | None  # None: keep the draft's
    change: Change | None = None
    flag: str | None = None


def _greeting(request: RewriteRequest, layout: Layout, bank: Bank, register: str) -> _Greeting:
    draft, context = request.draft, request.context
    current = draft[layout.greeting[0] : layout.greeting[1]] if layout.greeting else None
    other = other_name(current, layout.body_text(), context, bank)
    if other:
        known = context.address_as or context.customer_name
        flag = f'The draft calls the customer "{other}", but the context says "{known}": check which is right.'
        plain = _without_endearments(current or "", bank)
        if current and plain != current:  # "Hi Dotty love," -> "Hi Dotty,": the name is the agent's to check, "love" goes
            return _Greeting(plain, Change(kind="replaced", before=current, after=plain, reason="Left out the term of endearment.", cites=["no-mate-talk"], draft_span=layout.greeting), flag=flag)
        return _Greeting(None, flag=flag)
    name = greeting_name(context, bank)
    opening_line = draft[layout.body[0].start :].split("\n", 1)[0] if layout.body else ""
    if not current and any(re.match(rf"\s*{re.escape(n)}\s*(?:[—–:-]|,(?=[ \t]*\S))", opening_line) for n in _names(context)):
        return _Greeting(None)  # "Bjorn — container MSKU ... is discharged": the draft opens with the name already
    if name is None and current:
        words = [w for w in re.findall(r"\b[A-Z][a-z'’-]+\b", current)[1:] if w.lower() not in bank.titles and w.lower() not in bank.address_words]
        name = words[0] if words else None
    templates = bank.greetings[register]
    new = templates["named"].format(name=name) if name else templates["anonymous"]
    if current and current.rstrip(",!:.—- ").strip() == new.rstrip(",").strip():
        return _Greeting(None)
    words = r"(?:dear|good\s+(?:morning|afternoon|evening))" if register == "formal" else r"(?:dear|hello|hi|good\s+(?:morning|afternoon|evening))"
    if current and name and re.fullmatch(rf"\s*{words}\s+{re.escape(name)}\s*[,!:]?\s*", current, re.I) and name in current and current.lstrip()[:1].isupper():
        return _Greeting(None)  # the draft already greets the customer by the right name: its own greeting word stays ("hi kwame" does not)
    if current:
        return _Greeting(new, Change(kind="replaced", before=current, after=new, reason="Greeted the customer by the name they use.", cites=["use-the-name"], draft_span=layout.greeting))
    return _Greeting(new, Change(kind="added", after=new, reason="Greeted the customer by name.", cites=["use-the-name"]))


_DECLINES = re.compile(
    r"\b(?:I|we)\s+(?:don['’]t|do not|didn['’]t|would rather not|['’]d rather not)\s+(?:want|wish|need|care)?\s*(?:to\s+)?"
    r"(?:discuss|talk about|go into|share|get into)\b(?![^.!?\n]{0,30}\bagain\b)[^.!?\n]{0,40}|\b(?:it['’]s|that['’]s|this is)\s+(?:private|personal)\b", re.I
)
# A question or an offer to talk that reaches into what the customer declined to discuss: no request for what we need.
_TALK_ABOUT_IT = re.compile(r"\btalk\s+(?:it|this|that|things|them)\s+(?:through|over)\b|\bwant\s+to\s+(?:talk|chat)\s+about\b", re.I)


def _declined(message: str) -> str | None:
    found = _DECLINES.search(message[:MAX_MESSAGE_READ])
    return found.group(0).strip() if found else None


def _asks_about_it(sentence: str) -> bool:
    """A question with no request for something we need, or an offer to talk it through."""
    if _TALK_ABOUT_IT.search(sentence):
        return True
    return sentence.rstrip().endswith("?") and not _REQUEST.search(sentence) and not re.search(
        r"\b(?:would you like|do you want|shall I|should I|can I|could you|can you|please)\b", sentence, re.I)


# "hard-wrapped\nlines": a line break inside a sentence, before a lower-case word, after a line of some length
_WRAPPED = re.compile(r"(?<=[^\s.!?:;])[ \t]*\n[ \t]*(?=[a-z])")
_HELLO = re.compile(r"^(?:hey|hi|hiya|hello|yo|heya)\b[\s,!]*(?=\w)", re.I)  # a second greeting once the reply opens with ours
_NO_PROBLEM = re.compile(r"^(?:no problem|no worries|not a problem|np|nw)(?: at all)?\s*[.!]*$", re.I)
_THANKED = re.compile(r"\b(?:thank\w*|thx|ty|cheers|appreciate\w*|sorry|apologi[sz]e\w*)\b", re.I)


def _tidied(outcome: Outcome, first: bool, message: str) -> Outcome:
    """Three small repairs to a sentence the reply keeps: a line the draft broke mid-sentence is joined, a greeting
    word that opens the body ("hey can you send ...") goes behind our greeting, and "No problem!" that answers no
    thanks goes."""
    if _NO_PROBLEM.match(outcome.text) and not _THANKED.search(message[:MAX_MESSAGE_READ]):
        return Outcome("drop", "", 'Removed "no problem": the customer did not thank us, so it answers nothing they said.', ["human-touch"], fallback=outcome.text)
    text = outcome.text
    if "\n" in text:
        joined = _WRAPPED.sub(" ", text)
        if len(find_commitments(joined)) == len(find_commitments(text)):  # "free of\ncharge" joined is a promise the guard reads anew
            text = joined
    if first:
        rest = _HELLO.sub("", text, count=1)
        clause = re.split(r",\s", rest, maxsplit=1)[0].rstrip(".!?")  # judged up to its first comma: a splice the draft made is not ours
        clause = clause[:1].upper() + clause[1:]
        if rest != text and (problem(clause + ".") is None or problem(clause + "?") is None):  # "can you send ..." lacked its "?"
            text = rest[:1].upper() + rest[1:]
    if text == outcome.text:
        return outcome
    if outcome.action == "keep":
        return Outcome("normalise", text, "Joined a line broken mid-sentence; the reply opens with its own greeting.", ["keep-it-simple"])
    return replace(outcome, text=text)


def _follows_prying(previous: Outcome, sentence: str, facts: list) -> bool:
    """A short question ("kids?") that carries on a prying question just left out goes with it."""
    if not previous.prying or facts:
        return False
    # "kids?", or why it was asked: "Just so we know how urgent."
    return sentence.rstrip().endswith("?") and len(sentence.split()) <= 3 or bool(re.match(r"(?:just\s+)?so\s+(?:that\s+)?(?:we|I)\s+(?:know|can)\b", sentence.strip(), re.I))


def _names(context) -> tuple[str, ...]:
    """What the customer may be called in the draft: the address form, the full name, the first name."""
    full = (context.customer_name or "").strip()
    return tuple(n for n in (context.address_as, full, full.split()[0] if full else None) if n)


def _without_endearments(greeting: str, bank: Bank) -> str:
    words = [w for w in re.split(r"(\s+)", greeting.rstrip(",!:. ")) if w]  # the greeting word itself ("Dear") stays
    endearments = set(bank.endearments)
    kept = "".join(w for i, w in enumerate(words) if i == 0 or w.strip().lower().strip(",") not in endearments).rstrip()
    return kept + greeting[len(greeting.rstrip(",!:. ")) :].strip()[:1] if kept != greeting.rstrip(",!:. ") else greeting


def _signoff(layout: Layout, draft: str, bank: Bank, register: str, negative: set[str], pleasantry: re.Pattern[str]) -> _Piece | None:
    if layout.signoff is None:
        return None
    start = layout.signoff[0]
    line_end = draft.find("\n", start, layout.signoff[1])
    line_end = layout.signoff[1] if line_end < 0 else line_end
    line = draft[start:line_end].strip()
    word = re.match(r"[\w ]+", line)
    first = word.group().strip().lower() if word else ""
    if negative and pleasantry.search(line):
        return _Piece(start, line_end, "", Change(kind="removed", before=line, reason="Removed a cheerful closing line: it jars after what the customer is going through.", cites=["acknowledge-emotion"], draft_span=(start, line_end)))
    if register != "chat" and first in bank.casual_signoffs and bank.signoffs[register]:
        new = bank.signoffs[register]
        rest = line[len(word.group()) :].lstrip(" ,.!") if word else ""
        after = f"{new}\n{rest}" if rest else new
        return _Piece(start, line_end, after, Change(kind="replaced", before=line, after=after, reason="A sign-off that fits the register.", cites=["no-mate-talk"], draft_span=(start, line_end)))
    return None


# --- composing ----------------------------------------------------------------------------------------------


def _compose(draft: str, layout: Layout, greeting: _Greeting, opening: list[Change], pieces: list[_Piece], signoff: _Piece | None, register: str,
             names: frozenset[str] = frozenset()) -> Edit:  # fmt: skip
    out: list[str] = []
    changes: list[Change] = []
    flags: list[NeedsWords] = []
    notes: list[str] = []
    at = 0
    length = 0

    def emit(text: str) -> None:
        nonlocal length
        out.append(text)
        length += len(text)

    def record(change: Change, start: int) -> None:
        if change.before == change.after:
            return
        change.id = f"c{len(changes) + 1}"
        # A removal keeps an empty span where its words were, so a page can put them back.
        change.rewrite_span = (start, start + len(change.after))
        changes.append(change)

    body_pieces = sorted(pieces, key=lambda p: (p.start, p.end != p.start, p.end))
    first_body = next((p.start for p in body_pieces if p.start != p.end or p.text), layout.tail)
    inline = register == "chat"

    # 1. everything before the first body sentence: the greeting
    if layout.greeting:
        g_start, g_end = layout.greeting
        emit(draft[:g_start])
        if greeting.text is not None:
            start = length
            emit(greeting.text)
            if greeting.change:
                record(greeting.change, start)
        else:
            emit(draft[g_start:g_end])
        at = g_end
        sep = draft[g_end:first_body]
        if not sep.strip():
            emit(sep if sep else " ")
        else:
            emit(sep)
        at = first_body
    elif greeting.text is not None and greeting.change is not None:
        emit(draft[:first_body])
        start = length
        emit(greeting.text)
        record(greeting.change, start)
        emit(" " if inline else "\n\n")
        at = first_body
    if greeting.flag:
        notes.append(greeting.flag)

    # 2. the opening lines, then the body pieces in draft order
    for index, change in enumerate(opening):
        text = change.after
        if index == 0 and out and out[-1].endswith(" ") and _greeting_inline(out):
            text = _lower_after_greeting(text, names)
        start = length
        emit(text + " ")
        change.after = text
        record(change, start)
    dropped_before = False
    wrote_body = False
    for piece in body_pieces:
        if piece.start > at:
            gap = draft[at : piece.start]
            if gap.strip() and not gap.strip(_JOINERS):
                gap = gap.strip(_JOINERS) or " "  # "🤦\u200d♀️": the emoji went with its sentence, its selector must too
            if dropped_before and not gap.strip():
                gap = gap if "\n" in gap and length and not out[-1].endswith("\n") else ("" if out and out[-1].endswith((" ", "\n")) else " ")
            emit(gap)
        if piece.start == piece.end and piece.text and out and not out[-1][-1:].isspace():
            emit(" ")  # an added sentence after the one before it
        if piece.flag is not None:
            piece.flag.start, piece.flag.end = length, length + len(piece.text)
            flags.append(piece.flag)
        text = piece.text
        if text and _greeting_inline(out) and not opening and not wrote_body:
            text = _lower_after_greeting(text, names)
            if piece.change is None and text != piece.text:
                piece.change = Change(kind="replaced", before=piece.text, after=text, reason="Ran the first sentence on from the greeting.", cites=[], draft_span=(piece.start, piece.end))
        elif text and opening and not wrote_body and text[:1].islower() and not text.startswith(("http", "www.")):
            # "Hi Sofia, the Roam Pass ...": the draft ran on from its greeting; our lines now come between
            text = text[:1].upper() + text[1:]
            if piece.change is None:
                piece.change = Change(kind="replaced", before=piece.text, after=text, reason="Capitalised: it now starts a sentence.", cites=[], draft_span=(piece.start, piece.end))
        start = length
        emit(text)
        if piece.change is not None:
            piece.change.after = text if piece.change.after or text else ""
            record(piece.change, start)
        dropped_before = not text
        wrote_body = wrote_body or bool(text)
        at = max(at, piece.end)

    # 3. the tail: sign-off, quoted lines, signature
    if signoff is not None:
        emit(draft[at : signoff.start])
        start = length
        emit(signoff.text)
        if signoff.change:
            record(signoff.change, start)
        at = signoff.end
    emit(draft[at:])
    text = _tidy("".join(out))
    placeholders = find_placeholders(text)
    if placeholders:
        notes.append("Fill the placeholder in [brackets] before you send: only you know what goes there.")
    for flag in flags:
        notes.append(f'"{_short(flag.sentence)}": {flag.reason}')
    _respan(text, changes, flags)
    return Edit(text=text, changes=changes, placeholders=placeholders, needs_words=flags, notes=notes)


_JOINERS = "\ufe0f\u200d \t"  # what an emoji leaves behind between two sentences: a variation selector, a joiner


def _greeting_inline(out: list[str]) -> bool:
    """The text so far ends with a greeting that the next words run on from ("Hi Rosa, ")."""
    tail = "".join(out[-6:])
    return bool(re.search(r",[ \t]*\Z", tail)) and "\n" not in tail.rstrip()[-40:]


# "New York" keeps its capital; "Can I" does not; nor does a short label before a code ("Rx #4471902", "No. 12")
_KEEP_CAPITAL = re.compile(r"^(?:I\b|I'|I’|[A-Z]{2}|[A-Z][a-z]+\s+[A-Z][a-z]|[A-Z][a-z]{0,2}\.?\s+#?\d|[A-Z][a-z]{0,2}\s+#)")


_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z] )[A-Z][a-z'’-]+")


def names_in(*texts: str) -> frozenset[str]:
    """Words written with a capital in the middle of a sentence ("my teacher Ana has left"): names, kept as written."""
    return frozenset(m.group() for text in texts for m in _MID_SENTENCE_CAPITAL.finditer(text[:MAX_NAME_SCAN]))


MAX_NAME_SCAN = 20_000  # characters of each text read for names: enough for any real reply, and linear


def _lower_after_greeting(text: str, names: frozenset[str] = frozenset()) -> str:
    first = re.match(r"[^\W\d_][\w'’-]*", text)
    if _KEEP_CAPITAL.match(text) or (first and first.group() in names):
        return text  # "Hi Ruth, Ana left in March": a word written with a capital mid-sentence is a name
    return text[:1].lower() + text[1:]


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", text)
    text = re.sub(r"\n[ \t]+(?=[^\s>])", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n ") + ("\n" if text.endswith("\n") else "")


def _respan(text: str, changes: list[Change], flags: list[NeedsWords]) -> None:
    """Spans measured while composing are shifted by the final tidy; find each after-text again, in order."""
    cursor = after_last = 0
    for change in changes:
        if not change.after:  # a removal: where composing put it, and never before the change ahead of it
            if change.rewrite_span is not None:
                at = min(max(after_last, change.rewrite_span[0]), len(text))
                change.rewrite_span = (at, at)
            continue
        found = text.find(change.after, cursor)  # changes come in text order: one forward pass
        change.rewrite_span = (found, found + len(change.after)) if found >= 0 else None
        if found >= 0:
            cursor = found
            after_last = found + len(change.after)
    cursor = 0
    for flag in flags:  # in text order too
        found = text.find(flag.sentence, cursor)
        if found >= 0:
            flag.start, flag.end = found, found + len(flag.sentence)
            cursor = found


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"



