"""Request and response models of the HTTP API. The engine's own models (coach.schemas) are reused as they
are; these add only what HTTP needs (the stream switch, envelopes for lists, health reports, errors)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.api.detail import LIST_CAP, Detail
from coach.schemas import Analysis, Context, FactCheck, IngestReport, Passage, RewriteRequest  # noqa: F401 (re-exported)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain some text, not only whitespace")
    return value


class RewriteCall(RewriteRequest):
    """A rewrite request, plus `stream` to get server-sent events instead of one JSON result."""

    stream: bool = Field(
        default=False, strict=True, description="Answer with server-sent events (same as Accept: text/event-stream); true or false, not a string."
    )

    detail: Detail = Field(
        default="standard",
        description=f'"standard": each list in the answer shows at most {LIST_CAP} items, and a note says what was left '
        'out (a very long draft stays a small answer); "full": every item.',
    )

    _draft_not_blank = field_validator("draft")(_not_blank)

    def engine_request(self) -> RewriteRequest:
        return RewriteRequest.model_validate(self.model_dump(exclude={"stream", "detail"}))


class AnalyzeCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draft: str = Field(min_length=1, max_length=50_000)
    context: Context = Field(default_factory=Context)
    detail: Detail = Field(default="standard", description=f"As for /v1/rewrite: at most {LIST_CAP} items per list unless \"full\".")

    _draft_not_blank = field_validator("draft")(_not_blank)


class CheckCall(BaseModel):
    """A reply the agent edited (changes accepted or rejected, a placeholder filled), to check against the draft."""

    model_config = ConfigDict(extra="forbid")

    draft: str = Field(min_length=1, max_length=50_000)
    reply: str = Field(min_length=1, max_length=50_000)
    context: Context = Field(default_factory=Context)
    detail: Detail = "standard"

    _not_blank = field_validator("draft", "reply")(_not_blank)


class CheckResult(BaseModel):
    ok: bool = Field(description="True when the reply keeps every fact, adds no commitment and has no error-level finding.")
    problems: list[str] = Field(description="What stops it being sent as it is, in the words the rewrite's verification uses.")
    facts: FactCheck
    analysis: Analysis = Field(description="The reply's own findings and scores.")


class SearchResults(BaseModel):
    query: str
    k: int
    tag: str | None = None
    passages: list[Passage]


class CardSummary(BaseModel):
    id: str
    title: str
    source: str
    tags: list[str] = Field(default_factory=list)


class Card(CardSummary):
    body: str = Field(description="The card's text (markdown).")


class IngestCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rebuild: bool = Field(
        default=False,
        description="Rebuild from scratch into a new collection, swapped in when complete (e.g. after changing the "
        "embedding model).",
    )


class Health(BaseModel):
    status: str = "ok"
    version: str


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    local_only: bool = Field(description="No API keys configured: loopback clients only.")
    checks: dict[str, Check]


class FieldError(BaseModel):
    field: str = Field(description='Dotted path of the field, e.g. "draft" or "context.customer_name".')
    message: str
    type: str = ""


class ErrorBody(BaseModel):
    error: str = Field(description="Short machine-readable code, e.g. unauthorized, rate_limited, invalid_request.")
    message: str = Field(description="What went wrong and what to do about it.")
    request_id: str | None = None
    fields: list[FieldError] | None = Field(default=None, description="For 422: each invalid field.")
