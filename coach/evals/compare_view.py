"""The compare view: one self-contained HTML page of a comparison (`coach eval compare ... --html`).

Every case that flipped or moved, both rewrites side by side with the word diff between them, the checks
each failed; filters by situation, by tag, flipped only, and B worse than A. Inline CSS and script only.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from coach.evals.cases import SITUATION_TAGS
from coach.evals.compare import CaseChange, Comparison
from coach.evals.report import CSS, diff_html

_CSS = CSS + """
.cmp{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:12px}
.cmp .wide{grid-column:1 / -1}.kind{font-weight:600}.flip-bad{color:var(--bad)}.flip-good{color:var(--ok)}
.filters{display:flex;gap:18px;flex-wrap:wrap;align-items:center;margin:8px 0 12px}
.crit{background:#7b241c}
@media (max-width:800px){.cmp{grid-template-columns:1fr}}
"""

_SCRIPT = """
(function () {
  var q = function (id) { return document.getElementById(id); };
  function apply() {
    var situation = q('f-situation').value, tag = q('f-tag').value;
    var flipped = q('f-flipped').checked, worse = q('f-worse').checked, shown = 0;
    document.querySelectorAll('details.case').forEach(function (d) {
      var tags = (d.dataset.tags || '').split(' ');
      var ok = (!situation || tags.indexOf(situation) >= 0) && (!tag || tags.indexOf(tag) >= 0)
        && (!flipped || d.dataset.flipped === '1') && (!worse || d.dataset.worse === '1');
      d.style.display = ok ? '' : 'none';
      if (ok) shown += 1;
    });
    q('shown').textContent = shown;
  }
  ['f-situation', 'f-tag', 'f-flipped', 'f-worse'].forEach(function (id) { q(id).addEventListener('change', apply); });
  apply();
})();
"""


def render_compare_html(result: Comparison, title: str = "coach eval compare") -> str:
    tags = sorted({t for c in result.cases for t in c.tags})
    situations = [t for t in SITUATION_TAGS if t in tags]
    options = lambda values: "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)  # noqa: E731
    flips = result.flips
    worse = sum(1 for c in flips if c.passed_before)
    summary = (
        f"{len(result.cases)} case(s) changed · {len(flips)} flipped: {worse} pass → fail, {len(flips) - worse} fail → pass · "
        f"{len(result.critical)} critical · compared: {', '.join(result.compared) or 'nothing'}"
    )
    missing = ""
    if result.missing_groups:
        missing = f'<p class="flip-bad">On one side only (an error under --fail-on-regression): {escape(", ".join(result.missing_groups))}</p>'
    regressions = "".join(
        f"<tr><td>{escape(d.group)}</td><td>{escape(d.metric)}</td><td>{d.before:.3f}</td><td>{d.after:.3f}</td><td>{d.change:+.3f}</td></tr>"
        for d in result.regressions
    )
    table = (f"<h2>Scores that dropped</h2><table><thead><tr><th>group</th><th>metric</th><th>before</th><th>after</th><th>change</th></tr></thead>"
             f"<tbody>{regressions}</tbody></table>") if regressions else ""  # fmt: skip
    filters = (
        '<div class="filters">'
        f'<label>situation <select id="f-situation"><option value="">all</option>{options(situations)}</select></label>'
        f'<label>tag <select id="f-tag"><option value="">all</option>{options(tags)}</select></label>'
        '<label><input type="checkbox" id="f-flipped"> flipped only</label>'
        '<label><input type="checkbox" id="f-worse"> B worse than A</label>'
        '<span class="note"><span id="shown"></span> shown</span></div>'
    )
    cases = "".join(_case(c) for c in result.cases)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title><style>{_CSS}</style></head><body>'
        f'<h1>{escape(title)}</h1><div class="meta">{escape(summary)}</div>{missing}{table}'
        f"<h2>Cases</h2>{filters}{cases}<script>{_SCRIPT}</script></body></html>"
    )


def _case(change: CaseChange) -> str:
    cls = "flip-bad" if change.worse else "flip-good"
    badge = '<span class="badge crit">critical</span>' if change.critical else ""
    failed = lambda checks: (f'<ul class="failed">{"".join(f"<li>{escape(c)}</li>" for c in checks)}</ul>' if checks  # noqa: E731
                             else '<p class="note">no failed check</p>')
    moved = ", ".join(f"{d.metric} {d.before:g} → {d.after:g}" for d in change.moved)
    return (
        f'<details class="case" open data-tags="{escape(" ".join(change.tags))}" data-flipped="{int(change.flipped)}" '
        f'data-worse="{int(change.worse)}"><summary><span class="cid">{escape(change.case)}</span>'
        f'<span class="kind {cls}">{escape(change.kind)}</span>{badge}<span>{escape(change.title)}</span>'
        f'<span class="tags">{escape(change.group)} · {escape(", ".join(change.tags))}</span></summary>'
        f'<div class="cmp"><div class="wide"><h4>draft</h4><div class="text">{escape(change.draft)}</div></div>'
        f'<div class="col"><h4>A (baseline) <span class="badge {"pass" if change.passed_before else "fail"}">'
        f'{"pass" if change.passed_before else "fail"}</span></h4><div class="text">{escape(change.before)}</div>'
        f'{failed(change.failed_before)}</div>'
        f'<div class="col"><h4>B (new) <span class="badge {"pass" if change.passed_after else "fail"}">'
        f'{"pass" if change.passed_after else "fail"}</span></h4><div class="text">{escape(change.after)}</div>'
        f'{failed(change.failed_after)}</div>'
        f'<div class="wide"><h4>A → B</h4><div class="text diff">{diff_html(change.before, change.after)}</div>'
        + (f'<p class="note">moved: {escape(moved)}</p>' if moved else "")
        + "</div></div></details>"
    )


def write_compare_html(result: Comparison, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_compare_html(result), encoding="utf-8")
    return path
