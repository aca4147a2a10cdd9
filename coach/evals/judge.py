"""Optional LLM-as-judge: a rubric (`prompts/judge/<version>.md`) graded 1-5 on four criteria, asked through the
same backend interface as the rewriter (`coach.models`), never a raw client.

A judge model is noisy, so each reply is graded `runs` times (at a temperature above zero) and the
scores are averaged; the variance across runs is reported next to the mean, so a prompt engineer
can tell a real difference from judge noise. Each run is cached like a rewrite (keyed on the
rubric text, the judge model, the case and the reply, and the run's index).

A run whose answer is not valid JSON with four integer scores gets one repair request; a run that
still fails (or whose call fails) is left out of the average and listed in `errors`.
"""

from __future__ import annotations

import threading
from collections import Counter
from statistics import fmean, pvariance
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from coach.config import Settings
from coach.evals.cache import DiskCache, code_fingerprint, digest
from coach.evals.cases import Case
from coach.evals.scripted import JUDGE_MODEL, ScriptedJudge
from coach.models.answer import first_json_object
from coach.prompting import fence, load_template, render

if TYPE_CHECKING:
    from coach.models import Backend

CRITERIA = ("personal", "respectful", "not_over_familiar", "faithful")


class JudgeRun(BaseModel):
    scores: dict[str, int]
    reason: str = ""


class JudgeScores(BaseModel):
    model: str
    prompt: str
    runs: int = Field(description="Runs asked for.")
    samples: list[JudgeRun] = Field(default_factory=list, description="The runs that gave a usable answer.")
    mean: dict[str, float] = Field(default_factory=dict, description="Per criterion, 1-5.")
    variance: dict[str, float] = Field(default_factory=dict, description="Per criterion, across runs (population).")
    errors: list[str] = Field(default_factory=list)
    agreement: float | None = Field(None, description="Share of the runs that agree with the most common answer, per criterion, averaged.")

    @property
    def overall(self) -> float | None:
        return round(fmean(self.mean.values()), 3) if self.mean else None

    def summary(self) -> dict[str, float]:
        """What aggregation averages: each criterion, the overall mean, and the mean variance."""
        if not self.mean:
            return {}
        out = {**self.mean, "overall": self.overall or 0.0, "variance": round(fmean(self.variance.values()), 4)}
        return {**out, "agreement": self.agreement} if self.agreement is not None else out


class JudgeError(Exception):
    pass


# The sendability rubric (judge/v2): a verdict and two yes/no questions, on the same 1-5 scale as
# the criteria so that means, variances and compare treat them alike.
VERDICTS = {"send": 5, "edit": 3, "no": 1}


def parse_sendability(value: dict) -> JudgeRun:
    verdict = str(value.get("verdict", "")).strip().lower()
    if verdict not in VERDICTS:
        raise JudgeError(f'verdict must be "send", "edit" or "no", got {value.get("verdict")!r}')
    answers = {}
    for key in ("facts_kept", "invented"):
        if not isinstance(value.get(key), bool):
            raise JudgeError(f"{key} must be true or false, got {value.get(key)!r}")
        answers[key] = value[key]
    scores = {"sendable": VERDICTS[verdict], "facts_kept": 5 if answers["facts_kept"] else 1, "nothing_invented": 1 if answers["invented"] else 5}
    return JudgeRun(scores=scores, reason=str(value.get("reason") or "")[:500])


def parse_verdict(content: str) -> JudgeRun:
    """The first JSON object in `content` with an integer 1-5 for every criterion, or a sendability verdict."""
    sendability = first_json_object(content, ("verdict", "facts_kept", "invented"))
    if sendability is not None:
        return parse_sendability(sendability)
    value = first_json_object(content, tuple(CRITERIA))
    if value is not None:
        scores = {}
        for key in CRITERIA:
            score = value[key]
            if isinstance(score, bool) or not isinstance(score, (int, float)) or score != int(score) or not 1 <= score <= 5:
                raise JudgeError(f"{key} must be an integer from 1 to 5, got {score!r}")
            scores[key] = int(score)
        return JudgeRun(scores=scores, reason=str(value.get("reason") or "")[:500])
    raise JudgeError("no JSON object with the four scores")


class Judge:
    """Grades replies with a chat model on the configured OpenAI-compatible endpoint."""

    def __init__(
        self,
        model: str,
        settings: Settings,
        *,
        runs: int = 3,
        prompt: str = "judge/v1",
        temperature: float = 0.7,
        cache: DiskCache | None = None,
    ) -> None:
        from coach.models import backend_for  # the same backend interface as the rewriter; a model only when judging

        if runs < 1:
            raise ValueError("runs must be at least 1")
        self.model, self.runs, self.prompt, self.temperature = model, runs, prompt, temperature
        self.template = load_template(prompt, settings)
        self.cache = cache
        self.calls = 0
        self.scripted = model == JUDGE_MODEL  # coach's offline stand-in judge, on an in-process OpenAI-compatible stub
        self._settings = settings
        self._lock = threading.Lock()
        self._stub: Any = None
        self._backend = None if self.scripted else backend_for(model, settings, temperature=temperature)

    @property
    def backend(self) -> Backend:
        """The backend the judge asks through; the scripted judge's stub starts on first use (a dry run or a fully
        cached run starts none), as the scripted engine's does."""
        with self._lock:
            if self._backend is None:
                from coach.models import backend_for
                from coach.testing.openai_stub import OpenAIStub

                self._stub = OpenAIStub(default=ScriptedJudge(), models=[JUDGE_MODEL], record=False).start()
                stubbed = self._settings.model_copy(update={"openai_base_url": self._stub.base_url, "openai_api_key": "scripted", "model_retries": 0})
                self._backend = backend_for(self.model, stubbed, temperature=self.temperature)
            return self._backend

    def close(self) -> None:
        with self._lock:
            if self._stub is not None:
                self._stub.stop()
                self._stub, self._backend = None, None

    def messages(self, case: Case, reply: str) -> list[dict[str, str]]:
        ctx = case.context
        history = "\n".join(f"- {h.date.isoformat() if h.date else 'undated'}: {h.note}" for h in ctx.history)
        values = {
            "name": ctx.address_as or ctx.customer_name or "(unknown)",
            "customer_message": fence("CUSTOMER MESSAGE", ctx.customer_message),
            "history": fence("HISTORY", history),
            "draft": fence("DRAFT", case.draft),
            "reply": fence("REPLY", reply),
        }
        return [
            {"role": "system", "content": render(self.template.system, values)},
            {"role": "user", "content": render(self.template.user, values)},
        ]

    def score(self, case: Case, reply: str) -> JudgeScores:
        messages = self.messages(case, reply)
        base = {"kind": "judge", "model": self.model, "temperature": self.temperature, "messages": messages,
                "template": [self.template.system, self.template.user, self.template.repair],
                **({"code": code_fingerprint()} if self.scripted else {})}  # fmt: skip
        result = JudgeScores(model=self.model, prompt=self.prompt, runs=self.runs)
        for index in range(self.runs):
            key = digest({**base, "run": index})
            cached = self.cache.get(key, JudgeRun) if self.cache else None
            if cached is not None:
                result.samples.append(cached)
                continue
            try:
                run = self._ask(messages)
            except Exception as exc:  # noqa: BLE001 - a judge failure is a gap in the scores, never a crash
                result.errors.append(_describe(exc))
                continue
            result.samples.append(run)
            if self.cache:
                self.cache.put(key, run)
        for key in dict.fromkeys(k for s in result.samples for k in s.scores):  # the rubric's criteria
            values = [s.scores[key] for s in result.samples if key in s.scores]
            result.mean[key] = round(fmean(values), 3)
            result.variance[key] = round(pvariance(values), 4) if len(values) > 1 else 0.0
        if len(result.samples) > 1:  # how often the runs agree with their most common verdict, criterion by criterion
            result.agreement = round(fmean(
                max(Counter(s.scores.get(k) for s in result.samples).values()) / len(result.samples) for k in result.mean
            ), 3)  # fmt: skip
        return result

    def _ask(self, messages: list[dict[str, str]]) -> JudgeRun:
        content = self._complete(messages)
        try:
            return parse_verdict(content)
        except JudgeError as first:
            repair = [*messages, {"role": "assistant", "content": content}, {"role": "user", "content": self.template.repair}]
            try:
                return parse_verdict(self._complete(repair))
            except JudgeError as second:
                raise JudgeError(f"unusable answer twice: {first}; {second}") from None

    def _complete(self, messages: list[dict[str, str]]) -> str:
        from coach.models import Message

        self.calls += 1
        return self.backend.complete([Message(m["role"], m["content"]) for m in messages])


def _describe(exc: Exception) -> str:
    return str(exc)  # a JudgeError or a BackendError: both say what went wrong in a sentence
