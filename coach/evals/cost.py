"""What a run costs: tokens, latency and dollars per group, and the estimate `coach eval run --dry-run` prints
before a run (judge included). Prices are `bench/prices.toml` (US dollars per million tokens)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from pathlib import Path
from statistics import median

from pydantic import BaseModel

from coach.config import PROJECT_ROOT

PRICES = PROJECT_ROOT / "bench" / "prices.toml"
REPAIR_SHARE = 0.5  # the estimate's guess at how many cells need the one repair call


class Spend(BaseModel):
    """A group's model calls as they happened (from the cells' usage and timings)."""

    cells: int
    tokens_in: int
    tokens_out: int
    latency_p50_ms: float
    latency_p95_ms: float
    cost_usd: float | None = None


def prices(path: Path = PRICES) -> dict[str, tuple[float, float]]:
    """model -> (input, output) US dollars per million tokens."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {name: (float(v.get("input", 0)), float(v.get("output", 0))) for name, v in (data.get("models") or {}).items()}


def model_of(engine: str) -> str | None:
    """The priced model behind an eval engine id ("llm:gpt-4o-mini" -> "gpt-4o-mini")."""
    return engine.partition(":")[2] or None if engine.startswith("llm:") else None


def dollars(model: str | None, tokens_in: int, tokens_out: int, table: dict[str, tuple[float, float]]) -> float | None:
    if model is None or model not in table:
        return None
    rate_in, rate_out = table[model]
    return round((tokens_in * rate_in + tokens_out * rate_out) / 1_000_000, 4)


def spend(engine: str, usages: Sequence[tuple[int, int]], latencies_ms: Sequence[float], table: dict[str, tuple[float, float]] | None = None) -> Spend:
    tokens_in, tokens_out = sum(u[0] for u in usages), sum(u[1] for u in usages)
    ordered = sorted(latencies_ms) or [0.0]
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return Spend(
        cells=len(latencies_ms), tokens_in=tokens_in, tokens_out=tokens_out, latency_p50_ms=round(median(ordered), 1),
        latency_p95_ms=round(p95, 1), cost_usd=dollars(model_of(engine), tokens_in, tokens_out, table if table is not None else prices()),
    )  # fmt: skip


class Estimate(BaseModel):
    """Before a run: the model calls it would make, their tokens and, where the model is priced, their cost."""

    group: str
    cells: int
    calls: int
    tokens_in: int
    tokens_out: int
    cost_usd: float | None = None


def estimate(cases, prompts: Sequence[str], specs, settings, repeat: int = 1, judge_model: str | None = None,
             judge_runs: int = 0, judge_prompt: str = "judge/v1") -> list[Estimate]:  # fmt: skip
    """The model calls a run would make, per group, and their tokens: the prompt as rendered without guidance
    plus the guidance budget in, the answer bound out (an upper bound), and one repair for REPAIR_SHARE of
    the cells. The judge, when asked for, grades every reply but the draft's, `judge_runs` times."""
    from coach.prompting import answer_token_bound, load_template
    from coach.tokens import count_tokens

    table = prices()
    out: list[Estimate] = []
    texts = [(case, "\n".join([case.draft, case.context.customer_message or "", *(h.note for h in case.context.history)])) for case in cases]
    for spec in specs:
        if not spec.uses_prompt:
            continue
        for prompt in prompts:
            template = load_template(prompt, settings)
            fixed = count_tokens(template.system + template.user) + settings.guidance_tokens
            tokens_in = tokens_out = 0
            for case, text in texts:
                answer = answer_token_bound(case.to_request(), settings.model_max_tokens)
                asked = fixed + count_tokens(text)
                tokens_in += round(asked * (1 + REPAIR_SHARE) + answer * REPAIR_SHARE)
                tokens_out += round(answer * (1 + REPAIR_SHARE))
            cells = len(cases) * repeat
            out.append(Estimate(group=f"{spec.id} @ {prompt}", cells=cells, calls=math.ceil(cells * (1 + REPAIR_SHARE)),
                                tokens_in=tokens_in * repeat, tokens_out=tokens_out * repeat,
                                cost_usd=dollars(model_of(spec.id), tokens_in * repeat, tokens_out * repeat, table)))  # fmt: skip
    if judge_model and judge_runs:
        rubric = load_template(judge_prompt, settings)
        model_cells = sum(len(cases) * (repeat if s.uses_prompt else 1) * (len(prompts) if s.uses_prompt else 1) for s in specs if s.kind != "draft")
        per_reply = count_tokens(rubric.system + rubric.user) + 2 * sum(count_tokens(c.draft) for c in cases) // max(1, len(cases))
        calls = model_cells * judge_runs
        out.append(Estimate(group=f"judge {judge_model} × {judge_runs}", cells=model_cells, calls=calls, tokens_in=calls * per_reply,
                            tokens_out=calls * 150, cost_usd=dollars(judge_model, calls * per_reply, calls * 150, table)))  # fmt: skip
    return out
