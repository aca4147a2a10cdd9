"""The one flow every face calls (`coach.rewrite` is `rewrite` below):

    analyse -> retrieve guidance -> build prompt -> model -> verify -> repair once -> else rules engine

`rewrite()` returns the final `RewriteResult`; `rewrite_events()` yields the same run as events
(the draft's analysis, text deltas while the model writes, a note when verification replaced the
streamed text, then the result) for streaming faces.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from coach.analysis import analyse, compare_facts
from coach.budget import BudgetExceeded, Deadline, use
from coach.config import Settings, get_settings
from coach.diff import word_diff
from coach.knowledge.cards import load_cards
from coach.editor import edit, find_placeholders
from coach.models import Backend, BackendError, Message, ModelOutput, RewriteJob, configured_llm
from coach.prompting import (
    Template, answer_token_bound, build_messages, guidance_block, latest, load_template, prompt_tokens, repair_message,
)  # fmt: skip
from coach.analysis.language import guess_language, likely_language
from coach.analysis.names import usable_name
from coach.schemas import (
    Analysis, AnalysisPair, Attempt, Change, Citation, Context, EngineChoice, FactCheck, Level, NeedsWords, Passage, RewriteRequest,
    RewriteResult, Usage,
)  # fmt: skip
from coach.tokens import count_tokens
from coach.verify import Verdict, verify

RULES_RESERVE_S = 2.0  # of a request's budget, kept for the rules engine when the model is cut
log = logging.getLogger("coach.rewrite")
MIN_PASSAGE_TOKENS = 200  # about the smallest card with its title; less room than this cannot take a searched passage


@dataclass
class Event:
    kind: str  # "analysis" | "delta" | "replaced" | "result"
    data: Any


@dataclass
class _Run:
    request: RewriteRequest
    settings: Settings
    stream: bool
    timings: dict[str, float] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    prompt_version: str | None = None
    notes: list[str] = field(default_factory=list)
    needs_words: list[NeedsWords] = field(default_factory=list)

    def timed(self, step: str, started: float) -> None:
        self.timings[step] = round(self.timings.get(step, 0.0) + (time.perf_counter() - started) * 1000, 3)


def rewrite(
    request: RewriteRequest | str,
    *,
    settings: Settings | None = None,
    backend: Backend | None = None,
    deadline: Deadline | None = None,
    **context: Any,
) -> RewriteResult:
    """Rewrite a draft. `coach.rewrite("hey mate ...", customer_name="Sarah")` works for quick use."""
    result = None
    for event in rewrite_events(request, settings=settings, backend=backend, stream=False, deadline=deadline, **context):
        if event.kind == "result":
            result = event.data
    assert result is not None
    return result


def rewrite_events(
    request: RewriteRequest | str,
    *,
    settings: Settings | None = None,
    backend: Backend | None = None,
    stream: bool = True,
    deadline: Deadline | None = None,
    **context: Any,
) -> Iterator[Event]:
    """The rewrite as events (analysis, deltas, replaced, result). `deadline` bounds the work: once it passes,
    or its client has gone, the result is the draft unchanged, engine "none", and `fallback` says why."""
    try:
        yield from _events(request, settings, backend, stream, deadline, context)
    except BudgetExceeded as exc:
        result = _unchanged(request, context, str(exc))
        if stream:  # deltas may have gone out: say that the draft replaces them
            yield Event("replaced", {"engine": result.engine, "reason": result.fallback, "rewrite": result.rewrite})
        yield Event("result", result)


def _events(request, settings, backend, stream, deadline, context) -> Iterator[Event]:
    if isinstance(request, str):
        request = RewriteRequest(draft=request, context=Context(**context))
    request, name_note = _usable_names(request)
    settings = settings or get_settings()
    run = _Run(request=request, settings=settings, stream=stream)
    started = time.perf_counter()
    if request.prompt:
        load_template(request.prompt, settings)  # an unknown version is the caller's error, raised early

    t = time.perf_counter()
    with use(deadline):
        draft_analysis = analyse(request.draft, request.context, learned=settings.tone_model)
    if name_note:
        draft_analysis.notes.append(name_note)
    run.timed("analyse", t)
    yield Event("analysis", draft_analysis)

    llm, fallback = _choose_backend(request, settings, backend)
    output: ModelOutput | None = None
    verdict: Verdict | None = None
    citations_from: list[Passage] = []
    if llm is not None:
        if deadline is not None:
            deadline.check()  # over budget already: no model call
        outcome = yield from _llm_rewrite(run, llm, draft_analysis, deadline)
        output, verdict, citations_from, fallback = outcome
    engine = llm.name if output is not None and llm is not None else "rules"
    if output is None:
        with use(deadline):
            output, verdict = _rules_rewrite(run, draft_analysis)
        if run.stream and llm is not None:
            yield Event("replaced", {"engine": "rules", "reason": fallback, "rewrite": output.text})

    run.timings["total"] = round((time.perf_counter() - started) * 1000, 3)
    yield Event("result", _result(run, engine, fallback, output, verdict, draft_analysis, citations_from))


class _StreamWatch:
    """Reads the rewrite as it streams and says when it can no longer pass the fact guard: it already holds a
    fact (an amount, a date, an id, a link) that the draft and the context never gave, or one changed.
    Checked every CHECK_EVERY characters, on the text before the last few (a fact may still be half-written)."""

    CHECK_EVERY = 160
    TAIL = 40

    def __init__(self, request: RewriteRequest) -> None:
        self.request = request
        self.text = ""
        self.checked = 0

    def feed(self, delta: str) -> str | None:
        self.text += delta
        if len(self.text) - self.checked < self.CHECK_EVERY:
            return None
        self.checked = len(self.text)
        settled = len(self.text) - self.TAIL  # a fact ending later may still be half-written ("0800 123")
        check = compare_facts(self.request.draft, self.text, self.request.context)
        changed = [c for c in check.altered if c.after.end <= settled]
        if changed:
            return f"changed a fact ({changed[0].before.value} -> {changed[0].after.value})"
        added = [f for f in check.added if f.end <= settled]
        if added:
            return f"added a fact the draft did not give ({added[0].value})"
        return None


def _unchanged(request: RewriteRequest | str, context: dict, reason: str) -> RewriteResult:
    """The draft as it came, when the budget ran out: the agent is never blocked, and is told why."""
    draft = request if isinstance(request, str) else request.draft
    unread = Analysis(personalisation=0, familiarity_risk=0, notes=[f"Not analysed: {reason}."])
    return RewriteResult(
        rewrite=draft, engine="none", fallback=reason, analysis=AnalysisPair(draft=unread, rewrite=unread), facts=FactCheck(),
        notes=[f"The draft is returned unchanged: {reason}. Send it as it is, or try again."],
    )  # fmt: skip


def _usable_names(request: RewriteRequest) -> tuple[RewriteRequest, str | None]:
    """The request with a name that is not a name (markup, digits, an instruction) left out, and a note."""
    ctx = request.context
    name, address = usable_name(ctx.customer_name), usable_name(ctx.address_as)
    if (name, address) == (ctx.customer_name, ctx.address_as):
        return request, None
    dropped = [field for field, given, kept in (("customer_name", ctx.customer_name, name), ("address_as", ctx.address_as, address))
               if given and kept is None]  # fmt: skip
    context = ctx.model_copy(update={"customer_name": name, "address_as": address})
    note = (f"Left out of the reply: {' and '.join(dropped)}, which is not a name (letters, marks, spaces, apostrophes, "
            "hyphens and dots only)." if dropped else None)  # fmt: skip
    return request.model_copy(update={"context": context}), note


def _choose_backend(request: RewriteRequest, settings: Settings, given: Backend | None) -> tuple[Backend | None, str | None]:
    if request.engine is EngineChoice.rules:
        return None, None
    llm = given or configured_llm(settings)
    if llm is None and request.engine is EngineChoice.llm:
        return None, "no LLM is configured (set COACH_MODEL and OPENAI_BASE_URL or OPENAI_API_KEY)"
    return llm, None


def _llm_rewrite(run: _Run, llm: Backend, draft_analysis: Analysis, request_deadline: Deadline | None = None):
    """Generator: yields delta events; returns (output | None, verdict | None, guidance, fallback reason)."""
    request, settings = run.request, run.settings
    t = time.perf_counter()
    guidance = _guidance(run, draft_analysis)
    run.timed("retrieve", t)

    t = time.perf_counter()
    run.prompt_version = request.prompt or latest("rewrite", settings)
    template = load_template(run.prompt_version, settings)
    guidance_text, used = guidance_block(guidance, settings.guidance_tokens)
    language = guess_language(request.draft) or "unknown"
    messages = build_messages(template, request, draft_analysis, guidance_text, language)
    bound = answer_token_bound(request, settings.model_max_tokens)
    # One budget for the call, the stream and the repair; within the request's own, leaving the rules engine
    # room to answer when the model part is cut.
    model_deadline = time.monotonic() + settings.model_budget
    if request_deadline is not None and request_deadline.seconds:
        model_deadline = min(model_deadline, request_deadline.at - min(RULES_RESERVE_S, 0.2 * request_deadline.seconds))
    job = RewriteJob(request=request, analysis=draft_analysis, guidance=used, messages=messages, max_tokens=bound,
                     deadline=model_deadline)  # fmt: skip
    run.timed("prompt", t)

    output, reason = yield from _call(run, llm, job, "model", streamed=run.stream)
    if output is None:
        return None, None, used, reason
    verdict = _verify(run, draft_analysis, output.text, template)
    run.attempts[-1].ok, run.attempts[-1].violations = verdict.ok, verdict.violations
    if verdict.ok:
        return output, verdict, used, None

    repair = [*messages, Message("assistant", _as_answer(output)), repair_message(template, verdict.violations)]
    job = RewriteJob(request=request, analysis=draft_analysis, guidance=used, messages=repair, violations=verdict.violations,
                     max_tokens=bound, deadline=model_deadline)  # fmt: skip
    repaired, reason = yield from _call(run, llm, job, "repair", streamed=False)
    if repaired is None:
        return None, None, used, f"repair failed: {reason}"
    verdict = _verify(run, draft_analysis, repaired.text, template)
    run.attempts[-1].ok, run.attempts[-1].violations = verdict.ok, verdict.violations
    if verdict.ok:
        if run.stream:
            yield Event("replaced", {"engine": llm.name, "reason": "repaired after verification", "rewrite": repaired.text})
        return repaired, verdict, used, None
    return None, None, used, "verification failed after one repair: " + "; ".join(verdict.violations[:3])


# What an eval run keeps of each model call (the rendered prompt, the raw answer, failed ones included): a list
# set for the duration of one rewrite, in the caller's thread. Unset (the API, the CLI), nothing is kept.
TRACE: ContextVar[list[dict] | None] = ContextVar("coach_trace", default=None)


def _call(run: _Run, llm: Backend, job: RewriteJob, step: str, streamed: bool):
    t = time.perf_counter()
    output: ModelOutput | None = None
    reason = None
    raw: str | None = None
    try:
        if streamed:
            watch = _StreamWatch(run.request)
            stream = llm.stream(job)
            try:
                for item in stream:
                    if isinstance(item, ModelOutput):
                        output = item
                        continue
                    yield Event("delta", item)
                    broken = watch.feed(item)
                    if broken:
                        reason = f"cut early: the streamed rewrite {broken}"
                        break
            finally:
                stream.close()  # a cut stream closes its connection: the model stops generating
        else:
            output = llm.rewrite(job)
    except BackendError as exc:
        reason, raw = str(exc), exc.raw
        log.warning("model %s failed: %s", llm.name, reason)
    except Exception as exc:  # a bug in a backend must not reach the caller either
        reason = f"model backend error: {type(exc).__name__}"
        log.exception("model %s raised", llm.name)
    run.timed(step, t)
    if reason is not None:
        output = None
    if output is None and reason is None:
        reason = "model returned no answer"
    if output is not None:
        run.usage.prompt_tokens += output.usage.prompt_tokens or prompt_tokens(job.messages)
        run.usage.completion_tokens += output.usage.completion_tokens or count_tokens(output.text)
    run.attempts.append(Attempt(engine=llm.name, ok=False, error=reason, ms=run.timings[step]))
    trace = TRACE.get()
    if trace is not None:
        trace.append({"attempt": len(run.attempts), "step": step, "error": reason, "raw": output.raw if output is not None else raw,
                      "messages": [{"role": m.role, "content": m.content} for m in job.messages]})  # fmt: skip
    return output, reason


def _verify(run: _Run, draft_analysis: Analysis, text: str, template: Template | None = None) -> Verdict:
    t = time.perf_counter()
    verdict = verify(run.request, draft_analysis, text, template.fingerprints() if template else None, learned=run.settings.tone_model)
    run.timed("verify", t)
    return verdict


def _rules_rewrite(run: _Run, draft_analysis: Analysis) -> tuple[ModelOutput, Verdict]:
    t = time.perf_counter()
    language = likely_language(run.request.draft, run.request.context.locale)
    if language not in (None, "en"):
        # The phrase templates are English; an English greeting on a German draft would be worse than nothing.
        output = ModelOutput(text=run.request.draft)
        run.notes.append(f"The rules engine edits English drafts only; this one looks like '{language}', so it is unchanged.")
    else:
        edited = edit(run.request, draft_analysis, learned=run.settings.tone_model)
        output = ModelOutput(text=edited.text, changes=edited.changes, cites=edited.cites)
        run.needs_words = edited.needs_words
        run.notes += edited.notes
    run.timed("rules", t)
    verdict = _verify(run, draft_analysis, output.text)
    if not verdict.facts.ok:
        # Never send something that lost a fact: the untouched draft is safer than a broken edit.
        log.error("rules engine output failed the fact check; returning the draft unchanged")
        output = ModelOutput(text=run.request.draft)
        verdict = _verify(run, draft_analysis, output.text)
        run.needs_words = []
        run.notes = [n for n in run.notes if not n.startswith(("Fill the placeholder", '"'))]
        run.notes.append("The automatic edit could not keep every fact, so the draft is returned unchanged.")
    run.attempts.append(Attempt(engine="rules", ok=verdict.ok, violations=verdict.violations, ms=run.timings["rules"]))
    return output, verdict


def _guidance(run: _Run, analysis: Analysis) -> list[Passage]:
    """The cards the findings point at (no index needed), then what semantic search adds."""
    request, settings = run.request, run.settings
    cards = load_cards(settings.knowledge_dir)
    severity = {Level.error: 0, Level.warning: 1, Level.suggestion: 2}
    # Most severe first: when the token budget runs out, it is the suggestions' cards that are left out.
    linked = [f.card for f in sorted(analysis.findings, key=lambda f: severity[f.level]) if f.card]
    linked += [c.card for c in analysis.checks if c.card and c.applicable and not c.passed]
    passages = [cards[card].passage() for card in dict.fromkeys(linked) if card in cards]
    linked_text, _ = guidance_block(passages, settings.guidance_tokens)
    room = settings.guidance_tokens - (count_tokens(linked_text) if passages else 0)
    # Searched passages only go where the linked cards leave room; when they fill the budget, embedding
    # the query would be wasted work (it is most of the pipeline's own time).
    if settings.guidance_k and room >= MIN_PASSAGE_TOKENS:
        try:
            from coach.knowledge.search import search  # loads the embedder; only LLM rewrites need it

            passages += search(_query(request, analysis), k=settings.guidance_k, settings=settings)
        except Exception as exc:  # a missing or unreachable index degrades guidance, never the rewrite
            log.warning("guidance search unavailable: %s", exc)
            run.notes.append(f"Guidance search unavailable ({type(exc).__name__}); used the cards the findings point at.")
    unique: dict[str, Passage] = {}
    for passage in passages:
        unique.setdefault(passage.card or f"{passage.source}#{passage.chunk}", passage)
    return list(unique.values())


def _query(request: RewriteRequest, analysis: Analysis) -> str:
    parts = [request.context.customer_message or "", f"channel: {request.context.channel.value}"]
    parts += [e.name for e in analysis.emotions]
    parts += sorted({f.category for f in analysis.findings})
    return " ".join(p for p in parts if p)[:2000] or request.draft[:2000]


def _as_answer(output: ModelOutput) -> str:
    return json.dumps({"rewrite": output.text, "changes": [c.model_dump() for c in output.changes], "cites": output.cites})


def located(changes: list[Change], draft: str, rewrite: str) -> list[Change]:
    """Every change with an id and, where its words can be found (in order), its spans: a model's changes
    come without them, the editor's with them. A change whose words cannot be found keeps no span, and
    the page cannot undo it alone."""
    out: list[Change] = []
    draft_at = rewrite_at = 0
    for n, change in enumerate(changes, 1):
        update: dict = {}
        if not change.id:
            update["id"] = f"c{n}"
        if change.draft_span is None and change.before and (found := draft.find(change.before, draft_at)) >= 0:
            update["draft_span"] = (found, found + len(change.before))
        if change.rewrite_span is None and change.after and (found := rewrite.find(change.after, rewrite_at)) >= 0:
            update["rewrite_span"] = (found, found + len(change.after))
        change = change.model_copy(update=update) if update else change
        draft_at = change.draft_span[1] if change.draft_span else draft_at
        rewrite_at = change.rewrite_span[1] if change.rewrite_span and change.after else rewrite_at
        out.append(change)
    return out


def _result(
    run: _Run,
    engine: str,
    fallback: str | None,
    output: ModelOutput,
    verdict: Verdict,
    draft_analysis: Analysis,
    guidance: list[Passage],
) -> RewriteResult:
    return RewriteResult(
        rewrite=output.text,
        engine=engine,
        fallback=fallback,
        prompt_version=run.prompt_version if engine != "rules" else None,
        changes=located(output.changes, run.request.draft, output.text),
        citations=_citations(output, guidance, run.settings),
        diff=word_diff(run.request.draft, output.text),
        analysis=AnalysisPair(draft=draft_analysis, rewrite=verdict.analysis),
        facts=verdict.facts,
        attempts=run.attempts,
        placeholders=find_placeholders(output.text),
        needs_words=run.needs_words if engine == "rules" else [],
        notes=run.notes,
        usage=run.usage,
        timings_ms=run.timings,
    )


def _citations(output: ModelOutput, guidance: list[Passage], settings: Settings) -> list[Citation]:
    """Cards the backend says it followed, kept only when they exist: a model cannot cite invented guidance."""
    cards = load_cards(settings.knowledge_dir)
    by_source = {p.card or p.source: p for p in guidance}
    cited = [*output.cites, *(card for change in output.changes for card in change.cites)]
    citations: dict[str, Citation] = {}
    for ref in cited:
        if ref in cards:
            citations.setdefault(ref, cards[ref].citation())
        elif ref in by_source:
            passage = by_source[ref]
            citations.setdefault(ref, Citation(card=ref, title=passage.title, source=passage.source))
    return list(citations.values())


__all__ = ["Event", "rewrite", "rewrite_events", "Change"]
