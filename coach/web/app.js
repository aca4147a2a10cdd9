// coach's page: builds a rewrite request from the form, streams the answer (server-sent events over fetch)
// and shows the result. Every piece of text from the server is set with textContent, never as HTML.
"use strict";

const KEY_STORAGE = "coach.apiKey";
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function apiHeaders(extra = {}) {
  const key = $("api-key").value.trim();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

function parseHistory(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const dated = line.match(/^(\d{4}-\d{2}-\d{2})\s*[:\-–]\s*(.+)$/);
    return dated ? { date: dated[1], note: dated[2] } : { note: line };
  });
}

function buildRequest() {
  const context = { channel: $("channel").value, history: parseHistory($("history").value) };
  const fields = { customer_name: "customer-name", customer_message: "customer-message", address_as: "address-as", locale: "locale" };
  for (const [name, id] of Object.entries(fields)) {
    const value = $(id).value.trim();
    if (value) context[name] = value;
  }
  return { draft: $("draft").value, context, engine: $("engine").value, tone: $("tone").value, stream: true };
}

// A gap the agent must fill, as the editor writes it: "[what you can offer instead]".
const PLACEHOLDER = /\[[^\[\]\n]{2,80}\]/g;

// --- talking to the server ---------------------------------------------------------------

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (response.status === 401) return `${body.message} — enter the API key under Settings.`;
    return body.message || `HTTP ${response.status}`;
  } catch {
    return `The server answered HTTP ${response.status}.`;
  }
}

function parseEvent(raw) {
  let kind = "message";
  const data = [];
  for (const line of raw.split("\n")) {
    if (line.startsWith("event:")) kind = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { kind, data: data.length ? JSON.parse(data.join("\n")) : null };
}

async function streamRewrite(request, onEvent) {
  const response = await fetch("/v1/rewrite", {
    method: "POST",
    headers: apiHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(request),
  });
  if (!response.ok) throw Object.assign(new Error(await errorMessage(response)), { status: response.status });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (raw.trim()) onEvent(parseEvent(raw));
    }
  }
}

// --- showing the result --------------------------------------------------------------------

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function cardLink(id, title) {
  const link = el("a", { href: `/v1/guidance/cards/${encodeURIComponent(id)}`, className: "card-link", text: title || id });
  link.addEventListener("click", (event) => {
    event.preventDefault();
    openCard(id);
  });
  return link;
}

async function openCard(id) {
  const dialog = $("card-dialog");
  $("card-title").textContent = id;
  $("card-source").textContent = "";
  $("card-body").textContent = "Loading…";
  dialog.showModal();
  const response = await fetch(`/v1/guidance/cards/${encodeURIComponent(id)}`, { headers: apiHeaders() });
  if (!response.ok) {
    $("card-body").textContent = await errorMessage(response);
    return;
  }
  const card = await response.json();
  $("card-title").textContent = card.title;
  $("card-source").textContent = card.source;
  $("card-body").replaceChildren(...renderMarkdown(card.body));
}

// The cards' markdown (headings, lists, paragraphs, *emphasis* and **strong**), built as DOM nodes:
// the text is never parsed as HTML.
function inline(text) {
  const nodes = [];
  const pattern = /(\*\*|__)(.+?)\1|(\*|_)(?!\s)(.+?)\3/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(match[2] !== undefined ? el("strong", { text: match[2] }) : el("em", { text: match[4] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function renderMarkdown(markdown) {
  const blocks = [];
  let list = null;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) blocks.push(el("p", {}, ...inline(paragraph.join(" "))));
    paragraph = [];
  };
  for (const raw of markdown.split("\n")) {
    const line = raw.trim();
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    const item = line.match(/^[-*+]\s+(.*)$/);
    if (heading) {
      flush();
      list = null;
      blocks.push(el(`h${Math.min(6, heading[1].length + 2)}`, {}, ...inline(heading[2])));
    } else if (item) {
      flush();
      if (!list) blocks.push((list = el("ul")));
      list.append(el("li", {}, ...inline(item[1])));
    } else if (!line) {
      flush();
      list = null;
    } else {
      list = null;
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

function findingItem(finding) {
  const item = el("li", { className: `finding level-${finding.level}` },
    el("span", { className: `badge badge-${finding.level}`, text: finding.level }), " ");
  if (finding.match && !finding.message.includes(finding.match)) item.append(el("q", { text: finding.match }), " ");
  item.append(finding.message);
  if (finding.suggestion) item.append(" ", el("span", { className: "suggestion", text: `Try: ${finding.suggestion}` }));
  if (finding.card) item.append(" ", cardLink(finding.card, "why?"));
  return item;
}

// What the reply still needs: the agent's own words first, then what the analysis still finds in it.
function renderOpen(result) {
  const list = $("open-findings");
  list.replaceChildren();
  for (const need of result.needs_words || []) {
    const item = el("li", { className: "finding level-warning needs-words" },
      el("span", { className: "badge badge-warning", text: "your words" }), " ", el("q", { text: need.sentence }), ` ${need.reason}`);
    for (const card of need.cites || []) item.append(" ", cardLink(card, "why?"));
    list.append(item);
  }
  for (const finding of result.analysis.rewrite.findings) list.append(findingItem(finding));
  if (!list.children.length) list.append(el("li", { text: "Nothing left open." }));
}

function renderFindings(analysis, fixed = null) {
  const list = $("findings");
  list.replaceChildren();
  if (!analysis.findings.length) list.append(el("li", { text: "Nothing to fix: well done." }));
  for (const finding of analysis.findings) {
    const item = findingItem(finding);
    if (fixed) item.append(" ", el("span", { className: fixed.has(finding.rule) ? "fixed" : "not-fixed",
      text: fixed.has(finding.rule) ? "fixed in the reply" : "still in the reply" }));
    list.append(item);
  }
}

function renderDiff(diff) {
  const box = $("diff");
  box.replaceChildren();
  for (const [op, text] of diff) {
    if (op === "=") box.append(text);
    else if (op === "-") box.append(el("del", {}, el("span", { className: "sr-only", text: "removed: " }), text));
    else box.append(el("ins", {}, el("span", { className: "sr-only", text: "added: " }), text));
  }
}

// The shown result, and the changes the agent has turned down.
const current = { result: null, request: null, rejected: new Set() };

function renderChanges(result) {
  const titles = Object.fromEntries(result.citations.map((c) => [c.card, c.title]));
  const list = $("changes");
  list.replaceChildren();
  for (const change of result.changes) {
    if (!(change.before || "").trim() && !(change.after || "").trim()) continue;
    const what = change.kind === "added" ? `added “${change.after}”`
      : change.kind === "removed" ? `removed “${change.before}”`
      : `“${change.before}” → “${change.after}”`;
    const keep = el("input", { type: "checkbox", className: "keep", "data-change": change.id || "" });
    keep.checked = true;
    keep.disabled = !change.id || !change.rewrite_span;  // a model's change has no place to undo it from
    keep.addEventListener("change", () => {
      if (keep.checked) current.rejected.delete(change.id);
      else current.rejected.add(change.id);
      item.classList.toggle("rejected", !keep.checked);
      renderReply(recompose(current.result, current.rejected));
      checkReply();
    });
    const item = el("li", {}, el("label", { className: "keep-label" }, keep, el("span", { className: "sr-only", text: "Keep this change: " })),
      " ", el("strong", { text: what }), ` — ${change.reason || "edited"}`);
    for (const card of change.cites) item.append(" ", cardLink(card, titles[card] || card));
    list.append(item);
  }
}

// coach's reply with the turned-down changes put back as the draft had them, last first so earlier spans hold.
function recompose(result, rejected) {
  let text = result.rewrite;
  const undone = result.changes.filter((c) => rejected.has(c.id) && c.rewrite_span)
    .sort((a, b) => (b.rewrite_span[0] - a.rewrite_span[0]) || ((b.rewrite_span[1] - b.rewrite_span[0]) - (a.rewrite_span[1] - a.rewrite_span[0])));
  for (const change of undone) {
    const [start, end] = change.rewrite_span;
    let back = change.before || "";
    if (change.kind === "removed" && back) {
      if (start > 0 && !/\s$/.test(text.slice(0, start))) back = " " + back;
      if (end < text.length && !/^\s/.test(text.slice(end))) back += " ";
    }
    text = text.slice(0, start) + back + text.slice(end);
  }
  return text.replace(/^\s+/, "").replace(/[ \t]{2,}/g, " ");
}

let checkTimer = null;

// Ask the server whether the reply as it stands still keeps every fact and carries no error.
async function checkReply() {
  clearTimeout(checkTimer);
  if (!current.request) return null;
  const status = $("check-status");
  status.textContent = "Checking…";
  status.className = "";
  const body = { draft: current.request.draft, reply: $("rewrite-text").innerText, context: current.request.context };
  const response = await fetch("/v1/check", {
    method: "POST", headers: apiHeaders({ "Content-Type": "application/json" }), body: JSON.stringify(body),
  });
  if (!response.ok) {
    status.textContent = `Could not check the reply: ${await errorMessage(response)}`;
    return null;
  }
  const check = await response.json();
  status.className = check.ok ? "check-ok" : "check-problems";
  status.replaceChildren(check.ok ? "Checked: every fact kept, nothing that must change."
    : el("span", { text: "Before you send: " }), ...check.problems.slice(0, 4).map((p) => el("span", { className: "problem", text: p })));
  return check;
}

function renderScores(result) {
  const { draft, rewrite } = result.analysis;
  const rows = [
    ["Personalisation (higher is better)", draft.personalisation, rewrite.personalisation],
    ["Familiarity risk (lower is better)", draft.familiarity_risk, rewrite.familiarity_risk],
  ];
  $("scores").replaceChildren(...rows.flatMap(([name, before, after]) =>
    [el("dt", { text: name }), el("dd", { text: `${before} → ${after}` })]));
  const facts = result.facts;
  const total = facts.kept.length + facts.missing.length + facts.altered.length;
  let text = `${facts.kept.length} of ${total} facts kept`;
  if (facts.kept.length) text += `: ${facts.kept.map((f) => f.value).join(", ")}`;
  if (facts.missing.length) text += `. Missing: ${facts.missing.map((f) => f.value).join(", ")}`;
  $("facts").textContent = text + ".";
}

function renderEngine(result) {
  const line = $("engine-line");
  line.replaceChildren("Engine: ", el("strong", { text: result.engine }));
  if (result.fallback) line.append(el("span", { className: "fallback", text: ` — fell back to the rules engine: ${result.fallback}` }));
}

function renderNotes(notes) {
  const box = $("notes");
  box.replaceChildren(...(notes || []).map((note) => el("li", { text: note })));
  box.hidden = !box.children.length;
}

// The reply, with every placeholder marked; the agent edits it in place.
function renderReply(text) {
  const box = $("rewrite-text");
  box.replaceChildren();
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) box.append(text.slice(last, match.index));
    box.append(el("mark", { className: "placeholder", text: match[0] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) box.append(text.slice(last));
}

function renderResult(result) {
  current.result = result;
  current.rejected = new Set();
  $("check-status").replaceChildren();
  $("rewrite-text").classList.remove("in-progress");
  $("progress-note").hidden = true;
  renderReply(result.rewrite);
  renderEngine(result);
  renderNotes(result.notes);
  renderDiff(result.diff);
  renderChanges(result);
  renderScores(result);
  const open = new Set(result.analysis.rewrite.findings.map((f) => f.rule));
  renderOpen(result);
  renderFindings(result.analysis.draft, new Set(result.analysis.draft.findings.map((f) => f.rule).filter((r) => !open.has(r))));
  $("copy-button").disabled = false;
}

function startResult() {
  const section = $("result");
  section.hidden = false;
  section.setAttribute("aria-busy", "true");
  for (const id of ["rewrite-text", "diff", "changes", "findings", "open-findings", "scores", "facts", "engine-line", "copy-status"]) {
    $(id).replaceChildren();
  }
  $("replaced-note").hidden = true;
  $("progress-note").hidden = true;
  $("rewrite-text").classList.remove("in-progress");
  $("notes").hidden = true;
  $("copy-button").disabled = true;
}

// --- wiring -----------------------------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  current.request = null;
  showError("");
  const draft = $("draft");
  if (!draft.value.trim()) {
    draft.setAttribute("aria-invalid", "true");
    showError("Write or paste your draft reply first.");
    draft.focus();
    return;
  }
  draft.removeAttribute("aria-invalid");
  const button = $("rewrite-button");
  button.disabled = true;
  $("status").textContent = "Rewriting…";
  startResult();
  let finished = false;
  try {
    const request = buildRequest();
    await streamRewrite(request, ({ kind, data }) => {
      if (kind === "analysis") renderFindings(data);
      else if (kind === "delta") {  // the model's words as they come: not checked yet
        $("rewrite-text").classList.add("in-progress");
        $("progress-note").hidden = false;
        $("rewrite-text").append(data.text);
      }
      else if (kind === "replaced") {
        $("rewrite-text").textContent = data.rewrite;
        $("replaced-note").textContent = `The first version was replaced (${data.reason}).`;
        $("replaced-note").hidden = false;
      } else if (kind === "result") {
        renderResult(data);
        current.request = request;
        finished = true;
      } else if (kind === "error") showError(data.message);
    });
    if (finished) {
      $("status").textContent = "Rewrite ready.";
      $("result-heading").focus();
    } else {  // an error event, or a stream that ended early: nothing half-done stays on screen
      $("status").textContent = "The rewrite failed.";
      startResult();
      $("result").hidden = true;
    }
  } catch (error) {
    $("status").textContent = "The rewrite failed.";
    startResult();
    $("result").hidden = true;
    showError(error.message || "The rewrite failed.");
    if (error.status === 401) {
      $("settings").open = true;
      $("api-key").focus();
    }
  } finally {
    $("result").setAttribute("aria-busy", "false");
    button.disabled = false;
  }
}

async function copyReply() {
  const text = $("rewrite-text").innerText;
  const gaps = [...text.matchAll(PLACEHOLDER)].map((m) => m[0]);
  if (gaps.length) {  // never copy a reply with a gap in it
    $("copy-status").textContent = `Not copied: fill ${gaps.join(", ")} first.`;
    $("copy-status").className = "copy-blocked";
    return;
  }
  $("copy-status").className = "";
  const check = await checkReply();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const scratch = el("textarea", { "aria-hidden": "true", className: "offscreen" });
    scratch.value = text;
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  $("copy-status").textContent = check && !check.ok ? "Copied — see what to fix before you send." : "Copied to the clipboard.";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = $("rewrite-form");
  const key = $("api-key");
  key.value = sessionStorage.getItem(KEY_STORAGE) || "";
  key.addEventListener("input", () => sessionStorage.setItem(KEY_STORAGE, key.value.trim()));
  form.addEventListener("submit", submit);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  $("copy-button").addEventListener("click", copyReply);
  $("rewrite-text").addEventListener("input", () => {  // the agent's own edits are checked once they pause
    clearTimeout(checkTimer);
    checkTimer = setTimeout(checkReply, 800);
  });
});
