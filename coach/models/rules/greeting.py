"""The greeting: the customer's name in the form they use, one greeting only.

An existing greeting is repaired in place ("hey," -> "Hi Sarah,", "Dear Customer," -> "Dear Sarah,",
"Hi John," -> "Hi Sarah,"); one is added only when the draft has none and the name is known.
The greeting marker goes right after it: in the short register a later step decides whether the
next sentence runs on ("Hi Sarah, your parcel ...") or starts a new line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.analysis.personal import load_personal_lexicon
from coach.models.rules.phrases import Greetings, Register
from coach.models.rules.work import Work, words
from coach.schemas import Context, Finding, Tone


@dataclass(frozen=True)
class Name:
    text: str  # as written in the greeting: "Sarah", "Mr Okafor"
    titled: bool


def name_for(context: Context) -> Name | None:
    """`address_as` when given; else the first name, or the whole name when it starts with a title."""
    titles = {t.lower() for t in load_personal_lexicon().titles}
    if context.address_as and context.address_as.strip():
        text = " ".join(context.address_as.split())
        return Name(text, text.split()[0].rstrip(".").lower() in titles)
    words = (context.customer_name or "").split()
    if not words:
        return None
    if words[0].rstrip(".").lower() in titles and len(words) > 1:
        return Name(f"{words[0]} {words[-1]}", True)
    return Name(words[0], False)


_REGEXES: dict[int, tuple[Greetings, re.Pattern[str]]] = {}


def _greeting_regex(greetings: Greetings) -> re.Pattern[str]:
    cached = _REGEXES.get(id(greetings))
    if cached is None or cached[0] is not greetings:
        cached = _REGEXES[id(greetings)] = (greetings, _compile_greeting(greetings))
    return cached[1]


def _compile_greeting(greetings: Greetings) -> re.Pattern[str]:
    lex = load_personal_lexicon()
    words = "|".join(re.escape(w) for w in sorted(greetings.greeting_words, key=len, reverse=True)).replace(r"\ ", r"\s+")
    address = "|".join(re.escape(w) for w in sorted(greetings.address_words, key=len, reverse=True)).replace(r"\ ", r"\s+")
    not_names = "|".join(re.escape(w) for w in sorted(lex.not_names, key=len, reverse=True))
    titles = "|".join(sorted(lex.titles, key=len, reverse=True))
    token = rf"(?:(?i:{address})|(?!(?i:{not_names})(?![\w'’-]))(?:(?:{titles})\.?|[A-Z][\w'’-]*))(?![\w'’-])"
    return re.compile(
        rf"^(?P<indent>[ \t]*)(?P<word>(?i:{words}))(?![\w'’-])(?P<names>(?:[ \t]+{token}){{0,4}})(?P<punct>[ \t]*[,!?.:;]+|[ \t]*[-–—])?"
    )


def fix_greeting(work: Work, context: Context, greetings: Greetings, register: Register, tone: Tone,
                 add_new: bool, findings: list[Finding]) -> None:  # fmt: skip
    text = work.text
    name = name_for(context)
    top = _content_lines(work)
    if not top:
        return
    line_start, line_end = next(((s, e) for s, e in top if not _only_slots(work, text[s:e])), top[0])
    line = text[line_start:line_end]
    match = _greeting_regex(greetings).match(line) if not _only_slots(work, line) else None
    if match and not (match.group("names") or match.group("punct")) and line[match.end() :].strip():
        if " ".join(match.group("word").lower().split()) not in greetings.bare_words:
            match = None  # "Morning deliveries are full" is not a greeting
    marker = work.markers.greeting

    if match is None:
        if name is None or not add_new:
            return
        line_start = top[0][0]  # above any quoted lines
        greeting = _template(greetings, register, name, tone)
        joint = "\n\n" if register == "long" else ("\n" if _only_slots(work, text[line_start : top[0][1]]) else " ")
        work.text = text[:line_start] + greeting + marker + joint + text[line_start:]
        work.greeting_written = True
        work.added_words += words(greeting)
        work.log("added", "", greeting, f"Greets the customer by name, as {name.text}.", ["use-the-name"])
        return

    old_start = line_start + len(match.group("indent"))
    old_end = line_start + match.end()
    word = " ".join(match.group("word").split())
    said = " ".join(w for w in match.group("names").split() if w.lower() not in {a.lower() for a in greetings.address_words})
    if not said and not match.group("punct") and (lower := _name_in_lower_case(context, line[match.end() :])):
        said, old_end = lower.group(1), old_end + lower.end()  # "hi sarah"
    is_casual = word.lower() in {w.lower() for w in greetings.casual_words}
    if name is None:
        new = greetings.templates[register].anonymous if is_casual and register == "long" else None
    elif said.replace(".", "") in _acceptable(context, name) and not (is_casual and register == "long"):
        new = None
    elif is_casual:
        new = _template(greetings, register, name, tone)
    else:
        new = f"{word[0].upper()}{word[1:]} {name.text},"
    if new is None:  # fine as it is: only mark where it ends
        work.text = text[:old_end] + marker + text[old_end:]
        return

    rest = old_end
    while rest < line_end and text[rest] in " \t":
        rest += 1
    joint = ("\n\n" if register == "long" else " ") if rest < line_end else ""
    work.text = text[:old_start] + new + marker + joint + text[rest:]
    work.greeting_written = True
    cites = ["use-the-name"] + (["channel-informality"] if is_casual and register == "long" else [])
    if any(f.rule == "over-familiar.casual-greeting" for f in findings):
        cites.append("no-mate-talk")
    work.log("replaced", text[old_start:old_end], new, _reason(name, word, is_casual, said), cites)


def _content_lines(work: Work, limit: int = 40) -> list[tuple[int, int]]:
    """(start, end) of the first non-blank lines, up to the first that is not only quoted lines."""
    lines = []
    position = 0
    text = work.text
    while position < len(text) and len(lines) < limit:
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        if text[position:end].strip():
            lines.append((position, end))
            if not _only_slots(work, text[position:end]):
                break
        position = end + 1
    return lines


def _only_slots(work: Work, line: str) -> bool:
    return all(work.is_slot(ch) or ch.isspace() for ch in line)


def _name_in_lower_case(context: Context, rest: str) -> re.Match[str] | None:
    words = {w for w in f"{context.customer_name or ''} {context.address_as or ''}".split() if w[:1].isalpha()}
    if not words:
        return None
    names = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.match(rf"[ \t]+((?:{names})(?:[ \t]+(?:{names}))*)(?![\w'’-])[ \t]*[,!?.:;]*", rest, re.IGNORECASE)


def _acceptable(context: Context, name: Name) -> set[str]:
    """Forms of the name a greeting may already use: the preferred one; without a preference also
    the full name and a title with the surname ("Mrs Okafor")."""
    forms = {name.text.replace(".", "")}
    words = (context.customer_name or "").replace(".", "").split()
    if not context.address_as and words:
        forms.add(" ".join(words))
        forms.update(f"{title} {words[-1]}" for title in load_personal_lexicon().titles if len(words) > 1)
    return forms


def _template(greetings: Greetings, register: Register, name: Name, tone: Tone) -> str:
    templates = greetings.templates[register]
    return (templates.titled if name.titled or tone is Tone.formal else templates.named).format(name=name.text)


def _reason(name: Name | None, word: str, casual: bool, said: str) -> str:
    if name is None:
        return f'"{word}" is too casual an opening for this channel.'
    if said and said != name.text:
        return f'The greeting names "{said}"; the customer is addressed as {name.text}.'
    if casual:
        return f'Replaced the casual "{word}" with a greeting that uses the customer\'s name ({name.text}).'
    return f"Greets the customer by name, as {name.text}."


def join_greeting(work: Work, register: Register, lowercase_after: list[str]) -> None:
    """Short register: "Hi Sarah, your parcel ..." when the next word allows it, else a new line."""
    marker = work.markers.greeting
    text = work.text
    at = text.find(marker)
    if at < 0 or not work.greeting_written:
        return
    after = text[at + 1 :]
    if register == "short" and after.startswith(" ") and after[1:2].strip():
        word = after[1:].split(" ", 1)[0]
        if word == "I" or word.startswith(("I'", "I’")):
            pass
        elif word.lower().strip(",.!?") in {w.lower() for w in lowercase_after}:
            after = " " + after[1].lower() + after[2:]
        else:
            after = "\n" + after[1:]
    work.text = text[: at + 1] + after  # the marker stays: capitals need to know where the greeting ends
