"""Turn bench results into a markdown report, a rich summary table and (with matplotlib) PNG plots."""

from __future__ import annotations

from pathlib import Path


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) if not isinstance(c, str) else c for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _pm(stats: dict | None, digits: int = 1, scale: float = 1.0) -> tuple[str, str]:
    if not stats or stats.get("p50") is None:
        return "–", "–"
    p95 = stats.get("p95")
    return _fmt(stats["p50"] * scale, digits), (_fmt(p95 * scale, digits) if p95 is not None else "–")


def _rss(corpus: dict) -> str:
    if corpus.get("memory"):
        return f"{_fmt(corpus['memory'].get('rss_peak_mib'))} MiB"
    if corpus.get("memory_without_model"):
        return f"{_fmt(corpus['memory_without_model'].get('rss_peak_mib'))} MiB (null embedder)"
    return "–"


def headline(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, verdict) rows: the summary printed and put at the top of the report."""
    rows: list[tuple[str, str, str, str]] = []

    def verdict(ok: bool | None) -> str:
        return "–" if ok is None else ("met" if ok else "MISSED")

    ingest = results.get("ingest") or {}
    cold = ingest.get("cold_model_load") or {}
    if cold.get("seconds") is not None:
        runtime = f" on {cold['runtime']}" if cold.get("runtime") else ""
        rows.append((f"embedding model cold start (fresh process){runtime}", f"{cold['seconds']} s, peak RSS {cold['rss_peak_mib']} MiB", "", "–"))
    for corpus in ingest.get("corpora", []):
        ratio = (corpus.get("overhead_ratio") or {}).get("p50")
        est = " (estimated)" if corpus.get("estimated") else ""
        if corpus.get("ingest_s"):
            rows.append((f"ingest {corpus['corpus']}: {corpus['chunks']:,} chunks",
                         f"{_fmt(corpus['ingest_s']['p50'], 2)} s, {_fmt(corpus['chunks_per_s'])} chunks/s, "
                         f"overhead {_fmt(ratio, 2)}x{est}; peak RSS {_rss(corpus)}",
                         "<= 1.3x", verdict(ratio <= 1.3 if ratio else None)))  # fmt: skip
    retrieval = results.get("retrieval") or {}
    for mode in ("embedded", "server"):
        for row in retrieval.get(mode, []):
            p50, p95 = _pm(row["search_ms"])
            target = mode == "embedded" and row["size"] == 10_000
            rows.append((f"hybrid search, {mode} Chroma, {row['size']:,} chunks", f"p50 {p50} ms, p95 {p95} ms",
                         "p95 < 30 ms" if target else "", verdict(row["search_ms"]["p95"] < 30) if target else "–"))  # fmt: skip
    pipeline = results.get("pipeline") or {}
    for draft in pipeline.get("drafts", []):
        p50, p95 = _pm(draft["overhead_ms"])
        if draft["draft"].endswith(", models"):
            rows.append((f"pipeline overhead, {draft['draft']} draft", f"p50 {p50} ms, p95 {p95} ms", "", "–"))
            continue
        ok = draft["overhead_ms"]["p50"] < pipeline.get("target_p50_ms", 30)
        rows.append((f"pipeline overhead, {draft['draft']} draft (rules only)", f"p50 {p50} ms, p95 {p95} ms", "p50 < 30 ms", verdict(ok)))
    q = pipeline.get("query_embedding_ms")
    if q and "onnx" in q:
        rows.append(("guidance query embedding, ONNX Runtime vs torch",
                     f"p50 {_fmt(q['onnx']['p50'])} vs {_fmt(q['torch']['p50'])} ms ({q['ratio_torch_to_onnx']}x)", "", "–"))  # fmt: skip
    rules = results.get("rules") or {}
    for draft in rules.get("drafts", []):
        rate = draft["rewrite"]["per_s"]
        target = "≥ 200/s" if draft["draft"] == "typical" else ""
        engine_rate = draft["engine_only"]["per_s"]
        rows.append((f"rules engine alone, {draft['draft']} draft ({draft['words']} words), one core",
                     f"{_fmt(engine_rate)}/s", target, verdict(engine_rate >= 200) if target else "–"))  # fmt: skip
        # The target is the engine's; end to end adds the draft's analysis and the verification, which the
        # pipeline-overhead rows measure against their own target.
        rows.append((f"rules rewrite end to end (analyse, engine, verify, diff), {draft['draft']} draft, one core",
                     f"{_fmt(rate)}/s", "", "–"))  # fmt: skip
    http = results.get("http") or {}
    if http.get("cells"):
        for endpoint in dict.fromkeys(c["endpoint"] for c in http["cells"]):
            best = max((c for c in http["cells"] if c["endpoint"] == endpoint), key=lambda c: c["rps"])
            rows.append((f"HTTP {endpoint}, best of matrix",
                         f"{_fmt(best['rps'])} req/s at {best['concurrency']} clients, {best['workers']} worker(s), "
                         f"p95 {_fmt(best['latency_ms']['p95'])} ms", "", "–"))  # fmt: skip
        rows.append(("HTTP errors, whole matrix", f"{http['total_errors']} ({http['total_fallbacks']} LLM fallbacks)", "0",
                     verdict(http["total_errors"] == 0)))  # fmt: skip
        for added in (http.get("limiter") or {}).get("added", []):
            rows.append((f"rate limit in Redis vs in memory, added per request, {added['concurrency']} client(s)",
                         f"p50 {_fmt(added['added_p50_ms'])} ms, p95 {_fmt(added['added_p95_ms'])} ms", "", "–"))  # fmt: skip
    load = results.get("load") or {}
    if load.get("hold"):
        hold, memory, failures = load["hold"], load["memory"], load["failures"]
        knee = f"{load['knee_clients']} clients" if load["knee_clients"] else f"none up to {load['levels'][-1]} clients"
        rows.append(("load test: where p95 doubles", f"{knee} (p95 {_fmt(load['ramp'][-1]['latency_ms']['p95'])} ms vs "
                     f"{_fmt(load['ramp'][0]['latency_ms']['p95'])} ms for one client)", "", "–"))  # fmt: skip
        rows.append((f"load test: {load['hold_clients']} clients held {load['hold_s']:.0f} s, {load['workers']} worker(s)",
                     f"{hold['requests']:,} requests, {_fmt(hold['rps'])} req/s, p95 {_fmt(hold['latency_ms']['p95'])} ms; "
                     f"5xx {failures['status_5xx']}, transport errors {failures['transport_errors']}, "
                     f"unexpected status {failures['unexpected_status']}, tracebacks {failures['server_tracebacks']}; "
                     f"RSS {_fmt(memory['rss_start_mib'])} -> {_fmt(memory['rss_end_mib'])} MiB",
                     "0 errors, memory flat", verdict(load["passed"])))  # fmt: skip
    tokens = results.get("tokens") or {}
    if tokens.get("ratio"):
        ratio = tokens["ratio"]["p50"]
        rows.append(("prompt tokens, retrieval vs paste-all",
                     f"{_fmt(tokens['prompt_tokens_retrieval']['p50'], 0)} vs {_fmt(tokens['prompt_tokens_paste_all']['p50'], 0)} "
                     f"= {ratio * 100:.1f}%", "≤ 25%", verdict(ratio <= 0.25)))  # fmt: skip
        for name, cost in list(tokens.get("cost", {}).items())[:2]:
            rows.append((f"cost per 1,000 rewrites, {name}",
                         f"${cost['retrieval_usd_per_1k_rewrites']:.3f} (paste-all ${cost['paste_all_usd_per_1k_rewrites']:.3f})", "", "–"))  # fmt: skip
    analysis = results.get("analysis") or {}
    targets = analysis.get("targets_ms") or {"2000-word": analysis.get("target_ms")}
    for name, row in (analysis.get("drafts") or {}).items():
        target = targets.get(name)
        rows.append((f"analyse(), {name} draft, one core", f"p50 {_fmt(row['median_ms'], 2)} ms, p95 {_fmt(row['p95_ms'], 2)} ms",
                     f"p50 < {target} ms" if target else "", verdict(row["median_ms"] < target) if target else "–"))  # fmt: skip
    cold = analysis.get("lint_cold_start_s")
    if cold:
        target = analysis.get("target_lint_cold_start_s", 1.5)
        rows.append(("coach lint cold start (fresh process, models included)", f"p50 {_fmt(cold['p50'], 2)} s, p95 {_fmt(cold['p95'], 2)} s",
                     f"< {target} s", verdict(cold["p50"] < target)))  # fmt: skip
    worst = results.get("worst-case") or {}
    if worst.get("patterns"):
        slowest = max(worst["patterns"], key=lambda r: r["worst_s"])
        rows.append((f"worst case: {len(worst['patterns'])} adversarial patterns at {worst['length']:,} characters, one core",
                     f"slowest {slowest['pattern']}: {_fmt(slowest['worst_s'], 3)} s", f"each < {_fmt(worst['target_s'])} s",
                     verdict(worst["passed"])))  # fmt: skip
    live = worst.get("liveness")
    if live:
        rows.append(("/healthz and /readyz during heavy rewrites, same worker",
                     f"p95 {_fmt(live['healthz_ms']['p95'])} ms and {_fmt(live['readyz_ms']['p95'])} ms "
                     f"(max {_fmt(live['healthz_ms']['max'])} / {_fmt(live['readyz_ms']['max'])})",
                     f"p95 < {_fmt(live['goal_ms'], 0)} ms", verdict(live["met"])))  # fmt: skip
    for area, value in results.items():
        if isinstance(value, dict) and value.get("error"):
            rows.append((f"{area}", "FAILED: " + value["error"].splitlines()[0][:120], "", "–"))
    return rows


_TITLES = {"http": "HTTP", "load": "Load test", "worst-case": "Worst case (adversarial input)"}


def markdown(results: dict) -> str:
    meta = results["meta"]
    machine = meta["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    out = [
        "# coach bench",
        "",
        f"Run {meta['started']} ({'quick' if meta['quick'] else 'full'}), {meta['duration_s']:.0f} s, "
        f"areas: {', '.join(meta['areas'])}; commit {machine.get('git_commit')}{' (dirty)' if machine.get('git_dirty') else ''}.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores ({machine['cores_usable']} usable), {machine['ram_gib']} GiB RAM, "
        f"{machine['os']}, Python {machine['python']}; {versions}. Load average at start {machine['load_average_at_start']}, "
        f"at end {meta.get('load_average_at_end')}; each section gives the load average when it started.",
        "",
        "Every figure is a median (p50) over repeats with its p95 unless it says otherwise; ratios come from runs "
        "side by side in the same process.",
        *[f"\nRe-measured later: {', '.join(r['areas'])} at {r['started']} (commit {r.get('git_commit')}, "
          f"load average at start {r.get('load_average_at_start')}, {r['duration_s']:.0f} s)."
          for r in meta.get("remeasured", [])],
        "",
        "## Summary",
        "",
        _table(["figure", "value", "target", ""], [list(r) for r in headline(results)]),
    ]
    sections = [
        ("analysis", _analysis_md), ("worst-case", _worst_case_md), ("ingest", _ingest_md), ("retrieval", _retrieval_md), ("pipeline", _pipeline_md),
        ("rules", _rules_md), ("http", _http_md), ("load", _load_md), ("tokens", _tokens_md),
    ]  # fmt: skip
    for name, render in sections:
        data = results.get(name)
        if not data:
            continue
        out += ["", f"## {_TITLES.get(name, name.capitalize())}", ""]
        if data.get("started"):
            out += [f"_Started {data['started']}, load average {data.get('load_average_at_start')}, took {data.get('seconds')} s._", ""]
        if data.get("error"):
            out += ["Failed:", "", "```", data["error"], "```"]
            continue
        out += render(data)
        for note in data.get("notes", []):
            out.append(f"- {note}")
    for plot in results.get("plots", []):
        out += ["", f"![{plot}]({plot})"]
    if results.get("plots_skipped"):
        out += ["", f"_Plots skipped: {results['plots_skipped']}_"]
    return "\n".join(out) + "\n"


def _analysis_md(data: dict) -> list[str]:
    rows = [[name, r["words"], r["repeats"], r["first_call_ms"], r["median_ms"], r["p95_ms"]] for name, r in data["drafts"].items()]
    return [_table(["draft", "words", "repeats", "first call ms", "p50 ms", "p95 ms"], rows), ""]


def _worst_case_md(data: dict) -> list[str]:
    rows = [[r["pattern"], f"{r['chars']:,}", _fmt(r["analyse_s"], 3), _fmt(r["rewrite_s"], 3), _fmt(r["message_rewrite_s"], 3),
             _fmt(r["history_rewrite_s"], 3), _fmt(r["before_s"], 0) if r.get("before_s") else "", "met" if r["met"] else "MISSED"]
            for r in data["patterns"]]  # fmt: skip
    header = ["pattern", "chars", "analyse s", "rewrite s", "as message s", "as history s", "before s", f"< {_fmt(data['target_s'])} s"]
    out = [_table(header, rows), ""]
    live = data.get("liveness")
    if live:
        out += [f"Liveness, while two clients rewrite '{live['pattern']}' at 50,000 characters on one worker "
                f"(each rewrite p50 {_fmt(live['heavy_rewrite_ms']['p50'])} ms):", "",
                _table(["endpoint", "n", "p50 ms", "p95 ms", "max ms", f"goal p95 < {_fmt(live['goal_ms'], 0)} ms"],
                       [[name, live[key]["n"], _fmt(live[key]["p50"]), _fmt(live[key]["p95"]), _fmt(live[key]["max"]),
                         "met" if live[key]["p95"] is not None and live[key]["p95"] < live["goal_ms"] else "MISSED"]
                        for name, key in (("/healthz", "healthz_ms"), ("/readyz", "readyz_ms"))]), ""]  # fmt: skip
    return out


def _ingest_md(data: dict) -> list[str]:
    rows = []
    for c in data["corpora"]:
        ingest = _pm(c.get("ingest_s"), 2)
        bare = _pm(c.get("bare_embed_s"), 2)
        ratio = _pm(c.get("overhead_ratio"), 2)
        memory = c.get("memory") or c.get("memory_without_model") or {}
        rows.append([
            c["corpus"] + (" (estimated)" if c.get("estimated") else ""), c["articles"], c["chunks"],
            f"{ingest[0]} / {ingest[1]}", _fmt(c.get("chunks_per_s")), f"{bare[0]} / {bare[1]}",
            _fmt(c.get("bare_chunks_per_s")), f"{ratio[0]} / {ratio[1]}",
            f"{_pm(c['without_model_s'], 2)[0]}", _fmt(memory.get("rss_peak_mib")),
        ])  # fmt: skip
    return [
        f"Embedder {data['embedder']} (cold start in a fresh process: {data['cold_model_load'].get('seconds')} s, "
        f"peak RSS {data['cold_model_load'].get('rss_peak_mib')} MiB), batch {data['batch']}, "
        f"chunks of ≤ {data['chunk_tokens']} tokens.",
        "",
        _table(["corpus", "articles", "chunks", "ingest s p50/p95", "chunks/s", "bare embed s p50/p95", "bare chunks/s",
                "overhead ratio p50/p95", "ingest without model s", "peak RSS MiB"], rows),  # fmt: skip
        "",
    ]


def _retrieval_md(data: dict) -> list[str]:
    rows = []
    for mode in ("embedded", "server"):
        for r in data.get(mode, []):
            q, s = _pm(r["query_ms"], 2), _pm(r["search_ms"], 2)
            d, lx = (_pm(r[key], 2) if key in r else ("–", "–") for key in ("dense_ms", "lexical_ms"))
            build, fit = r.get("lexical_build_ms", "–"), r.get("head_fit_ms", "–")
            rows.append([mode, r["size"], f"{q[0]} / {q[1]}", f"{s[0]} / {s[1]}", f"{d[0]} / {d[1]}", f"{lx[0]} / {lx[1]}", build, fit])
    inserts = ", ".join(f"{int(k):,}: {v:,.0f}/s" for k, v in data.get("insert_vectors_per_s", {}).items())
    return [
        f"k = {data['k']}, {data['queries']} query texts x {data['repeats']} repeats per size. Bulk insert rate (embedded): {inserts}.",
        "",
        _table(["Chroma", "chunks", "collection.query ms p50/p95", "hybrid search() ms p50/p95", "dense only ms p50/p95",
                "lexical only ms p50/p95", "BM25 build ms", "card head fit ms"], rows),  # fmt: skip
        "",
    ]


def _pipeline_md(data: dict) -> list[str]:
    rows = []
    steps = ["analyse", "retrieve", "prompt", "verify", "other", "after_total"]
    for d in data["drafts"]:
        o = _pm(d["overhead_ms"], 2)
        rows.append([d["draft"], d["words"], d["overhead_ms"]["n"], f"{o[0]} / {o[1]}", *[_fmt(d["steps_p50_ms"].get(s), 2) for s in steps],
                     "; ".join(d["path"])])  # fmt: skip
    labels = {"after_total": "result + diff", "other": "other"}
    out = [_table(["draft", "words", "runs", "overhead ms p50/p95", *[f"{labels.get(s, s)} ms" for s in steps], "path"], rows), ""]
    q = data.get("query_embedding_ms")
    if q and "onnx" in q:
        out += [f"Embedding the guidance query ({q['query_words']} words), one runtime after the other: ONNX Runtime (the default) p50 "
                f"{_fmt(q['onnx']['p50'], 1)} / p95 {_fmt(q['onnx']['p95'], 1)} ms; torch (sentence-transformers) p50 "
                f"{_fmt(q['torch']['p50'], 1)} / p95 {_fmt(q['torch']['p95'], 1)} ms ({q['ratio_torch_to_onnx']}x); "
                f"largest difference between their vectors {q['max_abs_difference']:.1e}.", ""]  # fmt: skip
    profile = data.get("profile") or {}
    for name, p in profile.items():
        if not isinstance(p, dict):
            continue
        out += [f"Profile, {name} draft ({p['rewrites']} rewrites under cProfile, {p['ms_per_rewrite_under_profiler']} ms each): "
                "top own time per rewrite", ""]  # fmt: skip
        out.append(_profile_table(p["top_own_time"][:8]))
        out.append("")
    if profile.get("listing"):
        out += [f"Full listings: `{profile['listing']}`.", ""]
    return out


def _profile_table(top: list[dict]) -> str:
    """Functions from a cProfile summary (coach.bench.pipeline._top), per rewrite."""
    rows = [[f"`{t['function']}`", t["calls_per_rewrite"], t["own_ms_per_rewrite"], t["cumulative_ms_per_rewrite"]] for t in top]
    return _table(["function", "calls", "own ms", "cumulative ms"], rows)


def _rules_md(data: dict) -> list[str]:
    rows = []
    for d in data["drafts"]:
        f, e = d["rewrite"], d["engine_only"]
        rows.append([d["draft"], d["words"], f["per_s"], f"{_fmt(f['ms']['p50'], 2)} / {_fmt(f['ms']['p95'], 2)}", e["per_s"],
                     f"{_fmt(e['ms']['p50'], 2)} / {_fmt(e['ms']['p95'], 2)}", "yes" if d["verified"] else "no"])  # fmt: skip
    out = [f"Pinned to CPU {data['cpu_pinned']}, {data['seconds_per_figure']} s per figure.", "",
           _table(["draft", "words", "rewrites/s", "ms p50/p95", "engine only /s", "engine ms p50/p95", "verified"], rows), ""]  # fmt: skip
    profile = data.get("profile_typical")
    if profile:
        out += [f"Profile of a full rules rewrite, typical draft ({profile['rewrites']} rewrites under cProfile): "
                "top cumulative time per rewrite", ""]  # fmt: skip
        out.append(_profile_table(profile["top_cumulative"][:12]))
        out.append("")
    return out


def _http_md(data: dict) -> list[str]:
    rows = []
    for c in data["cells"]:
        rows.append([c["workers"], c["endpoint"], c["concurrency"], c["requests"], c["rps"], _fmt(c["latency_ms"]["p50"]),
                     _fmt(c["latency_ms"]["p95"]), c["errors"], c["fallbacks"]])  # fmt: skip
    starts = ", ".join(f"{k} worker(s) {v} s" for k, v in data.get("server_start_s", {}).items())
    lines = [f"{data['seconds_per_cell']} s per cell, a {data['draft_words']}-word draft; server start to ready: {starts}.", "",
             _table(["workers", "endpoint", "clients", "requests", "req/s", "p50 ms", "p95 ms", "errors", "LLM fallbacks"], rows), ""]  # fmt: skip
    limiter = data.get("limiter") or {}
    if limiter.get("ran"):
        rows = [[r["store"], r["concurrency"], r["requests"], r["rps"], _fmt(r["latency_ms"]["p50"]), _fmt(r["latency_ms"]["p95"]),
                 r["errors"]] for r in limiter["rows"]]  # fmt: skip
        lines += [f"Rate limiter, one worker, {limiter['endpoint']} with an API key and a limit no client reaches: "
                  "buckets in memory, then in a Redis on loopback (COACH_REDIS_URL).", "",
                  _table(["buckets", "clients", "requests", "req/s", "p50 ms", "p95 ms", "errors"], rows), ""]  # fmt: skip
    elif limiter:
        lines += [f"Rate limiter with Redis not measured: {limiter['why']}.", ""]
    return lines


def _load_md(data: dict) -> list[str]:
    def row(label, r):
        return [label, r["requests"], r["rps"], _fmt(r["latency_ms"]["p50"]), _fmt(r["latency_ms"]["p95"]), r["status_5xx"],
                r["transport_errors"], r["unexpected_status"], r["llm_fallbacks"]]  # fmt: skip

    header = ["phase", "requests", "req/s", "p50 ms", "p95 ms", "5xx", "transport errors", "unexpected status", "LLM fallbacks"]
    rows = [row(f"ramp, {r['clients']} client(s), {data['step_s']} s", r) for r in data["ramp"]]
    rows.append(row(f"hold, {data['hold_clients']} clients, {data['hold_s']:.0f} s", data["hold"]))
    memory = data["memory"]
    kinds = ", ".join(f"{k} {v}" for k, v in data["stream"]["by_kind"].items())
    return [
        f"{data['workers']} uvicorn worker(s). The clients cycle through {data['stream']['calls']} calls ({kinds}).", "",
        _table(header, rows), "",
        f"Memory of the server's process tree during the hold: {memory['rss_start_mib']} MiB at the start, "
        f"{memory['rss_end_mib']} MiB at the end (max {memory['rss_max_mib']}), growth {memory['growth_mib']} MiB "
        f"(allowed {memory['allowed_growth_mib']}), fitted slope {memory['slope_mib_per_min']} MiB/min: "
        f"{'flat' if memory['flat'] else 'NOT flat'}. Server log tracebacks: {data['failures']['server_tracebacks']}.", "",
        "The hold in windows:", "",
        _table(["from s", "requests", "req/s", "p50 ms", "p95 ms", "5xx"],
               [[w["from_s"], w["requests"], w["rps"], _fmt(w["latency_ms"]["p50"]), _fmt(w["latency_ms"]["p95"]), w["status_5xx"]]
                for w in data["hold_windows"]]), "",
    ]  # fmt: skip


def _tokens_md(data: dict) -> list[str]:
    r, a = _pm(data["prompt_tokens_retrieval"], 0), _pm(data["prompt_tokens_paste_all"], 0)
    gr, ga = _pm(data["guidance_tokens_retrieval"], 0), _pm(data["guidance_tokens_paste_all"], 0)
    ratio = _pm(data["ratio"], 3)
    out = [
        f"{data['cases']} eval cases; {data['cards']} cards; guidance k = {data['guidance_k']}, budget {data['guidance_budget_tokens']} tokens.",
        "",
        _table(["", "retrieval", "paste all", "ratio p50/p95"], [
            ["prompt tokens p50/p95", f"{r[0]} / {r[1]}", f"{a[0]} / {a[1]}", f"{ratio[0]} / {ratio[1]}"],
            ["guidance tokens p50/p95", f"{gr[0]} / {gr[1]}", f"{ga[0]} / {ga[1]}", ""],
            ["completion tokens (estimate) p50", _pm(data["completion_tokens_estimate"], 0)[0], "same", ""],
        ]),  # fmt: skip
        "",
    ]
    if data.get("cost"):
        out += [f"Cost per 1,000 rewrites (USD; prices per 1M tokens from `{Path(data['prices_file']).name}`):", ""]
        out.append(_table(["model", "input $/1M", "output $/1M", "retrieval", "paste all"],
                          [[m, f"{c['input_per_1m']:.2f}", f"{c['output_per_1m']:.2f}", f"${c['retrieval_usd_per_1k_rewrites']:.4f}",
                            f"${c['paste_all_usd_per_1k_rewrites']:.4f}"] for m, c in data["cost"].items()]))  # fmt: skip
        out.append("")
    return out


def plots(results: dict, out: Path, suffix: str = "") -> tuple[list[str], str | None]:
    """PNG plots where a curve says more: search latency against index size, ingest time against corpus size."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed (pip install -e '.[bench]')"
    made = []
    retrieval = results.get("retrieval") or {}
    if retrieval.get("embedded"):
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for mode, style in (("embedded", "o-"), ("server", "s--")):
            rows = retrieval.get(mode) or []
            if rows:
                sizes = [r["size"] for r in rows]
                ax.plot(sizes, [r["search_ms"]["p50"] for r in rows], style, label=f"search() p50, {mode}")
                ax.plot(sizes, [r["query_ms"]["p50"] for r in rows], style, alpha=0.5, label=f"collection.query p50, {mode}")
        made.append(_save_log_log(plt, fig, ax, "chunks in the collection", "ms", "Search latency against index size", out / f"retrieval{suffix}.png"))
    ingest = results.get("ingest") or {}
    corpora = [c for c in ingest.get("corpora", []) if c.get("ingest_s")]
    if len(corpora) >= 2:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        chunks = [c["chunks"] for c in corpora]
        ax.plot(chunks, [c["ingest_s"]["p50"] for c in corpora], "o-", label="ingest (with model; hollow = estimated)")
        ax.plot(chunks, [c["bare_embed_s"]["p50"] for c in corpora], "s--", label="bare embedder")
        ax.plot(chunks, [c["without_model_s"]["p50"] for c in corpora], "^:", label="ingest without model (null embedder)")
        for c in corpora:
            if c.get("estimated"):
                ax.plot([c["chunks"]], [c["ingest_s"]["p50"]], "o", mfc="white", color="C0")
        made.append(_save_log_log(plt, fig, ax, "chunks", "seconds", "Ingest time against corpus size", out / f"ingest{suffix}.png"))
    load = results.get("load") or {}
    if load.get("memory_samples"):
        made.append(_load_plot(plt, load, out / f"load{suffix}.png"))
    return made, None


def _load_plot(plt, load: dict, path: Path) -> str:
    fig, (ramp_ax, hold_ax) = plt.subplots(1, 2, figsize=(10, 4))
    clients = [r["clients"] for r in load["ramp"]]
    ramp_ax.plot(clients, [r["latency_ms"]["p95"] for r in load["ramp"]], "o-", label="p95")
    ramp_ax.plot(clients, [r["latency_ms"]["p50"] for r in load["ramp"]], "s--", label="p50")
    ramp_ax.axhline(2 * load["ramp"][0]["latency_ms"]["p95"], color="grey", ls=":", label="2x one-client p95")
    ramp_ax.set_xscale("log", base=2)
    ramp_ax.set_xticks(clients, [str(c) for c in clients])
    ramp_ax.set(xlabel="concurrent clients", ylabel="ms", title="Ramp: latency against clients")
    ramp_ax.legend(fontsize=8)
    ramp_ax.grid(True, alpha=0.3)
    times, rss = zip(*load["memory_samples"], strict=True)
    hold_ax.plot(times, rss, "-", color="C2", label="server RSS (MiB)")
    hold_ax.set(xlabel="seconds into the hold", ylabel="MiB", title=f"Hold at {load['hold_clients']} clients",
                ylim=(0, max(rss) * 1.15))
    latency_ax = hold_ax.twinx()
    latency_ax.plot([w["from_s"] for w in load["hold_windows"]], [w["latency_ms"]["p95"] for w in load["hold_windows"]],
                    "o:", color="C3", label="p95 ms per window")  # fmt: skip
    latency_ax.set_ylabel("p95 ms")
    hold_ax.legend(loc="lower left", fontsize=8)
    latency_ax.legend(loc="lower right", fontsize=8)
    hold_ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _save_log_log(plt, fig, ax, xlabel: str, ylabel: str, title: str, path: Path) -> str:
    """Finish a log-log plot the way every bench plot looks, write it, and return its file name."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def rich_summary(results: dict):
    from rich.table import Table

    table = Table(title="coach bench", show_lines=False)
    for column in ("figure", "value", "target", ""):
        table.add_column(column)
    for figure, value, target, verdict in headline(results):
        style = "red" if verdict == "MISSED" or value.startswith("FAILED") else ("green" if verdict == "met" else None)
        table.add_row(figure, value, target, verdict, style=style)
    return table
