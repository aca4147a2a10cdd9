"""The rules engine as a rewrite backend: deterministic, offline, and the fallback for every LLM failure.

    respell -> prepare (slots, word fixes) -> greeting -> sentence templates -> next step
    -> acknowledgement + history -> tidy -> capitals -> restore

The additions are optional and go first when the agent's word limit is tight. The result is checked
against the draft with the fact guard; an edit that would lose or invent a fact is never returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coach.analysis import compare_facts, extract_facts
from coach.analysis.regions import protected_regions
from coach.analysis.personal import load_personal_lexicon
from coach.models.base import Backend, ModelOutput, RewriteJob
from coach.models.rules.additions import acknowledgement, add_next_step, add_opening, history_reference
from coach.models.rules.findings import prepare
from coach.models.rules.greeting import fix_greeting, join_greeting
from coach.models.rules.phrases import Phrases, Register, load_phrases
from coach.models.rules.polish import capitalise_sentences, tidy
from coach.models.rules.respelling import respelled
from coach.models.rules.sentences import SentenceContext, rewrite_sentences
from coach.models.rules.work import Work, words
from coach.prompting import default_max_words
from coach.schemas import Change, Emotion, Fact, Finding, RewriteRequest


@dataclass(frozen=True)
class Plan:
    """Which optional parts a rendering may use."""

    history: bool = True
    ack: bool = True
    next_step: bool = True
    greeting: bool = True  # add a greeting where the draft has none (repairing one is not optional)
    templates: str = "full"  # "full", "short" or "off"


# From everything to the bare fixes; the first that fits the word limit wins.
PLANS = (
    Plan(),
    Plan(history=False),
    Plan(history=False, next_step=False),
    Plan(history=False, ack=False, next_step=False),
    Plan(history=False, ack=False, next_step=False, greeting=False),
    Plan(history=False, ack=False, next_step=False, greeting=False, templates="short"),
    Plan(history=False, ack=False, next_step=False, greeting=False, templates="off"),
)
BARE = PLANS[-3]  # no additions, full templates
# A careful edit does not double a short reply: the additions may bring this many words, or this share
# of the draft's own words if that is more (room for a greeting, an acknowledgement and a next step on a one-liner).
ADDITIONS_MIN, ADDITIONS_SHARE = 24, 0.6


class RulesBackend(Backend):
    name = "rules"

    def __init__(self, phrases_dir: Path | None = None) -> None:
        self._phrases_dir = phrases_dir

    def rewrite(self, job: RewriteJob) -> ModelOutput:
        request = job.request
        phrases = load_phrases(self._phrases_dir)
        register = phrases.register(request.context.channel)
        draft, analysis, spelled = respelled(request, job.analysis, phrases)
        base = prepare(draft, analysis, request.context, request.constraints.keep, phrases)
        base.changes[:0] = spelled
        history = history_reference(request.draft, request.context, job.analysis, phrases, register)
        render = _Renderer(request, analysis.findings, analysis.emotions, phrases, register, base, history)

        work = render.within(_limit(request))
        if work.emptied:
            return ModelOutput(text=request.draft)  # every sentence was a problem: nothing sensible is left to send
        if not _facts_hold(request, job.analysis.facts, work.restore()):
            work = render(BARE)  # an addition met a fact (a name that reads as a code, say): try without
            if not _facts_hold(request, job.analysis.facts, work.restore()):
                return ModelOutput(text=request.draft)
        changes = work.changes
        return ModelOutput(text=work.restore(), changes=changes, cites=_cites(changes))


def _facts_hold(request: RewriteRequest, draft_facts: list[Fact], rewrite: str) -> bool:
    """Slots keep every fact, so this is a guard against the rare edit that makes a new one (two numbers
    that meet once the words between them go), or that frees a cue from its negation ("I don't know.
    Refund" -> "... get back to you. Refund"). Verification repeats the check from the same caches."""
    found = extract_facts(rewrite, request.context.locale)
    return compare_facts(request.draft, rewrite, request.context, draft_facts=draft_facts, rewrite_facts=found).ok


def _limit(request: RewriteRequest) -> int:
    return request.constraints.max_words or default_max_words(request.draft)


def _cites(changes: list[Change]) -> list[str]:
    return list(dict.fromkeys(card for change in changes for card in change.cites))


class _Renderer:
    def __init__(self, request: RewriteRequest, findings: list[Finding], emotions: list[Emotion], phrases: Phrases, register: Register,
                 base: Work, history: tuple[str, str] | None) -> None:  # fmt: skip
        self.request, self.context = request, request.context
        self.findings, self.emotions = findings, emotions
        self.phrases, self.register, self.base, self.history = phrases, register, base, history
        self.next_step = load_personal_lexicon().next_step
        draft = request.draft
        quoted = [r.text(draft).lstrip(" \t>") for r in protected_regions(draft) if r.kind == "quote"]
        self.customer_words = self.context.customer_message or "\n".join(quoted)  # where the emotions were read
        self.first_findings: dict[str, Finding] = {}
        for finding in findings:
            self.first_findings.setdefault(finding.rule, finding)

    def within(self, limit: int) -> Work:
        """The fullest rendering within `limit` words whose additions stay in proportion to the draft;
        failing that, the fullest no longer than the draft."""
        draft_words = words(self.request.draft)
        own_words = draft_words - sum(words(r.text(self.request.draft)) for r in protected_regions(self.request.draft))
        budget = max(ADDITIONS_MIN, round(ADDITIONS_SHARE * own_words))
        rendered: list[Work] = []
        for plan in PLANS:
            rendered.append(self(plan))
            if words(rendered[-1].restore()) <= limit and rendered[-1].added_words <= budget:
                return rendered[-1]
        return next((w for w in rendered[len(PLANS) - 3 :] if words(w.restore()) <= draft_words), rendered[-1])

    def __call__(self, plan: Plan) -> Work:
        work = self.base.copy()
        phrases, register, context = self.phrases, self.register, self.context
        fix_greeting(work, context, phrases.greetings, register, self.request.tone, plan.greeting, self.findings)
        rewrite_sentences(work, SentenceContext(phrases, plan.templates, self.next_step, self.first_findings))
        add_next_step(work, phrases, register, self.next_step, plan.next_step)
        work.emptied = self.base.has_body() and not work.has_body()
        opening = []
        if plan.ack and (ack := acknowledgement(work, self.customer_words, self.emotions, phrases, register)):
            opening.append((ack[0], ack[1], ["acknowledge-emotion"]))
        if plan.history and self.history:
            opening.append((self.history[0], self.history[1], ["reference-history"]))
        add_opening(work, opening, phrases.greetings.opening_thanks)
        tidy(work)
        join_greeting(work, register, phrases.greetings.lowercase_after)
        capitalise_sentences(work)
        return work
