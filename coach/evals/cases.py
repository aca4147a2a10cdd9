"""Rewrite eval cases: a draft, its context, and what a good rewrite must (and must not) do.

Cases live in ``evals/cases/*.yaml``, grouped by situation. Each file is a list of cases, or a
mapping with one key, ``cases``. Every expectation is checkable without a judge model; the
semantics a runner should apply are spelled out on each `Expect` field:

* words are whitespace-separated tokens (``len(text.split())``, as ``coach.verify`` counts them);
* "contains, case-insensitive" means the phrase matches ignoring case, and where the phrase starts or
  ends with a letter or digit, only at a word boundary there ("mate" does not match "estimate");
* quoted lines are lines whose first non-blank character is ``>`` (``coach.analysis.regions``); phrase
  checks read the whole reply, quotes included, so the loader rejects phrases a kept quote would decide.

`load_cases` validates everything it reads and raises `CaseError` naming the file, the line and the
case id: unknown fields, duplicate ids or YAML keys, facts that are not in the draft, private
details that are not in the history, contradictory expectations.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from coach.config import PROJECT_ROOT
from coach.schemas import Constraints, Context, EngineChoice, RewriteRequest, Tone

DEFAULT_CASES = PROJECT_ROOT / "evals" / "cases"

EmotionName = Literal["anger", "frustration", "worry", "urgency", "sadness", "gratitude"]

# The situations the suite covers; every case carries at least one of these tags. Other tags
# (e.g. "hard", a channel) are free-form slugs.
SITUATION_TAGS: dict[str, str] = {
    "delivery": "late, lost or damaged delivery",
    "repeated": "the customer has contacted us about this before",
    "billing": "wrong charge, double charge, invoice error",
    "refund": "a refund asked for, promised, late or refused",
    "elderly": "an older customer (who said so, or whose history shows it)",
    "loyal": "a long-standing, returning customer",
    "life-event": "the customer shared a wedding, a birth, a move, a new job",
    "grief": "the customer is bereaved",
    "rude": "the customer is rude or abusive",
    "informal": "the customer writes very informally; the reply stays professional",
    "facts-only": "the customer wants facts, not warmth",
    "privacy": "the history holds something sensitive the reply must not bring up",
    "good-draft": "the draft is already good: it must not get worse or longer",
    "quoted-thread": "the draft carries a quoted email thread (> lines)",
    "injection": "the customer's message tries to steer the rewrite",
    "seed": "built from one of the seed articles",
    "other-language": "draft and customer not in English",
}

# Titles a use_name form may add to the customer's name ("Mr Okafor", "Herr Becker").
HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir dame lord lady rev herr frau señor señora don doña madame monsieur".split()
)

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


class CaseError(ValueError):
    """A case file is missing, is not valid YAML, or holds a case that does not validate."""


# --- matching helpers (the semantics the runner should share) ---------------------------


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive match for `phrase`, anchored at word boundaries where it starts/ends with a word character."""
    start = r"(?<!\w)" if phrase[:1].isalnum() or phrase[:1] == "_" else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() or phrase[-1:] == "_" else ""
    return re.compile(start + re.escape(phrase) + end, re.IGNORECASE)


def contains_phrase(text: str, phrase: str) -> bool:
    return bool(phrase_pattern(phrase).search(text))


def quoted_lines(text: str) -> list[str]:
    """The quoted (>) lines of a text, as written."""
    return [m.group(0) for m in _QUOTED_LINE.finditer(text)]


def unquoted_words(text: str) -> int:
    """Words outside quoted lines: what `max_length_ratio` compares."""
    return len(_QUOTED_LINE.sub("", text).split())


# --- the models -----------------------------------------------------------------------------


class Expect(BaseModel):
    """What a good rewrite of the case's draft does. Empty lists and None mean "not checked"."""

    model_config = ConfigDict(extra="forbid")

    keep_facts: list[str] = Field(
        default_factory=list,
        description="Exact strings (order numbers, amounts, dates, links, tracking codes, commitments) that must "
        "appear in the rewrite verbatim, case-sensitive. Each must occur in the draft.",
    )
    use_name: bool | str = Field(
        default=False,
        description="True: the rewrite contains context.address_as, or when there is none, a word of "
        'context.customer_name that is not a title. A string ("Mr Okafor"): the rewrite contains exactly that. '
        "Names match case-sensitively, word-bounded. False: not checked.",
    )
    acknowledge: list[EmotionName] = Field(
        default_factory=list,
        description="Emotions in the customer's message the rewrite must acknowledge, judged with the "
        "`acknowledge` phrases of knowledge/lexicons/emotions.yaml (the emotion's own, or `any`).",
    )
    reference_history: list[str] = Field(
        default_factory=list,
        description="Short key phrases; the rewrite must contain at least one (case-insensitive) to show it "
        "remembers the history or a detail the customer gave. Empty: not checked.",
    )
    history_relevant: bool | None = Field(
        default=None,
        description="Whether a past interaction in the history is about the same subject, order or fault as the "
        "message (then a good reply names it, and reference_history says how). None: not said.",
    )
    must_contain: list[str] = Field(
        default_factory=list,
        description="Phrases the rewrite must contain (case-insensitive, word-bounded). Limited to the case's own "
        "content: each must occur in the draft, the customer's name or message, or the history.",
    )
    must_not_contain: list[str] = Field(
        default_factory=list,
        description="Phrases the rewrite must not contain (case-insensitive, word-bounded): slang, blame, "
        "flat refusals, injected content.",
    )
    must_not_mention: list[str] = Field(
        default_factory=list,
        description="Private or sensitive details from the history that the rewrite must not bring up "
        "(matched like must_not_contain). Each must occur in a history note.",
    )
    must_not_add: list[str] = Field(
        default_factory=list,
        description="Phrases the rewrite must not contain outside the lines the draft quotes (matched like "
        "must_not_contain): an instruction carried in a quoted thread stays quoted, and is never acted on.",
    )
    no_new_commitments: bool = Field(
        default=True,
        description="The rewrite adds no refund, replacement, compensation, guarantee or deadline the draft did "
        "not make, and no fact (amount, date, link, code) that neither the draft nor the context gave.",
    )
    max_length_ratio: float | None = Field(
        default=1.6,
        gt=0,
        description="Words of the rewrite / words of the draft, both counted outside quoted lines, at most this. "
        "About 1.2 for drafts that are already good. None: not checked.",
    )
    max_words: int | None = Field(default=None, ge=1, description="The rewrite has at most this many words.")
    must_keep_quoted: bool = Field(
        default=False, description="Every quoted (>) line of the draft appears in the rewrite unchanged, in order."
    )
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$", description="The language the rewrite is in.")

    @field_validator("keep_facts", "reference_history", "must_contain", "must_not_contain", "must_not_mention", "must_not_add")
    @classmethod
    def _clean_list(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.strip():
                raise ValueError("empty string in list")
            if value != value.strip():
                raise ValueError(f"{value!r} has leading or trailing whitespace")
        duplicates = sorted(v for v, n in Counter(v.casefold() for v in values).items() if n > 1)
        if duplicates:
            raise ValueError(f"listed more than once: {', '.join(duplicates)}")
        return values

    @field_validator("acknowledge")
    @classmethod
    def _unique_emotions(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("an emotion is listed more than once")
        return values

    @field_validator("use_name")
    @classmethod
    def _name_form(cls, value: bool | str) -> bool | str:
        if isinstance(value, str) and not value.strip():
            raise ValueError("use_name must be true, false or a non-empty name form")
        return value


class Case(BaseModel):
    """One rewrite eval case."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_SLUG, max_length=80, description="Unique across all case files.")
    title: str = Field(min_length=1, max_length=200)
    tags: list[str] = Field(min_length=1, description="Situation tags (see SITUATION_TAGS), plus e.g. 'hard'.")
    draft: str = Field(min_length=1, max_length=50_000, description="The agent's draft reply.")
    context: Context = Field(default_factory=Context)
    constraints: Constraints | None = None
    tone: Tone = Tone.warm_professional
    source: str | None = Field(
        default=None, description='Where the case comes from, e.g. "seed: 003_411b0bd50c07810e.txt".'
    )
    cards: list[str] = Field(
        default_factory=list, description="Guidance card ids (knowledge/cards/<id>.md) the case exercises."
    )
    notes: str = Field(default="", description="Why the case is hard, what a naive rewrite gets wrong.")
    expect: Expect = Field(default_factory=Expect)

    _file: Path | None = PrivateAttr(default=None)
    _line: int | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path | None:
        """The YAML file the case was loaded from."""
        return self._file

    @property
    def line(self) -> int | None:
        return self._line

    @property
    def seed_file(self) -> str | None:
        """The seed article's file name when `source` is "seed: <file>"."""
        if self.source and self.source.startswith("seed:"):
            return self.source.removeprefix("seed:").strip()
        return None

    @property
    def word_limit(self) -> int | None:
        """The tighter of expect.max_words and constraints.max_words."""
        limits = [n for n in (self.expect.max_words, self.constraints.max_words if self.constraints else None) if n]
        return min(limits) if limits else None

    def to_request(self, engine: EngineChoice | str = EngineChoice.auto, prompt: str | None = None) -> RewriteRequest:
        """The RewriteRequest a runner sends for this case."""
        return RewriteRequest(
            draft=self.draft,
            context=self.context.model_copy(deep=True),
            tone=self.tone,
            constraints=self.constraints.model_copy(deep=True) if self.constraints else Constraints(),
            engine=EngineChoice(engine),
            prompt=prompt,
        )

    # --- validation -----------------------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _strict_history(cls, data: Any) -> Any:
        # coach.schemas.PastInteraction ignores unknown keys; a typo there ("notes:") would lose the note.
        if isinstance(data, dict) and isinstance(data.get("context"), dict):
            for i, item in enumerate(data["context"].get("history") or []):
                if isinstance(item, dict):
                    unknown = sorted(set(item) - {"note", "date"})
                    if unknown:
                        names = ", ".join(map(str, unknown))
                        raise ValueError(f"context.history[{i}]: unknown field(s) {names} (allowed: note, date)")
        return data

    @field_validator("tags", "cards")
    @classmethod
    def _slugs(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(_SLUG, value):
                raise ValueError(f"{value!r} is not a lowercase slug")
        if len(set(values)) != len(values):
            repeated = sorted(v for v, n in Counter(values).items() if n > 1)
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return values

    @field_validator("tags")
    @classmethod
    def _situation(cls, values: list[str]) -> list[str]:
        if not set(values) & set(SITUATION_TAGS):
            raise ValueError(f"needs at least one situation tag: {', '.join(SITUATION_TAGS)}")
        return values

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("seed:") and not re.fullmatch(r"seed:\s*\S+\.\w+", value):
            raise ValueError('a seed source reads "seed: <article file name>"')
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        problems = self._problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> list[str]:
        e, ctx, draft = self.expect, self.context, self.draft
        problems: list[str] = []
        history = "\n".join(h.note for h in ctx.history)
        quoted = "\n".join(quoted_lines(draft))
        keep = list(self.constraints.keep) if self.constraints else []

        problems += [f"expect.keep_facts: {f!r} does not occur in the draft" for f in e.keep_facts if f not in draft]
        own = "\n".join([draft, ctx.customer_name or "", ctx.address_as or "", ctx.customer_message or "", history])
        problems += [
            f"expect.must_contain: {p!r} is not in the draft or the context (it may only ask for the case's own content)"
            for p in e.must_contain
            if not contains_phrase(own, p)
        ]
        problems += [f"expect.must_contain: {p!r} is also in must_not_contain" for p in e.must_contain if p in e.must_not_contain]
        problems += [f"constraints.keep: {k!r} does not occur in the draft" for k in keep if k not in draft]
        problems += [
            f"expect.must_not_mention: {m!r} does not occur in the history, so the check means nothing"
            for m in e.must_not_mention
            if not contains_phrase(history, m)
        ]
        for field, phrases in (("must_not_contain", e.must_not_contain), ("must_not_mention", e.must_not_mention)):
            for phrase in phrases:
                clash = [f for f in [*e.keep_facts, *keep] if contains_phrase(f, phrase)]
                if clash:
                    problems.append(f"expect.{field}: {phrase!r} is inside a string to keep: {clash[0]!r}")
                if e.must_keep_quoted and contains_phrase(quoted, phrase):
                    problems.append(f"expect.{field}: {phrase!r} is in a quoted line that must be kept")
                if isinstance(e.use_name, str) and contains_phrase(e.use_name, phrase):
                    problems.append(f"expect.{field}: {phrase!r} is inside the expected name {e.use_name!r}")
        if e.must_keep_quoted and not quoted:
            problems.append("expect.must_keep_quoted: the draft has no quoted (>) lines")
        if e.must_keep_quoted:
            problems += [
                f"expect.reference_history: {p!r} is in a quoted line, so keeping the quote would pass the check"
                for p in e.reference_history
                if contains_phrase(quoted, p)
            ]
        if e.use_name is True and not (ctx.customer_name or ctx.address_as):
            problems.append("expect.use_name: the context gives no customer_name or address_as")
        if isinstance(e.use_name, str):
            names = f"{ctx.customer_name or ''} {ctx.address_as or ''}"
            known = {w.casefold() for w in re.findall(r"[\w'’-]+", names)}
            unknown = [w for w in re.findall(r"[\w'’-]+", e.use_name) if w.casefold() not in known | HONORIFICS]
            if unknown:
                problems.append(
                    f"expect.use_name: {e.use_name!r} uses {', '.join(unknown)}, not in customer_name or address_as"
                )
        if e.history_relevant and not ctx.history:
            problems.append("expect.history_relevant: the context has no history")
        if e.history_relevant and not e.reference_history:
            problems.append("expect.history_relevant: say with reference_history how a reply would name the history")
        if e.acknowledge and not ctx.customer_message:
            problems.append("expect.acknowledge: there is no customer_message to have emotions in")
        if e.reference_history and not (ctx.history or ctx.customer_message):
            problems.append("expect.reference_history: the context has neither history nor a customer_message")
        locale_language = ctx.locale.split("-")[0].split("_")[0].lower()
        if locale_language != e.language:
            problems.append(f"expect.language {e.language!r} does not match context.locale {ctx.locale!r}")
        agent_limit = self.constraints.max_words if self.constraints else None
        if e.max_words is not None and agent_limit and e.max_words > agent_limit:
            problems.append("expect.max_words is looser than constraints.max_words")
        return problems


# --- loading -----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys in a mapping (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read(path: Path) -> list[tuple[Any, int, Any]]:
    """The raw case items of one file, each with the line it starts on and its YAML node (for field lines)."""
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(f"{where}: cannot read: {exc}") from exc
    try:
        loader = _StrictLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise CaseError(f"{where}: not valid YAML: {exc}") from exc
    if data is None:
        return []
    if isinstance(data, dict):
        extra = sorted(map(str, set(data) - {"cases"}))
        if extra or "cases" not in data:
            found = ", ".join(extra) or "no cases key"
            raise CaseError(f"{where}: expected a list of cases or a mapping with only 'cases' (found {found})")
        items, seq = data["cases"] or [], next(v for k, v in node.value if k.value == "cases")
    else:
        items, seq = data, node
    if not isinstance(items, list):
        raise CaseError(f"{where}: expected a list of cases, got {type(items).__name__}")
    nodes = list(seq.value) if isinstance(seq, yaml.SequenceNode) else [None] * len(items)
    return [(item, (node.start_mark.line + 1) if node is not None else 0, node) for item, node in zip(items, nodes)]


def _format(exc: ValidationError, where: str = "", node: Any = None) -> str:
    """Each error with the line of the field it is about, and for an unknown key the nearest known one."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            known = _known_keys(Case, err["loc"][:-1])
            close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1, cutoff=0.6)
            msg = "unknown key" + (f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})")
        line = _line_of(node, err["loc"])
        text = f"{loc}: {msg}" if loc else msg
        parts.append(f"line {line}: {text}" if line and where else text)
    return "; ".join(parts)


def _line_of(node: Any, loc: tuple) -> int | None:
    """The line of the key (or item) at `loc` in a YAML node tree; the deepest one found."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _known_keys(model: type[BaseModel], path: tuple) -> list[str]:
    """The field names (and aliases) of the model reached by `path` from `model`."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    return [name for name, f in current.model_fields.items()] + [f.alias for f in current.model_fields.values() if f.alias]


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation (X, X | None, list[X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def load_case_file(path: Path) -> list[Case]:
    """The cases of one YAML file, validated; ids must be unique within it."""
    path = Path(path)
    where = _display(path)
    cases: list[Case] = []
    first_line: dict[str, int] = {}
    for index, (item, line, node) in enumerate(_read(path)):
        label = f"{where}:{line}" if line else where
        if not isinstance(item, dict):
            raise CaseError(f"{label}: case #{index + 1} is not a mapping")
        case_id = item.get("id")
        name = f"case {case_id!r}" if isinstance(case_id, str) else f"case #{index + 1} (no id)"
        try:
            case = Case.model_validate(item)
        except ValidationError as exc:
            raise CaseError(f"{label}: {name}: {_format(exc, where, node)}") from None
        if case.id in first_line:
            raise CaseError(f"{label}: {name}: duplicate id (first on line {first_line[case.id]})")
        first_line[case.id] = line
        case._file, case._line = path, line or None
        cases.append(case)
    return cases


def case_files(path: Path = DEFAULT_CASES) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    if path.is_file():
        return [path]
    raise CaseError(f"{_display(path)}: no such file or directory")


def load_cases(path: Path | str = DEFAULT_CASES, tag: str | None = None) -> list[Case]:
    """All cases under `path` (a directory of *.yaml files, or one file), optionally only those tagged `tag`
    (several tags, comma-separated: a case with any of them).

    Raises CaseError for a bad file, a case that does not validate, an id used twice (across files
    too), or a tag no case carries.
    """
    files = case_files(Path(path))
    if not files:
        raise CaseError(f"{_display(Path(path))}: no case files (*.yaml)")
    cases: list[Case] = []
    seen: dict[str, Case] = {}
    for file in files:
        for case in load_case_file(file):
            if case.id in seen:
                other = seen[case.id]
                raise CaseError(
                    f"{_display(file)}:{case.line}: case {case.id!r}: duplicate id, "
                    f"already in {_display(other.file)}:{other.line}"  # type: ignore[arg-type]
                )
            seen[case.id] = case
            cases.append(case)
    if tag is None:
        return cases
    wanted = [t.strip() for t in tag.split(",") if t.strip()]
    unknown = [t for t in wanted if not any(t in c.tags for c in cases)]
    if unknown:
        raise CaseError(f"no case is tagged {', '.join(repr(t) for t in unknown)}; tags in use: {', '.join(sorted(tag_counts(cases)))}")
    return [c for c in cases if set(wanted) & set(c.tags)]


def tag_counts(cases: list[Case]) -> dict[str, int]:
    """How many cases carry each tag."""
    return dict(sorted(Counter(t for c in cases for t in c.tags).items()))
