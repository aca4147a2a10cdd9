"""Run the benchmark areas, collect their results with machine info, and write JSON + markdown (+ PNG).

Each area is independent: one that fails is recorded with its error and the others still run.
Scratch data (generated corpora, throw-away indexes, server logs) lives in a temporary directory.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from coach.bench.common import machine_info, one_core
from coach.config import PROJECT_ROOT

AREAS = ("analysis", "worst-case", "rules", "tokens", "pipeline", "retrieval", "ingest", "http", "load")
DEFAULT_OUT = PROJECT_ROOT / "bench" / "results"


def run_bench(
    only: list[str] | None = None,
    quick: bool = False,
    out: Path | None = None,
    prices: Path | None = None,
    log: Callable[[str], None] = print,
    merge: bool = True,
) -> dict:
    """Run the areas (all by default) and write the results to `out`.

    A full run of some areas (`only`, not `quick`) is merged into the existing full results there:
    the areas it ran are replaced, the others kept, and `meta.remeasured` says what was re-run when.
    """
    areas = [a for a in AREAS if not only or a in only]
    unknown = sorted(set(only or []) - set(AREAS))
    if unknown:
        raise ValueError(f"unknown bench area(s) {', '.join(unknown)}; choose from {', '.join(AREAS)}")
    out = out or DEFAULT_OUT
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    coach_log = logging.getLogger("coach")
    level = coach_log.level
    coach_log.setLevel(logging.ERROR)  # the capture model's deliberate failures are noise here
    started = time.perf_counter()
    results: dict = {
        "meta": {
            "started": _now(),
            "quick": quick,
            "areas": areas,
            "machine": machine_info(),
        }
    }
    out.mkdir(parents=True, exist_ok=True)
    try:
        _run_areas(areas, results, quick, out, prices, log)
    finally:
        coach_log.setLevel(level)
    results["meta"]["duration_s"] = round(time.perf_counter() - started, 1)
    results["meta"]["load_average_at_end"] = _load()
    if merge and only and not quick:
        results = _merge(out / "bench.json", results, areas, log)
    write(results, out)
    return results


def _run_areas(areas: list[str], results: dict, quick: bool, out: Path, prices: Path | None, log) -> None:
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        work = Path(tmp)
        index: list = []

        def guidance_index():
            if not index:
                from coach.bench.pipeline import index_settings

                index.append(index_settings(work))
            return index[0]

        runners: dict[str, Callable[[], dict]] = {
            "analysis": lambda: _analysis(quick),
            "worst-case": lambda: _area("worst_case").run(work, quick=quick, log=log),
            "rules": lambda: _area("rules").run(quick=quick, log=log),
            "tokens": lambda: _area("tokens").run(guidance_index(), prices, quick=quick, log=log),
            "pipeline": lambda: (guidance_index(), _area("pipeline").run(work, out=out, quick=quick, log=log))[1],
            "retrieval": lambda: _area("retrieval").run(work, quick=quick, log=log),
            "ingest": lambda: _area("ingest").run(work, quick=quick, log=log),
            "http": lambda: _area("http_api").run(work, guidance_index(), quick=quick, log=log),
            "load": lambda: _area("load").run(work, guidance_index(), quick=quick, log=log),
        }
        for area in areas:
            log(f"bench: {area} ...")
            area_started = time.perf_counter()
            when = {"started": _now(), "load_average_at_start": _load()}
            try:
                results[area] = runners[area]()
            except Exception as exc:  # one broken area must not lose the others' figures
                results[area] = {"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"}
                log(f"bench: {area} failed: {type(exc).__name__}: {exc}")
            results[area].update(when, seconds=round(time.perf_counter() - area_started, 1))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None


def _merge(path: Path, fresh: dict, areas: list[str], log) -> dict:
    """A partial full run re-measures some areas of the last full run: keep the others from it."""
    if not path.is_file():
        return fresh
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return fresh
    if previous.get("meta", {}).get("quick"):
        return fresh
    merged = {**previous, **{a: fresh[a] for a in areas}}
    meta = dict(previous["meta"])
    meta["areas"] = [a for a in AREAS if a in merged]
    rerun = {"areas": areas, "started": fresh["meta"]["started"], "duration_s": fresh["meta"]["duration_s"],
             "load_average_at_start": fresh["meta"]["machine"].get("load_average_at_start"),
             "git_commit": fresh["meta"]["machine"].get("git_commit")}  # fmt: skip
    meta["remeasured"] = [*meta.get("remeasured", []), rerun]
    merged["meta"] = meta
    log(f"bench: merged {', '.join(areas)} into {path}")
    return merged


def _area(name: str):
    import importlib

    return importlib.import_module(f"coach.bench.{name}")


def _analysis(quick: bool) -> dict:
    from coach.bench import analysis

    repeats = 10 if quick else 50
    with one_core() as cpu:
        drafts = {
            "2000-word": analysis.run(repeats=repeats, words=2000),
            "100-word": analysis.run(repeats=repeats, words=100),
            "2000-word, models": analysis.run(repeats=repeats, words=2000, learned=True),
            "100-word, models": analysis.run(repeats=repeats, words=100, learned=True),
        }
        cold = analysis.lint_cold_start(3 if quick else 5)
    return {
        "cpu_pinned": cpu,
        "target_ms": 20,
        "targets_ms": {"2000-word": 20, "2000-word, models": 150, "100-word, models": 25},
        "drafts": drafts,
        "lint_cold_start_s": cold,
        "target_lint_cold_start_s": 1.5,
        "notes": ["analyse(draft, context) with a full context (coach.bench.analysis), after one warm-up call; "
                  "'models' adds the learned tone and emotion models (at most 64 distinct sentences scored per draft).",
                  "lint cold start: `coach lint` on a short draft in a fresh process, the models included, wall time."],
    }


def write(results: dict, out: Path) -> list[Path]:
    from coach.bench import report

    stem = "bench-quick" if results["meta"]["quick"] else "bench"  # a quick run never overwrites the full results
    made, skipped = report.plots(results, out, suffix="-quick" if results["meta"]["quick"] else "")
    results["plots"] = made
    if skipped:
        results["plots_skipped"] = skipped
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(report.markdown(results), encoding="utf-8")
    return [json_path, md_path, *(out / p for p in made)]
