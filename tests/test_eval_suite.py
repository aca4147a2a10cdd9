"""CI gate: the whole case suite on the draft, rules and scripted engines, compared with the committed
baseline (`evals/baseline.json`) the way `coach eval compare --fail-on-regression` does.

When a change improves the scores on purpose, refresh the baseline (see evals/PROMPT_ENGINEERS.md):

    coach eval run --engines scripted --prompts rewrite/v1 --slim --results evals/baseline.json
"""

from __future__ import annotations

from pathlib import Path

from coach.config import PROJECT_ROOT, Settings
from coach.evals.cases import load_cases
from coach.evals.compare import compare
from coach.evals.engines import parse_engines
from coach.evals.runner import read_report, run_matrix

BASELINE = PROJECT_ROOT / "evals" / "baseline.json"
THRESHOLD = 0.02
REFRESH = "coach eval run --engines scripted --prompts rewrite/v1 --slim --results evals/baseline.json"


def test_the_suite_does_not_regress_against_the_committed_baseline(tmp_path: Path):
    baseline = read_report(BASELINE)
    cases = load_cases()
    assert len(cases) >= 80
    settings = Settings(data_dir=tmp_path / "data", model=None, guidance_k=0)
    engines = parse_engines(baseline.meta.engines, settings)
    assert {e.id for e in engines} == {"draft", "rules", "scripted"}

    run = run_matrix(cases, baseline.meta.prompts, engines, settings, concurrency=4)

    crashed = [f"{r.engine} {r.case}: {r.error}" for r in run.records if r.error]
    assert not crashed, crashed
    result = compare(baseline, run, THRESHOLD)
    assert sorted(result.compared) == sorted(g.label for g in baseline.summary if not g.subset), (result.only_baseline, result.only_new)
    regressions = [f"{d.group} {d.metric}: {d.before:.3f} -> {d.after:.3f}" for d in result.regressions]
    lost = [f"{f.group} {f.case}: lost {', '.join(f.facts)}" for f in result.lost_facts]
    assert not (regressions or lost), "\n".join(["regressed against evals/baseline.json:", *regressions, *lost])
    missing = set(c.id for c in cases) - {r.case for r in baseline.records}
    assert not missing, f"cases not in the baseline (refresh it: {REFRESH}): {sorted(missing)[:10]}"

