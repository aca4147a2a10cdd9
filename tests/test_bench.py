"""`coach bench --quick`: the command runs and writes results with the expected shape (no timing assertions)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coach.bench.common import percentile, summarise
from coach.cli import app

pytestmark = pytest.mark.slow  # the tokens area loads the embedding model and indexes the cards


def test_quick_bench_writes_json_and_markdown(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["bench", "--quick", "--only", "analysis,tokens,rules", "--out", str(out)])
    assert result.exit_code == 0, result.output

    data = json.loads((out / "bench-quick.json").read_text())
    assert data["meta"]["quick"] is True
    assert data["meta"]["areas"] == ["analysis", "rules", "tokens"]
    machine = data["meta"]["machine"]
    assert {"cpu", "cores", "ram_gib", "python", "versions"} <= machine.keys()
    assert {"torch", "chromadb"} <= machine["versions"].keys()

    for draft in data["analysis"]["drafts"].values():
        assert {"median_ms", "p95_ms", "repeats"} <= draft.keys()
    typical = next(d for d in data["rules"]["drafts"] if d["draft"] == "typical")
    assert typical["rewrite"]["per_s"] > 0 and {"p50", "p95"} <= typical["rewrite"]["ms"].keys()
    assert typical["verified"]

    tokens = data["tokens"]
    assert tokens["cases"] > 0
    assert 0 < tokens["prompt_tokens_retrieval"]["p50"] < tokens["prompt_tokens_paste_all"]["p50"]
    assert {"p50", "p95"} <= tokens["ratio"].keys()
    assert "gpt-4o-mini" in tokens["cost"]
    assert {"retrieval_usd_per_1k_rewrites", "paste_all_usd_per_1k_rewrites"} <= tokens["cost"]["gpt-4o-mini"].keys()
    assert not any(isinstance(v, dict) and v.get("error") for v in data.values())

    markdown = (out / "bench-quick.md").read_text()
    for heading in ("## Summary", "## Analysis", "## Rules", "## Tokens", "Machine:"):
        assert heading in markdown
    assert not (out / "bench.json").exists()  # a quick run never overwrites the full results


def test_unknown_area_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["bench", "--only", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_summary_statistics():
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10
    assert percentile(list(range(1, 101)), 95) == 95
    stats = summarise([5.0, 1.0, 3.0])
    assert stats == {"n": 3, "p50": 3.0, "p95": 5.0, "min": 1.0, "max": 5.0}
