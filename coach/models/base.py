"""The one interface every rewrite backend implements.

A backend gets a `RewriteJob` (the request, the draft's analysis, the retrieved guidance and the
built prompt) and returns a `ModelOutput`. The LLM backend reads `job.messages`; the rules engine
reads `job.analysis`. Adding a provider is one new subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field

from coach.schemas import Analysis, Change, Passage, RewriteRequest, Usage


class BackendError(Exception):
    """The backend could not produce a usable answer (down, timed out, malformed reply, ...). `raw`: what the
    model answered, when it answered something that could not be used."""

    def __init__(self, message: str, raw: str | None = None) -> None:
        super().__init__(message)
        self.raw = raw


@dataclass
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass
class RewriteJob:
    request: RewriteRequest
    analysis: Analysis
    guidance: list[Passage] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    violations: list[str] = field(default_factory=list, repr=False)  # set on the repair attempt
    max_tokens: int | None = None  # the answer's bound (coach.models.answer_budget)
    deadline: float | None = None  # time.monotonic() by which the model part must be done, stream included


@dataclass
class ModelOutput:
    text: str
    changes: list[Change] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)  # guidance card ids the backend says it followed
    usage: Usage = field(default_factory=Usage)
    raw: str = ""  # the model's answer as it came, before parsing


class Backend(ABC):
    name: str

    @abstractmethod
    def rewrite(self, job: RewriteJob) -> ModelOutput: ...

    def complete(self, messages: list[Message]) -> str:
        """The model's plain answer to `messages` (an eval judge, a probe). Raises BackendError."""
        raise BackendError(f"{self.name} answers rewrite jobs only")

    def stream(self, job: RewriteJob) -> Iterator[str | ModelOutput]:
        """Text deltas as they are produced, then the parsed `ModelOutput` as the last item.

        Backends that cannot stream yield the whole text once.
        """
        output = self.rewrite(job)
        yield output.text
        yield output
