"""The rules engine's wording, as data: `knowledge/phrases/*.yaml`, validated with pydantic and cached.

A malformed file fails loudly with the file and the field, e.g.
``acknowledgements.yaml: sadness.0.long: Field required``.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, PrivateAttr, ValidationError, field_validator, model_validator

from coach.analysis.data import read_yaml
from coach.analysis.emotion import EMOTIONS
from coach.analysis.text import normalise_phrase, phrases_pattern
from coach.config import get_settings
from coach.schemas import Channel

Register = Literal["long", "short"]  # long: email; short: chat, social, phone
NextStepKind = Literal["options", "find_out", "look_into", "hand_over", "follow_up"]
_FLAGS = re.IGNORECASE | re.MULTILINE


class PhraseError(ValueError):
    """A phrase file is missing or malformed."""


def _regex(value: Any) -> re.Pattern[str]:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a regular expression (a string)")
    try:
        return re.compile(value, _FLAGS)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc


Regex = Annotated[re.Pattern[str], PlainValidator(_regex)]


def _containing(placeholder: str) -> AfterValidator:
    def check(value: str) -> str:
        if placeholder not in value:
            raise ValueError(f"must contain {placeholder}")
        return value

    return AfterValidator(check)


NameTemplate = Annotated[str, _containing("{name}")]
DateTemplate = Annotated[str, _containing("{date}")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Registered(_Strict):
    """One wording per register."""

    long: str = Field(min_length=1)
    short: str = Field(min_length=1)

    def text(self, register: Register) -> str:
        return self.long if register == "long" else self.short


# --- greetings.yaml --------------------------------------------------------------------------


class GreetingTemplates(_Strict):
    named: NameTemplate
    titled: NameTemplate
    anonymous: str


class Greetings(_Strict):
    registers: dict[Channel, Register]
    templates: dict[Register, GreetingTemplates]
    greeting_words: list[str] = Field(min_length=1)
    bare_words: list[str]
    casual_words: list[str]
    address_words: list[str]
    lowercase_after: list[str]
    opening_thanks: Regex
    signoffs: list[Regex]

    @model_validator(mode="after")
    def _complete(self) -> Greetings:
        missing = [c.value for c in Channel if c not in self.registers]
        if missing:
            raise ValueError(f"registers: no register for {', '.join(missing)}")
        if set(self.templates) != {"long", "short"}:
            raise ValueError("templates: need exactly 'long' and 'short'")
        return self


# --- acknowledgements.yaml -------------------------------------------------------------------


class AckVariant(_Strict):
    cues: list[str] = Field(default_factory=list, description="The variant fits when the customer's message has one.")
    apology: bool = Field(default=False, description="Says sorry: skipped when the draft apologises already.")
    long: str = Field(min_length=1)
    short: str = Field(min_length=1)

    _cue_regex: re.Pattern[str] | None = PrivateAttr(default=None)

    def model_post_init(self, __context: Any) -> None:
        self._cue_regex = re.compile(phrases_pattern(self.cues), re.IGNORECASE) if self.cues else None

    def fits(self, message: str) -> bool:
        return self._cue_regex is None or self._cue_regex.search(message) is not None

    def text(self, register: Register) -> str:
        return self.long if register == "long" else self.short


class Acknowledgements(_Strict):
    emotions: dict[str, list[AckVariant]]

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: Any) -> Any:
        return {"emotions": data} if isinstance(data, dict) else data

    @field_validator("emotions")
    @classmethod
    def _usable(cls, value: dict[str, list[AckVariant]]) -> dict[str, list[AckVariant]]:
        for emotion, variants in value.items():
            if emotion not in EMOTIONS:
                raise ValueError(f"{emotion}: not an emotion the detector reports ({', '.join(EMOTIONS)})")
            if not variants or variants[-1].cues or variants[-1].apology:
                raise ValueError(f"{emotion}: the last variant must have no cues and no apology, so one always fits")
        return value


# --- next_steps.yaml, history.yaml -----------------------------------------------------------


class NextSteps(_Strict):
    lines: dict[NextStepKind, Registered]
    refusals: list[Regex] = Field(min_length=1)

    @field_validator("lines")
    @classmethod
    def _all_kinds(cls, value: dict[str, Registered]) -> dict[str, Registered]:
        missing = set(NextStepKind.__args__) - set(value)
        if missing:
            raise ValueError(f"missing lines: {', '.join(sorted(missing))}")
        return value


class HistoryTemplates(_Strict):
    dated: DateTemplate
    undated: str


class History(_Strict):
    templates: dict[Register, HistoryTemplates]
    date_formats: dict[str, str]
    sensitive: list[Regex]

    @field_validator("date_formats")
    @classmethod
    def _has_default(cls, value: dict[str, str]) -> dict[str, str]:
        if "default" not in value:
            raise ValueError("needs a 'default' format")
        for locale, fmt in value.items():
            names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name}
            if not names <= {"day", "month", "year"}:
                raise ValueError(f"{locale}: only {{day}}, {{month}} and {{year}} may be used")
        return value


# --- sentences.yaml --------------------------------------------------------------------------


class SentenceTemplate(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    rules: list[str] = Field(min_length=1)
    pattern: Regex
    replace: str
    short: str | None = None
    next_step: NextStepKind | None = None
    unless_next_step: bool = False
    lower_next: bool = False
    reason: str = Field(min_length=1)
    cites: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _groups_exist(self) -> SentenceTemplate:
        known = set(self.pattern.groupindex)
        for text in (self.replace, self.short or ""):
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            if used - known:
                raise ValueError(f"replace uses {sorted(used - known)}, which the pattern does not capture")
        return self


class Sentences(_Strict):
    macros: dict[str, str] = Field(default_factory=dict)
    templates: list[SentenceTemplate]

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        """Macros and the apostrophe convention are applied before the patterns compile."""
        if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
            return data
        macros = data.get("macros") or {}
        templates = []
        for raw in data["templates"]:
            if isinstance(raw, dict) and isinstance(raw.get("pattern"), str):
                raw = {**raw, "pattern": expand_pattern(raw["pattern"], macros)}
            templates.append(raw)
        return {**data, "templates": templates}


def expand_pattern(pattern: str, macros: dict[str, str]) -> str:
    """Macros in, then each apostrophe: ['’]? in the pattern, '’ inside a [character class]."""
    for name, body in macros.items():
        pattern = pattern.replace(f"<{name}>", body)
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "'":
            out.append("'’" if in_class else "['’]?")
        else:
            in_class = (in_class and char != "]") or (not in_class and char == "[")
            out.append(char)
    return "".join(out)


# --- tone.yaml, spelling.yaml ----------------------------------------------------------------


class ToneAction(_Strict):
    action: Literal["remove", "swap", "remove_sentence", "lowercase", "collapse", "exclamations"]
    swap: dict[str, str] = Field(default_factory=dict)
    otherwise: Literal["remove", "keep", "remove_sentence"] = "keep"
    tidy_sentence: bool = False
    next_step: NextStepKind | None = None

    @field_validator("swap", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {normalise_phrase(str(k)): "" if v is None else str(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _swap_needs_map(self) -> ToneAction:
        if self.action == "swap" and not self.swap:
            raise ValueError("a swap action needs a swap map")
        return self


class Tone(_Strict):
    actions: dict[str, ToneAction]
    keep_upper: list[str]
    protect: list[Regex] = Field(default_factory=list, description="Wording never edited, like a fact.")


class Spelling(_Strict):
    apostrophes: dict[str, str]
    its_before: list[str]

    _followers: frozenset[str] | None = PrivateAttr(default=None)

    def followers(self) -> frozenset[str]:
        """Lower-case words after which "its" means "it is"."""
        if self._followers is None:
            self._followers = frozenset(w.lower() for w in self.its_before)
        return self._followers


# --- loading ---------------------------------------------------------------------------------


class Phrases(_Strict):
    greetings: Greetings
    acknowledgements: Acknowledgements
    next_steps: NextSteps
    history: History
    sentences: Sentences
    tone: Tone
    spelling: Spelling

    _sentence_rules: frozenset[str] | None = PrivateAttr(default=None)

    def register(self, channel: Channel) -> Register:
        return self.greetings.registers[channel]

    def sentence_rules(self) -> frozenset[str]:
        """Rules whose findings the sentence templates rewrite."""
        if self._sentence_rules is None:
            self._sentence_rules = frozenset(rule for t in self.sentences.templates for rule in t.rules)
        return self._sentence_rules


_FILES: dict[str, type[BaseModel]] = {
    "greetings": Greetings, "acknowledgements": Acknowledgements, "next_steps": NextSteps,
    "history": History, "sentences": Sentences, "tone": Tone, "spelling": Spelling,
}  # fmt: skip


def load_phrases(directory: Path | None = None) -> Phrases:
    """Every phrase file under `directory` (default knowledge/phrases), validated; cached per directory."""
    return _load_unresolved(directory or get_settings().knowledge_dir, "phrases" if directory is None else "")


@lru_cache(maxsize=8)
def _load_unresolved(directory: Path, sub: str) -> Phrases:
    return _load((directory / sub).resolve())  # resolving costs system calls: once per path, not per rewrite


@lru_cache(maxsize=8)
def _load(directory: Path) -> Phrases:
    parts: dict[str, BaseModel] = {}
    for name, model in _FILES.items():
        path = directory / f"{name}.yaml"
        if not path.is_file():
            raise PhraseError(f"phrase file {name}.yaml not found in {directory}")
        try:
            parts[name] = model.model_validate(read_yaml(path))
        except ValidationError as exc:
            raise PhraseError(_describe(path, exc)) from exc
        except ValueError as exc:  # DataError: unreadable file or invalid YAML
            raise PhraseError(str(exc)) from exc
    return Phrases.model_validate(parts)


def _describe(path: Path, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part != "emotions") or "(top level)"
        problems.append(f"{path.name}: {where}: {error['msg']}")
    return "; ".join(problems)
