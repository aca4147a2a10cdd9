"""Versioned prompt templates (`prompts/<family>/<version>.md`) and how a rewrite prompt is built.

A template is markdown with front matter (id, description, changelog, status) and three sections, `# system`,
`# user` and `# repair`, holding `{{placeholders}}`. Customer-supplied text is fenced and labelled as
data; fence markers inside that text are removed so it cannot close its own fence.

A version whose front matter says `status: experimental` can be asked for by name (`--prompts rewrite/v2`, the
API's `prompt`), but it is never the default: `latest` skips it until someone promotes it by removing the line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import frontmatter

from coach.config import Settings, get_settings
from coach.models.base import Message
from coach.schemas import Analysis, Fact, Level, Passage, RewriteRequest
from coach.tokens import count_tokens

_SECTION = re.compile(r"^# (system|user|repair)[ \t]*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_FENCE = "~~~"
_VERSION = re.compile(r"^[a-z0-9_-]+/v\d+$")
EXPERIMENTAL = "experimental"
_STATUSES = ("stable", EXPERIMENTAL)


class PromptError(ValueError):
    """A prompt version that does not exist or a template that is malformed."""


@dataclass(frozen=True)
class Template:
    id: str
    description: str
    changelog: tuple[str, ...]
    status: str  # "stable" or "experimental"
    system: str
    user: str
    repair: str

    def fingerprints(self) -> list[str]:
        """The system prompt's own wording (between placeholders): a rewrite that quotes it leaked the prompt."""
        return [part for part in _PLACEHOLDER.split(self.system) if part.strip()]


def versions(family: str = "rewrite", settings: Settings | None = None) -> list[str]:
    """Available versions of a prompt family, oldest first (v2 before v10)."""
    folder = (settings or get_settings()).prompts_dir / family
    found = [f"{family}/{p.stem}" for p in folder.glob("v*.md") if p.stem[1:].isdigit()]
    return sorted(found, key=lambda v: int(v.rsplit("/v", 1)[1]))


def latest(family: str = "rewrite", settings: Settings | None = None) -> str:
    """The newest version that is not experimental: the default for `coach rewrite`, the API and `coach eval run`."""
    found = [v for v in versions(family, settings) if load_template(v, settings).status != EXPERIMENTAL]
    if not found:
        raise PromptError(f"no stable prompt versions of {family!r} in the prompts folder")
    return found[-1]


def load_template(version: str, settings: Settings | None = None) -> Template:
    if not _VERSION.match(version):
        shown = version if len(version) <= 40 else version[:40] + "…"
        raise PromptError(f'prompt version must look like "rewrite/v1", got {shown!r}')
    settings = settings or get_settings()
    try:
        return _load(str(settings.prompts_dir / f"{version}.md"), version)
    except FileNotFoundError:
        known = ", ".join(versions(version.split("/")[0], settings)) or "none"
        raise PromptError(f"unknown prompt version {version!r} (known: {known})") from None


@lru_cache(maxsize=32)
def _load(path: str, version: str) -> Template:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(version)  # load_template names the known versions, not a server path
    post = frontmatter.loads(file.read_text(encoding="utf-8"))
    parts = _SECTION.split(post.content)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    missing = {"system", "user", "repair"} - sections.keys()
    if missing:
        raise PromptError(f"{file}: missing section(s) {', '.join(sorted(missing))}")
    status = str(post.get("status", "stable"))
    if status not in _STATUSES:
        raise PromptError(f"{file}: status must be one of {', '.join(_STATUSES)}, got {status!r}")
    return Template(
        id=str(post.get("id", version)),
        description=str(post.get("description", "")),
        changelog=tuple(post.get("changelog") or ()),
        status=status,
        system=sections["system"],
        user=sections["user"],
        repair=sections["repair"],
    )


def render(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def fence(label: str, text: str | None) -> str:
    body = (text or "").replace(_FENCE, "~ ~ ~").strip() or "(none)"
    return f"{_FENCE} {label}\n{body}\n{_FENCE}"


def guidance_block(passages: list[Passage], budget_tokens: int) -> tuple[str, list[Passage]]:
    """The passages that fit in the token budget, best first, and the text that lists them."""
    lines: list[str] = []
    used: list[Passage] = []
    spent = 0
    for passage in passages:
        entry = f"[{passage.card or passage.source}] {passage.title}: {passage.text.strip()}"
        cost = _entry_tokens(entry)
        if spent + cost > budget_tokens:
            continue
        lines.append(entry)
        used.append(passage)
        spent += cost
    return ("\n\n".join(lines) or "(none)"), used


@lru_cache(maxsize=512)  # the same cards come back request after request
def _entry_tokens(entry: str) -> int:
    return count_tokens(entry)


def _facts_block(facts: list[Fact]) -> str:
    return "\n".join(f"- {fact.value}  ({fact.kind})" for fact in facts) or "(none)"


def _findings_block(analysis: Analysis) -> str:
    lines = []
    for finding in analysis.findings:
        if finding.level is Level.suggestion:
            continue
        where = f' "{finding.match}"' if finding.match else ""
        hint = f" -> {finding.suggestion}" if finding.suggestion else ""
        lines.append(f"- [{finding.level.value}]{where}: {finding.message}{hint}")
    return "\n".join(lines) or "(none)"


TOKENS_PER_WORD = 1.5  # English prose in cl100k, with room for names and numbers
ANSWER_OVERHEAD_TOKENS = 400  # the JSON around the rewrite: the changes list and the cited cards


def answer_token_bound(request: RewriteRequest, cap: int) -> int:
    """The most tokens a model may answer with: the rewrite at its word limit, the JSON and changes around
    it, and never more than `cap` (COACH_MODEL_MAX_TOKENS). A model that never closes its JSON stops here."""
    words = request.word_limit
    return min(cap, math.ceil(words * TOKENS_PER_WORD) + ANSWER_OVERHEAD_TOKENS)


def build_messages(
    template: Template, request: RewriteRequest, analysis: Analysis, guidance: str, language: str
) -> list[Message]:
    ctx = request.context
    name = ctx.address_as or ctx.customer_name
    history = "\n".join(f"- {h.date.isoformat() if h.date else 'undated'}: {h.note}" for h in ctx.history)
    values = {
        "address": name or "no name known: do not invent one",
        "name": name or "(unknown)",
        "language": language,
        "max_words": str(request.word_limit),
        "channel": ctx.channel.value,
        "tone": request.tone.value,
        "guidance": guidance,
        "facts": _facts_block(analysis.facts),
        "keep": "\n".join(f"- {k}" for k in request.constraints.keep) or "(none)",
        "findings": _findings_block(analysis),
        "customer_message": fence("CUSTOMER MESSAGE", ctx.customer_message),
        "history": fence("HISTORY", history),
        "draft": fence("DRAFT", request.draft),
    }
    return [Message("system", render(template.system, values)), Message("user", render(template.user, values))]


def repair_message(template: Template, violations: list[str]) -> Message:
    listed = "\n".join(f"- {v}" for v in violations)
    return Message("user", render(template.repair, {"violations": listed}))


def prompt_tokens(messages: list[Message]) -> int:
    return sum(count_tokens(m.content) for m in messages)
