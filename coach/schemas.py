"""The pydantic models every face shares: the CLI's --json, the HTTP API and the evals."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


class Channel(str, Enum):
    email = "email"
    chat = "chat"
    social = "social"
    phone = "phone"


_DATED_NOTE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[:\-–—]\s*(.+)$", re.DOTALL)
HISTORY_FORMS = (
    "a past interaction is a string ('2026-02-20: engineer no-show', or just a note) "
    'or an object {"note": "...", "date": "YYYY-MM-DD"}'
)


class PastInteraction(BaseModel):
    """A short note about an earlier contact, e.g. "2026-10-02: parcel arrived late, apologised".

    Given as an object, or as a string: "YYYY-MM-DD: note" (the date is read off) or a plain note."""

    note: str = Field(min_length=1, max_length=2000)
    date: dt.date | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            dated = _DATED_NOTE.match(value)
            return {"date": dated.group(1), "note": dated.group(2).strip()} if dated else {"note": value.strip()}
        if not isinstance(value, dict | PastInteraction):
            raise ValueError(HISTORY_FORMS)
        return value


class Context(BaseModel):
    """What coach knows about the customer and the conversation, besides the draft."""

    model_config = ConfigDict(extra="forbid")

    customer_name: str | None = Field(default=None, max_length=200, examples=["Sarah Okafor"])
    address_as: str | None = Field(
        default=None, max_length=200, description='How the customer likes to be addressed, e.g. "Mr Okafor".'
    )
    customer_message: str | None = Field(default=None, max_length=20_000)
    history: list[PastInteraction] = Field(default_factory=list, max_length=1000)
    channel: Channel = Channel.email
    locale: str = Field(default="en", max_length=20)


# --- knowledge -----------------------------------------------------------------


class Passage(BaseModel):
    """One retrieved chunk of guidance, with where it came from."""

    text: str
    source: str = Field(description="Path of the file the chunk came from.")
    title: str
    section: str
    chunk: int
    card: str | None = Field(default=None, description="Guidance card id, when the source is one of our cards.")
    tags: list[str] = Field(default_factory=list)
    score: float = Field(description="Cosine similarity to the query, 1 is identical.")


class IngestReport(BaseModel):
    files: int = 0
    chunks: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    tokens: int = 0
    seconds: float = 0.0
    skipped: dict[str, str] = Field(default_factory=dict, description="path -> why it was skipped")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def skipped_files(self) -> int:
        return len(self.skipped)


# --- analysis ------------------------------------------------------------------


class Level(str, Enum):
    error = "error"
    warning = "warning"
    suggestion = "suggestion"


class Finding(BaseModel):
    """One thing the analysis noticed in a draft, with where it is and what to do about it."""

    rule: str = Field(description='Rule id, e.g. "over-familiar.address", or "personal.name-missing" for context checks.')
    category: str
    level: Level
    message: str
    suggestion: str | None = None
    start: int = Field(ge=0, description="Character offset of the match in the draft (0 when the finding is an absence).")
    end: int = Field(ge=0)
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    match: str = ""
    replacement: str | None = Field(default=None, description="From the rule's swap map: what to put instead ('' = remove).")
    card: str | None = Field(default=None, description="Guidance card the rule enforces.")


class PersonalCheck(BaseModel):
    """One personalisation check and the points it earned; applicable=False means the context could not tell."""

    id: str
    applicable: bool
    passed: bool
    points: int
    max_points: int
    detail: str
    card: str | None = None


class Emotion(BaseModel):
    model_config = ConfigDict(frozen=True)  # detection is cached per text, so results share these

    name: str = Field(description="anger, frustration, worry, urgency, sadness or gratitude.")
    score: float = Field(ge=0, le=1)
    cues: list[str] = Field(default_factory=list)


class Fact(BaseModel):
    """A protected fact: a value a rewrite must carry over unchanged."""

    model_config = ConfigDict(frozen=True)  # extraction is cached, so one Fact may be shared by many results

    kind: str = Field(description="order, ticket, tracking, product_code, reference, amount, percentage, date, time, duration, url, email, phone, token (a word over 200 characters, kept verbatim).")
    value: str = Field(description="As written in the text.")
    normal: str = Field(description="Normalised form used for comparison, e.g. 'GBP 45.00' or '2026-03-12'.")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class FactChange(BaseModel):
    before: Fact
    after: Fact


class Commitment(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between results by the fact guard's cache

    kind: str = Field(description="refund, replacement, compensation, guarantee or deadline.")
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class FactCheck(BaseModel):
    """A rewrite compared with its draft: which facts survived and what the rewrite invented."""

    kept: list[Fact] = Field(default_factory=list)
    missing: list[Fact] = Field(default_factory=list)
    altered: list[FactChange] = Field(default_factory=list)
    added: list[Fact] = Field(default_factory=list, description="In the rewrite, but neither in the draft nor the context.")
    new_commitments: list[Commitment] = Field(default_factory=list)
    protected_changed: list[str] = Field(
        default_factory=list, description="Quoted (>) lines or signature blocks of the draft that the rewrite changed."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.added or self.new_commitments or self.protected_changed)


class Analysis(BaseModel):
    """What the deterministic analysis says about one text."""

    findings: list[Finding] = Field(default_factory=list)
    personalisation: int = Field(ge=0, le=100, description="0-100; explained by `checks`.")
    familiarity_risk: int = Field(ge=0, le=100, description="0-100; explained by the risk-category findings.")
    checks: list[PersonalCheck] = Field(default_factory=list)
    emotions: list[Emotion] = Field(default_factory=list, description="Detected in the customer's message.")
    facts: list[Fact] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="What the analysis left out and why, e.g. sentences past the tone model's limit."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_errors(self) -> bool:
        return any(finding.level is Level.error for finding in self.findings)


# --- rewrite -------------------------------------------------------------------


class Tone(str, Enum):
    warm_professional = "warm-professional"
    formal = "formal"
    plain = "plain"


class EngineChoice(str, Enum):
    auto = "auto"  # the LLM when one is configured, else the rules engine
    rules = "rules"
    llm = "llm"


class Constraints(BaseModel):
    """What the agent insists on."""

    model_config = ConfigDict(extra="forbid")

    max_words: int | None = Field(default=None, ge=5, le=5000, description="The rewrite may not be longer than this.")
    keep: list[str] = Field(
        default_factory=list, max_length=50, description="Wording that must appear verbatim in the rewrite."
    )


class RewriteRequest(BaseModel):
    """Everything one rewrite needs; the CLI, the API and the evals all build one of these."""

    model_config = ConfigDict(extra="forbid")

    draft: str = Field(min_length=1, max_length=50_000, examples=["hey mate, your order #48213 is delayed again lol."])
    context: Context = Field(default_factory=Context)
    tone: Tone = Tone.warm_professional
    constraints: Constraints = Field(default_factory=Constraints)
    engine: EngineChoice = EngineChoice.auto
    prompt: str | None = Field(default=None, description='Prompt version, e.g. "rewrite/v1"; default: the newest stable one.')

    @property
    def word_limit(self) -> int:
        """The longest rewrite allowed: the agent's `max_words`, else room for a greeting and an acknowledgement."""
        return self.constraints.max_words or max(60, int(len(self.draft.split()) * 1.6) + 40)


class Change(BaseModel):
    """One edit: what was there, what is there now, why, and the guidance it follows."""

    id: str = Field(default="", description='Stable within one result ("c1", "c2", ...): the page accepts or rejects changes by id.')
    kind: str = Field(description="added, removed or replaced.")
    before: str = ""
    after: str = ""
    reason: str
    cites: list[str] = Field(default_factory=list, description="Guidance card ids the edit follows.")
    draft_span: tuple[int, int] | None = Field(default=None, description="[start, end) of `before` in the draft; None for an addition.")
    rewrite_span: tuple[int, int] | None = Field(default=None, description="[start, end) of `after` in the rewrite; for a removal, an empty span where its words were. None where unknown (a model's changes).")


class Placeholder(BaseModel):
    """A gap only the agent can fill, e.g. "[what you can offer instead]"; a reply is not sent while one is left."""

    text: str = Field(description='As it stands in the rewrite, brackets included.')
    hint: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class NeedsWords(BaseModel):
    """A sentence the editor left as it was because no safe edit exists: the agent rewords it."""

    sentence: str
    reason: str
    start: int = Field(ge=0, description="Offset of the sentence in the rewrite.")
    end: int = Field(ge=0)
    cites: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    card: str
    title: str
    source: str


class Attempt(BaseModel):
    """One try at a rewrite: which engine, and what verification said about it."""

    engine: str
    ok: bool
    violations: list[str] = Field(default_factory=list)
    error: str | None = None
    ms: float = 0.0


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class AnalysisPair(BaseModel):
    draft: Analysis
    rewrite: Analysis


class RewriteResult(BaseModel):
    """The one result every face shows."""

    rewrite: str
    engine: str = Field(description='"rules" or "llm:<model>": what produced `rewrite`.')
    fallback: str | None = Field(default=None, description="Why the rules engine served instead of the LLM, if it did.")
    prompt_version: str | None = None
    changes: list[Change] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    diff: list[tuple[str, str]] = Field(default_factory=list, description='Word-level: ("=" | "-" | "+", text).')
    analysis: AnalysisPair
    facts: FactCheck
    attempts: list[Attempt] = Field(default_factory=list)
    placeholders: list[Placeholder] = Field(default_factory=list, description="Gaps the agent must fill before sending.")
    needs_words: list[NeedsWords] = Field(default_factory=list, description="Sentences left for the agent to reword, with why.")
    notes: list[str] = Field(default_factory=list, description="Remarks for the agent, e.g. why the draft came back unchanged.")
    usage: Usage = Field(default_factory=Usage)
    timings_ms: dict[str, float] = Field(default_factory=dict)
