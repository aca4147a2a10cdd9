"""Benchmark: prompt tokens per rewrite with retrieval versus pasting all the guidance, and cost.

For every case of the rewrite eval suite (evals/cases) the real flow builds the real prompt: a
capturing model records the messages it is sent and then fails, so the flow falls back to the rules
engine (no model is called). That prompt, as tiktoken counts it (`coach.prompting.prompt_tokens`),
is the retrieval figure: the cards the findings point at plus the top-k search hits, within the
guidance token budget. The paste-all figure is the same template, request and analysis with every
guidance card pasted in full. Target: retrieval <= 25% of paste-all.

Completion tokens are estimated as the JSON answer a model would give (the rules engine's rewrite of
the case, wrapped as the prompt asks). Cost per 1,000 rewrites uses a price table (bench/prices.toml,
USD per 1M tokens); first attempts only, a repair would add to it.
"""

from __future__ import annotations

import statistics
import tomllib
from pathlib import Path

from coach.bench.common import summarise
from coach.config import PROJECT_ROOT, Settings
from coach.models.base import Backend, BackendError, ModelOutput, RewriteJob

DEFAULT_PRICES = PROJECT_ROOT / "bench" / "prices.toml"


class CapturingModel(Backend):
    """Records the prompt it is sent, then fails so the flow answers with the rules engine."""

    name = "llm:capture"

    def __init__(self) -> None:
        self.jobs: list[RewriteJob] = []

    def rewrite(self, job: RewriteJob) -> ModelOutput:
        self.jobs.append(job)
        raise BackendError("captured for the token benchmark")


def load_prices(path: Path | None = None) -> dict[str, dict[str, float]]:
    path = path or DEFAULT_PRICES
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: {"input": float(p["input"]), "output": float(p["output"])} for name, p in data.get("models", {}).items()}


def _paste_all_tokens(request, settings: Settings) -> tuple[int, int]:
    """(prompt tokens, guidance tokens) with every card pasted into the guidance block."""
    from coach.analysis import analyse
    from coach.analysis.language import guess_language
    from coach.knowledge.cards import load_cards
    from coach.prompting import build_messages, guidance_block, latest, load_template, prompt_tokens
    from coach.tokens import count_tokens

    template = load_template(request.prompt or latest("rewrite", settings), settings)
    passages = [card.passage() for card in load_cards(settings.knowledge_dir).values()]
    guidance, used = guidance_block(passages, budget_tokens=10**9)
    assert len(used) == len(passages)
    analysis = analyse(request.draft, request.context)
    messages = build_messages(template, request, analysis, guidance, guess_language(request.draft) or "unknown")
    return prompt_tokens(messages), count_tokens(guidance)


def run(settings: Settings, prices_path: Path | None = None, quick: bool = False, log=print) -> dict:
    from coach.bench.samples import answer_json
    from coach.evals.cases import load_cases
    from coach.pipeline import rewrite
    from coach.prompting import prompt_tokens
    from coach.tokens import count_tokens

    cases = load_cases()
    if quick:
        cases = cases[:5]
    retrieval, paste_all, ratios, guidance_r, guidance_all, completion, passages = [], [], [], [], [], [], []
    for case in cases:
        request = case.to_request()
        model = CapturingModel()
        result = rewrite(request, settings=settings, backend=model)
        job = model.jobs[0]
        tokens = prompt_tokens(job.messages)
        all_tokens, all_guidance = _paste_all_tokens(request, settings)
        retrieval.append(tokens)
        paste_all.append(all_tokens)
        ratios.append(tokens / all_tokens)
        guidance_r.append(sum(count_tokens(f"[{p.card or p.source}] {p.title}: {p.text.strip()}") for p in job.guidance))
        guidance_all.append(all_guidance)
        passages.append(len(job.guidance))
        completion.append(count_tokens(answer_json(result.rewrite, tuple(p.card or p.source for p in job.guidance[:2]))))
    log(f"tokens: {len(cases)} cases, retrieval {statistics.median(retrieval):.0f} vs paste-all {statistics.median(paste_all):.0f} prompt tokens")

    mean_in_r, mean_in_all, mean_out = (statistics.mean(v) for v in (retrieval, paste_all, completion))
    prices = load_prices(prices_path)
    costs = {
        name: {
            "input_per_1m": p["input"],
            "output_per_1m": p["output"],
            "retrieval_usd_per_1k_rewrites": round((mean_in_r * p["input"] + mean_out * p["output"]) / 1000, 4),
            "paste_all_usd_per_1k_rewrites": round((mean_in_all * p["input"] + mean_out * p["output"]) / 1000, 4),
        }
        for name, p in prices.items()
    }
    return {
        "cases": len(cases),
        "guidance_k": settings.guidance_k,
        "guidance_budget_tokens": settings.guidance_tokens,
        "cards": _card_count(settings),
        "prompt_tokens_retrieval": summarise(retrieval, 1),
        "prompt_tokens_paste_all": summarise(paste_all, 1),
        "ratio": summarise(ratios),
        "ratio_of_means": round(mean_in_r / mean_in_all, 3),
        "guidance_tokens_retrieval": summarise(guidance_r, 1),
        "guidance_tokens_paste_all": summarise(guidance_all, 1),
        "passages_used": summarise(passages, 1),
        "completion_tokens_estimate": summarise(completion, 1),
        "mean_prompt_tokens": {"retrieval": round(mean_in_r, 1), "paste_all": round(mean_in_all, 1)},
        "mean_completion_tokens": round(mean_out, 1),
        "target_ratio": 0.25,
        "prices_file": str(prices_path or DEFAULT_PRICES),
        "cost": costs,
        "notes": [
            "Retrieval prompts are the ones the flow builds for each eval case (index: knowledge/ cards, local "
            "embedder); paste-all puts all cards in full into the same template.",
            "Completion tokens are estimated from the rules engine's rewrite of each case wrapped as the JSON answer.",
            "Costs count first attempts only; a repair round adds roughly one more prompt plus the answer.",
            "Quality on the eval suite with retrieval vs paste-all needs a real model and is not measured here.",
        ],
    }


def _card_count(settings: Settings) -> int:
    from coach.knowledge.cards import load_cards

    return len(load_cards(settings.knowledge_dir))
