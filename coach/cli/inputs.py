"""Reading a draft and its context from arguments, files and stdin: shared by `coach lint` and `coach rewrite`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from coach.schemas import Channel, Context



# Options shared by every command that takes a draft and its context.
DraftArg = Annotated[str | None, typer.Argument(help="The draft text; '-' or nothing (with a pipe) reads stdin.", show_default=False)]
FileOpt = Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")]
NameOpt = Annotated[str | None, typer.Option("--name", help="Customer's name, e.g. 'Sarah Okafor'.")]
AddressAsOpt = Annotated[str | None, typer.Option("--address-as", help="How they like to be addressed, e.g. 'Ms Okafor'.")]
MessageOpt = Annotated[str | None, typer.Option("--customer-message", help="The customer's message.")]
HistoryOpt = Annotated[list[str] | None, typer.Option("--history", help="A past interaction, 'YYYY-MM-DD: note' or a note; repeatable.")]
ChannelOpt = Annotated[Channel | None, typer.Option("--channel", help="email, chat, social or phone.")]
LocaleOpt = Annotated[str | None, typer.Option("--locale", help="e.g. en-GB, en-US (reads 03/04 dates).")]
ContextFileOpt = Annotated[Path | None, typer.Option("--context", help="Context as a JSON or YAML file; flags override it.")]


def context_from_options(
    context_file: Path | None,
    name: str | None,
    address_as: str | None,
    customer_message: str | None,
    history: list[str] | None,
    channel: Channel | None,
    locale: str | None,
) -> Context:
    flags = {
        "customer_name": name, "address_as": address_as, "customer_message": customer_message,
        "channel": channel.value if channel else None, "locale": locale,
    }  # fmt: skip
    return build_context(context_file, flags, history or [])


class UsageProblem(Exception):
    """Bad input from the user: exit 2 with a message, no traceback."""


def read_draft(draft: str | None, file: Path | None) -> str:
    if draft is not None and file is not None:
        raise UsageProblem("give the draft as an argument or with --file, not both")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"cannot read draft file {file}: {exc}") from exc
    elif draft == "-" or (draft is None and not sys.stdin.isatty()):
        text = sys.stdin.read()
    elif draft is None:
        raise UsageProblem("no draft: pass it as an argument, with --file, or on stdin")
    else:
        text = draft
    if not text.strip():
        raise UsageProblem("the draft is empty")
    return text


def build_context(path: Path | None, flags: dict[str, Any], history: list[str]) -> Context:
    from pydantic import ValidationError

    data: dict[str, Any] = _read_context_file(path) if path else {}
    data.update({key: value for key, value in flags.items() if value is not None})
    items = list(data.get("history", []) or []) + list(history)  # strings are read by PastInteraction
    if items:
        data["history"] = items
    try:
        return Context.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'context'}: {e['msg']}" for e in exc.errors())
        raise UsageProblem(f"invalid context: {problems}") from exc


def _read_context_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read context file {path}: {exc}") from exc
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise UsageProblem(f"context file {path} is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageProblem(f"context file {path} must hold a mapping (customer_name, customer_message, history, ...)")
    if "name" in data and "customer_name" not in data:
        data["customer_name"] = data.pop("name")
    return data
