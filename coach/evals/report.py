"""A self-contained HTML report of an eval run: one file, inline CSS and SVG, no external assets.

Sections: the summary table; one bar chart per metric with a bar per prompt × engine; then every
case side by side: the draft and its context, each engine's rewrite, its word diff against the
draft, and the checks it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

from coach.diff import word_diff
from coach.evals.metrics import GroupSummary
from coach.evals.registry import METRICS
from coach.evals.runner import Record, RunReport

_PALETTE = ["#7f8c8d", "#2e86de", "#e67e22", "#8e44ad", "#16a085", "#c0392b", "#2c3e50", "#d35400", "#27ae60"]

CSS = """
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#d9dee5;--ok:#1e8449;--bad:#c0392b;--bg:#fff;--soft:#f5f7fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0;padding:24px 32px;max-width:1600px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin-bottom:12px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{border:1px solid var(--line);padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:var(--soft);font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
.chart{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fff}
.chart h3{font-size:13px;margin:0 0 6px}.chart p{margin:0 0 6px;color:var(--muted);font-size:12px}
.legend span{display:inline-block;margin-right:14px}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
details.case{border:1px solid var(--line);border-radius:6px;margin:8px 0;background:#fff}
details.case>summary{cursor:pointer;padding:8px 12px;list-style:none;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
details.case[open]>summary{border-bottom:1px solid var(--line);background:var(--soft)}
.cid{font-family:ui-monospace,Menlo,monospace;font-weight:600}.tags{color:var(--muted);font-size:12px}
.badge{font-size:11px;border-radius:10px;padding:1px 8px;color:#fff;white-space:nowrap}.pass{background:var(--ok)}.fail{background:var(--bad)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px;padding:12px}
.col{border:1px solid var(--line);border-radius:6px;padding:8px 10px;min-width:0}
.col h4{margin:0 0 6px;font-size:13px;display:flex;justify-content:space-between;gap:6px}
.text{white-space:pre-wrap;word-wrap:break-word;font-size:13px;background:var(--soft);border-radius:4px;padding:6px 8px;margin:0 0 6px}
.diff ins{background:#d4f7dc;text-decoration:none}.diff del{background:#fbd9d6;color:#7b241c}
ul.failed{margin:4px 0 0;padding-left:18px;color:var(--bad);font-size:12px}ul.failed b{color:var(--fg)}
.note{color:var(--muted);font-size:12px}.ctx{font-size:12px;color:var(--muted);margin:0 0 6px}
.filter{margin:6px 0 10px}.scroll{overflow-x:auto}
.filters{display:flex;gap:14px;flex-wrap:wrap;align-items:center;margin:6px 0 10px}
table.matrix td{text-align:center;white-space:nowrap}table.matrix td:first-child{text-align:left}
"""

_SCRIPT = """
document.getElementById('only-failing').addEventListener('change', function (e) {
  document.querySelectorAll('details.case').forEach(function (d) {
    d.style.display = e.target.checked && !d.classList.contains('has-failure') ? 'none' : '';
  });
});
"""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _colours(groups: Sequence[GroupSummary]) -> dict[str, str]:
    return {g.label: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(groups)}


def bar_chart(title: str, note: str, values: list[tuple[str, float | None]], colours: dict[str, str], *, maximum: float | None = None, digits: int = 3) -> str:
    """A horizontal bar chart as inline SVG: one bar per (label, value)."""
    numbers = [v for _, v in values if v is not None]
    top = maximum if maximum is not None else max([abs(v) for v in numbers] + [1e-9])
    label_w, bar_w, row_h = 150, 170, 22
    height = row_h * len(values) + 8
    rows = []
    for i, (label, value) in enumerate(values):
        y = 4 + i * row_h
        width = 0 if value is None or top <= 0 else max(0.0, min(1.0, value / top)) * bar_w
        short = label if len(label) <= 24 else label[:23] + "…"
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="11" fill="#1d2330">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" fill="#eef1f5"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row_h - 6}" fill="{colours.get(label, "#888")}">'
            f"<title>{escape(label)}: {_fmt(value, digits)}</title></rect>"
            f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="11" fill="#1d2330">{_fmt(value, digits)}</text>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{label_w + bar_w + 50}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 50} {height}">{"".join(rows)}</svg>'
    )
    return f'<div class="chart"><h3>{escape(title)}</h3><p>{escape(note)}</p>{svg}</div>'


def diff_html(before: str, after: str) -> str:
    parts = []
    for op, text in word_diff(before, after):
        if op == "+":
            parts.append(f"<ins>{escape(text)}</ins>")
        elif op == "-":
            parts.append(f"<del>{escape(text)}</del>")
        else:
            parts.append(escape(text))
    return "".join(parts)


def _summary_table(groups: Sequence[GroupSummary]) -> str:
    columns: list[tuple[str, Callable[[GroupSummary], str]]] = [("cases", lambda g: str(g.cases))]
    columns += [(metric.label, lambda g, m=metric: m.display(g.value(m.name))) for metric in METRICS.values()]
    if any(g.judge for g in groups):
        columns += [("judge overall", lambda g: _fmt(g.judge.get("overall"), 2)), ("judge variance", lambda g: _fmt(g.judge.get("variance"), 3)),
                    ("judge agreement", lambda g: _fmt(g.judge.get("agreement"), 2))]
    head = "".join(f"<th>{escape(name)}</th>" for name, _ in columns)
    body = "".join(
        f"<tr><td>{escape(g.label)}</td>" + "".join(f"<td>{escape(get(g))}</td>" for _, get in columns) + "</tr>" for g in groups
    )
    return f'<div class="scroll"><table class="summary"><thead><tr><th>prompt × engine</th>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _charts(groups: Sequence[GroupSummary], colours: dict[str, str]) -> str:
    charts = [
        bar_chart(m.name, m.description, [(g.label, g.value(m.name)) for g in groups], colours, maximum=m.chart_max,
                  digits=0 if m.kind == "count" else (m.digits if m.kind == "score" and not m.unit else 2))
        for m in METRICS.values() if m.chart
    ]  # fmt: skip
    criteria = sorted({k for g in groups for k in g.judge if k not in ("variance", "agreement")})
    for criterion in criteria:
        charts.append(bar_chart(f"judge: {criterion}", "mean of the judge runs, 1-5", [(g.label, g.judge.get(criterion)) for g in groups], colours, maximum=5, digits=2))
    if criteria:
        charts.append(bar_chart("judge variance", "mean variance across judge runs", [(g.label, g.judge.get("variance")) for g in groups], colours, digits=3))
    return '<div class="charts">' + "".join(charts) + "</div>"


def _case_block(info, records: list[Record], colours: dict[str, str], against: str | None = None) -> str:
    ctx = info.context
    failing = any(not r.metrics.passed for r in records if r.engine != "draft")
    badges = "".join(
        f'<span class="badge {"pass" if r.metrics.passed else "fail"}" style="outline:2px solid {colours.get(_label(r), "#888")}">'
        f"{escape(_label(r))}</span>"
        for r in records
    )
    context = []
    if ctx.customer_name or ctx.address_as:
        context.append(f"<b>customer</b> {escape(ctx.address_as or ctx.customer_name or '')}")
    context.append(f"<b>channel</b> {escape(ctx.channel.value)}")
    if ctx.customer_message:
        context.append(f"<b>message</b> {escape(ctx.customer_message)}")
    if ctx.history:
        context.append("<b>history</b> " + " · ".join(escape(f"{h.date or ''} {h.note}".strip()) for h in ctx.history))
    if info.notes:
        context.append(f"<b>notes</b> {escape(info.notes)}")
    columns = [f'<div class="col"><h4>context</h4><p class="ctx">{"<br>".join(context)}</p></div>']
    base = next((r for r in records if _label(r) == against), None)
    for record in records:
        columns.append(_record_column(record, info.draft, colours, base if base is not record else None))
    cls = "case has-failure" if failing else "case"
    return (
        f'<details class="{cls}" id="case-{escape(info.id)}"><summary><span class="cid">{escape(info.id)}</span>'
        f"<span>{escape(info.title)}</span><span class=\"tags\">{escape(', '.join(info.tags))}</span>{badges}</summary>"
        f'<div class="grid">{"".join(columns)}</div></details>'
    )


def _label(record: Record) -> str:
    return f"{record.engine} @ {record.prompt}" if record.prompt else record.engine


def _record_column(record: Record, draft: str, colours: dict[str, str], against: Record | None = None) -> str:
    m = record.metrics
    verdict = f'<span class="badge {"pass" if m.passed else "fail"}">{"pass" if m.passed else "fail"}</span>'
    notes = []
    if m.fallback and record.result is not None:
        notes.append(f"served by {record.result.engine}, fallback: {m.fallback}")
    if record.error:
        notes.append(f"error: {record.error}")
    if record.cached:
        notes.append("cached")
    stats = f"{m.words} words · ratio {m.length_ratio:.2f} · readability {m.readability:.0f} · personalisation {m.personalisation} · risk {m.familiarity_risk}"
    failed = "".join(f"<li><b>{escape(c.id)}</b> {escape(c.detail)}</li>" for c in m.failed)
    judge = ""
    if record.judge and record.judge.mean:
        judge = '<p class="note">judge: ' + ", ".join(
            f"{escape(k)} {v:.2f} (var {record.judge.variance.get(k, 0):.2f})" for k, v in record.judge.mean.items()
        ) + "</p>"
        reasons = [s.reason for s in record.judge.samples if s.reason]
        if reasons:  # why the judge graded as it did, run by run
            judge += '<ul class="note judge-reasons">' + "".join(f"<li>{escape(r)}</li>" for r in reasons) + "</ul>"
    body = f'<div class="text">{escape(record.rewrite)}</div>'
    if record.engine != "draft":
        body += f'<div class="text diff">{diff_html(draft, record.rewrite)}</div>'
    if against is not None and record.engine not in ("draft", "rules"):  # two models' rewrites, word by word
        body += f'<p class="note">against {escape(_label(against))}:</p><div class="text diff vs">{diff_html(against.rewrite, record.rewrite)}</div>'
    if record.trace:  # the rendered prompt and each raw answer, on demand
        calls = "".join(
            f'<p class="note">attempt {c.get("attempt")} · {escape(str(c.get("step")))}'
            + (f' · <b>{escape(str(c["error"]))}</b>' if c.get("error") else "") + "</p>"
            + f'<div class="text">{escape(str(c.get("raw") or "(no answer)"))}</div>'
            + "".join(f'<details><summary class="note">{escape(m["role"])} message</summary><div class="text">{escape(m["content"])}</div></details>'
                      for m in c.get("messages", []))
            for c in record.trace
        )  # fmt: skip
        body += f'<details class="trace"><summary class="note">prompt and raw answers ({len(record.trace)})</summary>{calls}</details>'
    colour = colours.get(_label(record), "#888")
    return (
        f'<div class="col" style="border-top:3px solid {colour}"><h4><span>{escape(_label(record))}</span>{verdict}</h4>{body}'
        f'<p class="note">{escape(stats)}</p>'
        + (f'<p class="note">{escape(" · ".join(notes))}</p>' if notes else "")
        + (f'<ul class="failed">{failed}</ul>' if failed else "")
        + judge
        + "</div>"
    )


def _matrix(report: RunReport, by_case: dict[str, list[Record]], groups: Sequence[str]) -> str:
    """Cases × groups, pass or fail in every cell; filters: rows whose rewrites differ, and B worse than A."""
    options = "".join(f'<option value="{i}">{escape(g)}</option>' for i, g in enumerate(groups))
    head = "".join(f"<th>{escape(g)}</th>" for g in groups)
    rows = []
    for info in report.cases:
        records = {_label(r): r for r in by_case.get(info.id, [])}
        cells, texts = [], set()
        for g in groups:
            r = records.get(g)
            if r is None:
                cells.append('<td data-fails="-1">–</td>')
                continue
            if r.engine != "draft":
                texts.add(r.rewrite)
            fails = len(r.metrics.failed)
            verdict = "pass" if r.metrics.passed else "fail"
            cells.append(f'<td data-fails="{fails}"><a href="#case-{escape(info.id)}"><span class="badge {verdict}">{verdict}</span></a>'
                         f'{f" <small>{fails}</small>" if fails else ""}</td>')  # fmt: skip
        rows.append(f'<tr data-differ="{int(len(texts) > 1)}"><td><a href="#case-{escape(info.id)}">{escape(info.id)}</a></td>{"".join(cells)}</tr>')
    controls = (
        '<div class="filters"><label><input type="checkbox" id="m-differ"> rows where the rewrites differ</label>'
        f'<label><input type="checkbox" id="m-worse"> B worse than A:</label> <label>A <select id="m-a">{options}</select></label>'
        f'<label>B <select id="m-b">{options}</select></label> <span class="note"><span id="m-shown"></span> rows</span></div>'
    )
    return f'{controls}<div class="scroll"><table class="matrix"><thead><tr><th>case</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


_MATRIX_SCRIPT = """
(function () {
  var q = function (id) { return document.getElementById(id); };
  if (!q('m-differ')) return;
  var b = q('m-b'); if (b.options.length > 1) b.selectedIndex = b.options.length - 1;
  function cell(row, i) { return row.cells[1 + Number(i)]; }
  function apply() {
    var differ = q('m-differ').checked, worse = q('m-worse').checked, a = q('m-a').value, bb = q('m-b').value, shown = 0;
    document.querySelectorAll('table.matrix tbody tr').forEach(function (row) {
      var ok = !differ || row.dataset.differ === '1';
      if (ok && worse) {
        var fa = Number(cell(row, a).dataset.fails), fb = Number(cell(row, bb).dataset.fails);
        ok = fa >= 0 && fb > fa;
      }
      row.style.display = ok ? '' : 'none';
      if (ok) shown += 1;
    });
    q('m-shown').textContent = shown;
  }
  ['m-differ', 'm-worse', 'm-a', 'm-b'].forEach(function (id) { q(id).addEventListener('change', apply); });
  apply();
})();
"""


def render_html(report: RunReport, title: str = "coach eval report") -> str:
    groups = report.summary
    colours = _colours(groups)
    meta = report.meta
    by_case: dict[str, list[Record]] = {}
    for record in report.records:
        by_case.setdefault(record.case, []).append(record)
    legend = "".join(f'<span><i class="swatch" style="background:{c}"></i>{escape(label)}</span>' for label, c in colours.items())
    labels = list(dict.fromkeys(_label(r) for r in report.records))
    models = [g for g in labels if g not in ("draft", "rules")]
    cases = "".join(_case_block(info, by_case.get(info.id, []), colours, models[0] if len(models) > 1 else None) for info in report.cases)
    judge = f" · judge {escape(str(meta.judge.get('model')))} × {meta.judge.get('runs')}" if meta.judge else ""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title><style>{CSS}</style></head><body>'
        f"<h1>{escape(title)}</h1>"
        f'<div class="meta">{escape(meta.created)} · {meta.cases} cases{" tagged " + escape(meta.tag) if meta.tag else ""} · '
        f"prompts {escape(', '.join(meta.prompts) or '–')} · engines {escape(', '.join(meta.engines))}{judge} · "
        f"{meta.computed} computed, {meta.cache_hits} from cache, {meta.seconds:.1f}s</div>"
        f"<h2>Summary</h2>{_summary_table(groups)}"
        f'<h2>Metrics</h2><div class="legend">{legend}</div>{_charts(groups, colours)}'
        f"<h2>Matrix</h2>{_matrix(report, by_case, labels)}"
        f'<h2>Cases</h2><label class="filter"><input type="checkbox" id="only-failing"> only cases where a rewrite fails a check</label>'
        f"{cases}<script>{_SCRIPT}{_MATRIX_SCRIPT}</script></body></html>"
    )


def write_html(report: RunReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
