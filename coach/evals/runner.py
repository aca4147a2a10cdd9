"""Run the eval matrix: cases × prompt versions × engines, scored, cached, in bounded parallel.

Only model engines (scripted, llm:<model>) vary with the prompt version; the draft and rules
baselines run once per case. Each cell goes through `coach.pipeline.rewrite`; a cell that raises is
recorded as a failed case (`error`), never a crashed run. Results are cached on disk (see
`coach.evals.cache`), so re-running an unchanged matrix calls no backend.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from coach.config import Settings
from coach.evals.cache import CACHE_VERSION, DiskCache, code_fingerprint, data_fingerprint, digest
from coach.evals.cases import Case
from coach.evals.engines import EngineSession, EngineSpec
from coach.evals.judge import Judge, JudgeScores
from coach.evals.metrics import CaseMetrics, GroupSummary, group_label, score_case, summarise
from coach.evals.registry import METRICS, Metric
from coach.evals.cost import spend
from coach.evals.stats import mean_interval, wilson
from coach.pipeline import TRACE
from coach.prompting import load_template
from coach.schemas import Context, RewriteResult

REPORT_VERSION = 1


class CaseInfo(BaseModel):
    """The parts of a case a report shows (the draft is also the "draft" engine's rewrite)."""

    id: str
    title: str
    tags: list[str]
    draft: str
    context: Context
    notes: str = ""


class Record(BaseModel):
    case: str
    prompt: str | None = Field(description="Prompt version; None for engines that read no prompt (draft, rules).")
    engine: str
    repeat: int = Field(0, description="Which of the run's --repeat tries of a model cell this is (0 for a single run).")
    usage: tuple[int, int] | None = Field(None, description="Model tokens in and out for this cell (kept in a slim run).")
    trace: list[dict] = Field(default_factory=list, description="Each model call of the cell: its attempt number, step, "
                              "the rendered prompt, the raw answer and the error, failed calls included (not in a slim run).")
    rewrite: str
    metrics: CaseMetrics
    result: RewriteResult | None = None
    judge: JudgeScores | None = None
    error: str | None = None
    cached: bool = False
    ms: float = 0.0


class RunMeta(BaseModel):
    version: int = REPORT_VERSION
    created: str
    cases: int
    tag: str | None = None
    prompts: list[str]
    engines: list[str]
    judge: dict[str, Any] | None = None
    repeat: int = Field(1, description="Tries per model cell (--repeat); the draft and the rules engine run once.")
    settings: dict[str, Any] = Field(default_factory=dict)
    computed: int = 0
    cache_hits: int = 0
    seconds: float = 0.0


class RunReport(BaseModel):
    meta: RunMeta
    summary: list[GroupSummary]
    cases: list[CaseInfo] = Field(default_factory=list)
    records: list[Record]

    def group(self, prompt: str | None, engine: str, subset: str | None = None) -> GroupSummary | None:
        return next((g for g in self.summary if g.prompt == prompt and g.engine == engine and g.subset == subset), None)

    def slim(self) -> RunReport:
        """Without the full pipeline results: what a committed baseline needs (metrics and rewrites)."""
        return self.model_copy(update={"records": [r.model_copy(update={"result": None, "trace": []}) for r in self.records]})


@dataclass(frozen=True)
class Cell:
    case: Case
    prompt: str | None
    session: EngineSession
    repeat: int = 0


def cells(cases: Sequence[Case], prompts: Sequence[str], sessions: Sequence[EngineSession], repeat: int = 1) -> list[Cell]:
    """Every case × prompt × engine; a model engine's cells `repeat` times (a model is not deterministic)."""
    out = []
    for session in sessions:
        tries = repeat if session.spec.uses_prompt else 1
        for prompt in (prompts if session.spec.uses_prompt else [None]):
            out += [Cell(case, prompt, session, i) for case in cases for i in range(tries)]
    return out


def summarise_records(records: Sequence[Record]) -> list[GroupSummary]:
    out = []
    groups = by_group(records)
    for (prompt, engine), rs in groups.items():
        group = with_repeats(summarise(prompt, engine, [r.metrics for r in rs], [r.judge.summary() if r.judge else None for r in rs]), rs)
        if engine not in UNSERVED_ENGINES:
            group = group.model_copy(update={"spend": spend(engine, [r.usage for r in rs if r.usage], [r.ms for r in rs if not r.cached])})
        out.append(group)
        served = [r for r in rs if not r.metrics.fallback and not r.metrics.error]
        if engine not in UNSERVED_ENGINES and served and len(served) < len(rs):
            # What the model itself wrote: a prompt that breaks most answers must not borrow the rules engine's scores.
            out.append(summarise(prompt, engine, [r.metrics for r in served], [r.judge.summary() if r.judge else None for r in served], subset="served"))
    return out


UNSERVED_ENGINES = ("draft", "rules")  # engines with no model behind them: every cell is their own


def by_group(records: Sequence[Record]) -> dict[tuple[str | None, str], list[Record]]:
    """(prompt, engine) -> its records, in run order."""
    groups: dict[tuple[str | None, str], list[Record]] = {}
    for record in records:
        groups.setdefault((record.prompt, record.engine), []).append(record)
    return groups


def by_case(records: Sequence[Record]) -> dict[str, list[Record]]:
    """Each case's tries, in order."""
    out: dict[str, list[Record]] = {}
    for record in sorted(records, key=lambda r: r.repeat):
        out.setdefault(record.case, []).append(record)
    return out


def case_value(metric: Metric, records: Sequence[Record]) -> float | None:
    """A metric for one case: its mean over the case's tries (None when it applies to none)."""
    values = [v for r in records if (v := metric.score([r.metrics])) is not None]
    return sum(values) / len(values) if values else None


def with_repeats(group: GroupSummary, records: Sequence[Record]) -> GroupSummary:
    """The group with pass^k, pass@k and each metric's 95% interval, when its cases were tried more than once."""
    tries = by_case(records)
    repeats = max((len(rs) for rs in tries.values()), default=1)
    if repeats < 2:
        return group
    intervals: dict[str, tuple[float, float]] = {}
    for name, metric in METRICS.items():
        if metric.kind == "rate":
            cells = [v for r in records if (v := metric.score([r.metrics])) is not None]
            interval = wilson(sum(cells), len(cells))
        else:
            per_case = [v for rs in tries.values() if (v := case_value(metric, rs)) is not None]
            interval = mean_interval(per_case)
            if interval and metric.kind == "count":  # a count is summed over the cases
                interval = (round(interval[0] * len(per_case), 2), round(interval[1] * len(per_case), 2))
        if interval:
            intervals[name] = interval
    passes = [[r.metrics.passed for r in rs] for rs in tries.values()]
    # A count sums over the cases: over k tries, the group's count is the mean per try, like its interval.
    metrics = {name: (round(value / repeats, 1) if METRICS[name].kind == "count" and value is not None else value)
               for name, value in group.metrics.items()}  # fmt: skip
    return group.model_copy(update={
        "repeats": repeats, "intervals": intervals, "metrics": metrics, "cases": len(tries),
        "pass_k": round(sum(all(p) for p in passes) / len(passes), 4), "pass_at_k": round(sum(any(p) for p in passes) / len(passes), 4),
    })  # fmt: skip


def run_warnings(report: RunReport) -> list[str]:
    """What makes a run's numbers untrustworthy: a model that served few or none of its cells (an unreachable
    endpoint, a prompt that breaks the answer format), a judge that produced nothing. `--strict` fails on these."""
    warnings = []
    for (prompt, engine), records in by_group(report.records).items():
        if engine in UNSERVED_ENGINES:
            continue
        served = [r for r in records if not r.metrics.fallback and not r.metrics.error]
        reasons = Counter(r.metrics.fallback or r.error or "" for r in records if r not in served)
        why = f" (most often: {reasons.most_common(1)[0][0]})" if reasons else ""
        label = group_label(prompt, engine)
        if not served:
            warnings.append(f"{label}: the model served none of its {len(records)} cells: is the endpoint reachable?{why}")
        elif len(served) * 2 < len(records):
            warnings.append(f"{label}: the model served only {len(served)} of {len(records)} cells; the rest are the rules engine's{why}")
    if report.meta.judge:
        judged = [r for r in report.records if r.engine != "draft"]
        empty = [r for r in judged if not (r.judge and r.judge.mean)]
        if empty:
            warnings.append(f"the judge produced nothing for {len(empty)} of {len(judged)} replies")
    return warnings


def run_matrix(
    cases: Sequence[Case],
    prompts: Sequence[str],
    engines: Sequence[EngineSpec],
    settings: Settings,
    *,
    concurrency: int = 4,
    use_cache: bool = True,
    judge: Judge | None = None,
    tag: str | None = None,
    repeat: int = 1,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Record], None] | None = None,
) -> RunReport:
    started = time.perf_counter()
    prompts = list(dict.fromkeys(prompts))
    templates = {p: load_template(p, settings) for p in prompts}  # an unknown version fails before any work
    cache = DiskCache.for_settings(settings, read=use_cache)
    data = data_fingerprint(settings)
    sessions = [EngineSession(spec, settings) for spec in engines]
    todo = cells(cases, prompts, sessions, repeat)
    if on_start:
        on_start(len(todo))

    def key(cell: Cell) -> str:
        template = templates.get(cell.prompt) if cell.prompt else None
        return digest({
            "v": CACHE_VERSION,
            "case": cell.case.model_dump(mode="json", include={"draft", "context", "constraints", "tone"}),
            "prompt": [template.system, template.user, template.repair] if template else None,
            "engine": cell.session.fingerprint(),
            "data": data,
            "code": code_fingerprint() if cell.session.spec.kind in ("rules", "scripted") else None,
            **({"repeat": cell.repeat} if cell.repeat else {}),  # each try of a model cell is cached on its own
        })  # fmt: skip

    def work(cell: Cell) -> Record:
        t = time.perf_counter()
        record = _run_cell(cell, cache, key, judge)
        record.ms = round((time.perf_counter() - t) * 1000, 2)
        if on_done:
            on_done(record)
        return record

    try:
        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="coach-eval") as pool:
            records = list(pool.map(work, todo))
    finally:
        for session in sessions:
            session.close()

    meta = RunMeta(
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        cases=len(cases),
        tag=tag,
        prompts=prompts,
        engines=[s.id for s in engines],
        judge={"model": judge.model, "runs": judge.runs, "prompt": judge.prompt} if judge else None,
        repeat=repeat,
        settings=_settings_summary(settings, engines),
        computed=sum(not r.cached for r in records if r.engine != "draft"),
        cache_hits=sum(r.cached for r in records),
        seconds=round(time.perf_counter() - started, 2),
    )
    infos = [CaseInfo(id=c.id, title=c.title, tags=c.tags, draft=c.draft, context=c.context, notes=c.notes) for c in cases]
    return RunReport(meta=meta, summary=summarise_records(records), cases=infos, records=records)


def _run_cell(cell: Cell, cache: DiskCache, key: Callable[[Cell], str], judge: Judge | None) -> Record:
    spec, case = cell.session.spec, cell.case
    trace: list[dict] = []
    result: RewriteResult | None = None
    error: str | None = None
    cached = False
    if spec.kind != "draft":
        cell_key = key(cell)
        result = cache.get(cell_key, RewriteResult)
        cached = result is not None
        if result is None:
            token = TRACE.set(trace)
            try:
                result = cell.session.rewrite(case, cell.prompt)
            except Exception as exc:  # noqa: BLE001 - one broken cell is a failed case, not a crashed run
                error = f"{type(exc).__name__}: {exc}"[:500]
            finally:
                TRACE.reset(token)
            if result is not None and not any(a.error for a in result.attempts):
                cache.put(cell_key, result)
    text = case.draft if spec.kind == "draft" else (result.rewrite if result else "")
    try:
        metrics = score_case(case, text, result, engine=spec.id, error=error, trust_result=not cached)
    except Exception as exc:  # noqa: BLE001 - a scoring bug shows up on the case, not as a crash
        error = error or f"scoring failed: {type(exc).__name__}: {exc}"[:500]
        metrics = CaseMetrics(error=error, passed=False)
    scores = judge.score(case, text) if judge is not None and not error else None
    return Record(
        case=case.id, prompt=cell.prompt, engine=spec.id, repeat=cell.repeat, rewrite=text, metrics=metrics,
        usage=(result.usage.prompt_tokens, result.usage.completion_tokens) if result is not None and spec.uses_prompt else None,
        result=result, judge=scores, error=error, cached=cached, trace=trace,
    )  # fmt: skip


def _settings_summary(settings: Settings, engines: Sequence[EngineSpec]) -> dict[str, Any]:
    summary: dict[str, Any] = {"knowledge": data_fingerprint(settings)[:12]}
    if any(s.kind == "llm" for s in engines):
        summary.update(
            base_url=settings.openai_base_url, temperature=settings.model_temperature,
            guidance_k=settings.guidance_k, guidance_tokens=settings.guidance_tokens,
        )  # fmt: skip
    return summary


def write_report(report: RunReport, out: Path, *, slim: bool = False, path: Path | None = None) -> Path:
    """`results.json` in `out` (made if needed), or `path`; `slim` drops the full pipeline results."""
    path = path or out / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((report.slim() if slim else report).model_dump_json(indent=1) + "\n", encoding="utf-8")
    return path


def read_report(path: Path) -> RunReport:
    return RunReport.model_validate_json(Path(path).read_bytes())
