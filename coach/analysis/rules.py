"""Rules as data, in the spirit of Vale: `knowledge/rules/*.yaml`, loaded and run by one small engine.

A rule finds words or patterns in a draft and reports them at its level. Kinds:

- ``existence``: every match is a finding.
- ``substitution``: like existence, and the ``swap`` map says what to write instead ('' = remove).
- ``occurrence``: a finding when the matches in one scope (the text, or one sentence) exceed ``max``.
- ``conditional``: like existence, but ``unless`` conditions on the sentence or the context can
  change the level of a match or skip it ("I don't know" followed by "I'll find out" is only a suggestion).

Matching is case-insensitive and word-boundary aware; ``exceptions`` are phrases (or
``exception_patterns``) that contain a match but are fine, like "no charge" or "Mr Mate".
Quoted lines and signatures are masked out before any rule runs (see `regions`).
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from coach.analysis.blocks import BlockMemo, by_block
from coach.analysis.data import DataError, lexicon, read_yaml, resolved, rules_dir
from coach.analysis.document import Document
from coach.analysis.engine import CompiledRule
from coach.analysis.text import normalise_phrase
from coach.schemas import Channel, Context, Finding, Level


class RuleKind(str, Enum):
    existence = "existence"
    substitution = "substitution"
    occurrence = "occurrence"
    conditional = "conditional"


class Scope(str, Enum):
    text = "text"
    sentence = "sentence"


class Condition(BaseModel):
    """When every test that is set holds, the match gets level `then` (or is dropped with 'skip')."""

    model_config = ConfigDict(extra="forbid")

    followed_by: list[str] = Field(default_factory=list, description="Regexes; any found later in the same sentence.")
    preceded_by: list[str] = Field(default_factory=list, description="Regexes; any found earlier in the same sentence.")
    channel_in: list[Channel] = Field(default_factory=list)
    context_mentions: str | None = Field(
        default=None, description="'match' or a named group: the customer's message or history mentions that word."
    )
    name_known: bool | None = None
    then: Literal["skip", "error", "warning", "suggestion"]

    @model_validator(mode="after")
    def _has_a_test(self) -> Condition:
        if not (self.followed_by or self.preceded_by or self.channel_in or self.context_mentions or self.name_known is not None):
            raise ValueError("a condition needs at least one test (followed_by, preceded_by, channel_in, context_mentions, name_known)")
        return self


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    context: Context | None = None
    level: Level | None = Field(default=None, description="For a hit: the level expected, when not the rule's own.")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class RuleTests(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hit: list[Example] = Field(min_length=1)
    miss: list[Example] = Field(min_length=1)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")
    category: str
    level: Level
    kind: RuleKind
    message: str = Field(description="May use {match}, {replacement}, {count} and {max}.")
    suggestion: str | None = None
    card: str
    scope: Scope = Scope.text
    tokens: list[str] = Field(default_factory=list, description="Literal words or phrases.")
    patterns: list[str] = Field(default_factory=list, description="Regular expressions.")
    lexicon: str | None = Field(default=None, description="A lexicon whose list adds tokens, or whose map adds swaps.")
    swap: dict[str, str] = Field(default_factory=dict)
    exceptions: list[str] = Field(default_factory=list)
    exception_patterns: list[str] = Field(default_factory=list)
    case_sensitive: bool = False
    max: int | None = Field(default=None, ge=0)
    requires: list[str] = Field(
        default_factory=list,
        description="Speed hint for `patterns`: every match contains one of these words (or 'prefix*'), "
        "so patterns are only tried near them. The rule's hit tests prove the hint right.",
    )
    unless: list[Condition] = Field(default_factory=list)
    tests: RuleTests

    _compiled: CompiledRule = PrivateAttr()

    @field_validator("swap")
    @classmethod
    def _swap_strings(cls, value: dict[str, str]) -> dict[str, str]:
        return {str(k): "" if v is None else str(v) for k, v in value.items()}

    @model_validator(mode="after")
    def _check_and_compile(self) -> Rule:
        if self.kind is RuleKind.substitution and not self.swap:
            raise ValueError("a substitution rule needs a swap map")
        if self.kind is RuleKind.occurrence and self.max is None:
            raise ValueError("an occurrence rule needs max")
        if self.kind is RuleKind.conditional and not self.unless:
            raise ValueError("a conditional rule needs unless conditions")
        if self.kind is not RuleKind.conditional and self.unless:
            raise ValueError("only conditional rules take unless conditions")
        if not (self.tokens or self.swap or self.patterns):
            raise ValueError("a rule needs tokens, patterns or a swap map")
        self._compiled = CompiledRule(self)
        return self

    @property
    def swaps(self) -> dict[str, str]:
        """Normalised phrase -> replacement ('' means remove it)."""
        return dict(self._compiled.swap)

    def replacement_for(self, matched: str) -> str | None:
        return self._compiled.swap.get(normalise_phrase(matched))

    def run(self, doc: Document) -> list[Finding]:
        return self._compiled.run(doc)


# --- the rule set ---------------------------------------------------------------


class RuleSet:
    """All loaded rules, in file order, with the swap maps the rewrite engine needs."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.by_id = {rule.id: rule for rule in rules}
        self._compiled = [rule._compiled for rule in rules]  # a private attribute costs a pydantic lookup per read
        # Counting over the whole text (e.g. exclamation marks in one reply) is the one thing that reads across paragraphs.
        self._across_blocks = [c for c in self._compiled if c.kind == "occurrence" and not c.sentence_scope]
        self._within_blocks = [c for c in self._compiled if c not in self._across_blocks]

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules)

    def categories(self) -> set[str]:
        return {rule.category for rule in self.rules}

    def swaps(self, category: str | None = None) -> dict[str, str]:
        """Normalised phrase -> replacement, merged over the substitution rules (of one category)."""
        merged: dict[str, str] = {}
        for rule in self.rules:
            if category is None or rule.category == category:
                merged.update(rule.swaps)
        return merged

    def run(self, doc: Document) -> list[Finding]:
        return sorted(self._run(doc, self._compiled), key=lambda f: (f.start, f.end, f.rule))

    def run_by_block(self, doc: Document) -> list[Finding]:
        """`run`, remembering the findings of each paragraph: a paragraph seen before under the same
        context is not checked again (see `blocks`). Counts over the whole text are made on the whole text."""
        key = (self, doc.context.model_dump_json())

        def scan(part: str) -> list[Finding]:
            # A text seen for the first time is scanned whole: its own document serves.
            return self._run(doc if part == doc.text else Document(part, doc.context), self._within_blocks)

        def move(finding: Finding, delta: int) -> Finding:
            # The line is recomputed even where the offset holds: a paragraph met at the same offset in
            # another text may sit on another line there.
            start = finding.start + delta
            line, column = doc.lines.line_col(start)
            if not delta and (line, column) == (finding.line, finding.column):
                return finding
            return finding.model_copy(update={"start": start, "end": finding.end + delta, "line": line, "column": column})

        findings = by_block(doc.text, FINDINGS_BY_BLOCK, key, scan, move) + self._run(doc, self._across_blocks)
        return sorted(findings, key=lambda f: (f.start, f.end, f.rule))

    @staticmethod
    def _run(doc: Document, rules: list[CompiledRule]) -> list[Finding]:
        """The rules' findings, in rule order: the callers sort once, after merging."""
        return [finding for rule in rules if rule.may_match(doc) for finding in rule.run(doc)]


FINDINGS_BY_BLOCK = BlockMemo()


def load_rules(directory: Path | None = None) -> RuleSet:
    """Load and validate every rule under `directory` (default: knowledge/rules); cached per directory."""
    return _load(resolved(directory or rules_dir()))


@lru_cache(maxsize=8)
def _load(directory: Path) -> RuleSet:
    if not directory.is_dir():
        raise DataError(f"no rules directory at {directory}")
    lexicons = directory.parent / "lexicons"
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise DataError(f"{path}: expected a mapping with a 'rules' list")
        for raw in data["rules"]:
            rule = _parse_rule(raw, path, lexicons)
            if rule.id in seen:
                raise DataError(f"{path}: rule id {rule.id!r} is already defined in {seen[rule.id].name}")
            seen[rule.id] = path
            rules.append(rule)
    return RuleSet(rules)


def _parse_rule(raw: Any, path: Path, lexicons: Path) -> Rule:
    rule_id = raw.get("id", "?") if isinstance(raw, dict) else "?"
    try:
        if isinstance(raw, dict) and raw.get("lexicon"):
            raw = _with_lexicon(raw, lexicons)
        return Rule.model_validate(raw)
    except (ValidationError, DataError, ValueError) as exc:
        raise DataError(f"{path.name}: rule {rule_id!r} is invalid: {exc}") from exc


def _with_lexicon(raw: dict[str, Any], lexicons: Path) -> dict[str, Any]:
    entries = lexicon(raw["lexicon"], lexicons)
    raw = dict(raw)
    if isinstance(entries, dict):
        raw["swap"] = {**entries, **raw.get("swap", {})}
    elif isinstance(entries, list):
        raw["tokens"] = [*raw.get("tokens", []), *map(str, entries)]
    else:
        raise DataError(f"lexicon {raw['lexicon']!r} must be a list or a mapping")
    return raw
