"""The pydantic models every face shares: the CLI's --json, the HTTP API and the evals."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Channel(str, Enum):
    email = "email"
    chat = "chat"
    social = "social"
    phone = "phone"


class PastInteraction(BaseModel):
    """A short note about an earlier contact, e.g. "2026-10-02: parcel arrived late, apologised"."""

    note: str = Field(min_length=1, max_length=2000)
    date: dt.date | None = None


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
