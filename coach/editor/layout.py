"""The draft as regions: greeting, body sentences, sign-off, and the parts never touched (quoted lines, signature).

A single line break inside a paragraph is a soft wrap (email drafts are often wrapped at 70 to 110
columns), so a sentence may span lines. A line break is a boundary after closing punctuation or a colon,
before a list item, and around the greeting and sign-off lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from coach.analysis.regions import protected_regions

GREETING_WORDS = (
    r"(?:hi|hello|hey|hiya|heya|g['’]?day|dear|greetings|good\s+(?:morning|afternoon|evening)|morning|afternoon|evening|yo|howdy|alright|oi|sup)"
)
# "Hi Ms. Park,": a title's full stop is part of the greeting, not its end
_GREETING = re.compile(rf"^\s*{GREETING_WORDS}\b(?P<rest>(?:\b(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.|[^\n.!?]){{0,60}}?)\s*(?P<end>!+|[,:]|—|(?<=\s)-(?=\s)|\.|$)", re.IGNORECASE)
_GREETING_LINE = re.compile(rf"^\s*{GREETING_WORDS}\b[^\n]{{0,60}}$", re.IGNORECASE)
SIGNOFF = re.compile(
    r"^(?:kind(?:est)?\s+regards|warm(?:est)?\s+regards|best\s+regards|regards|best(?:\s+wishes)?|all\s+the\s+best|"
    r"many\s+thanks|thanks(?:\s+(?:again|so\s+much))?|thank\s+you(?:\s+again)?|cheers|sincerely|yours\s+(?:sincerely|faithfully|truly)|"
    r"warm(?:est)?\s+wishes|speak\s+soon|take\s+care|with\s+thanks|ta|thx|have\s+a\s+(?:great|good|nice|lovely)\s+(?:day|evening|weekend))"
    r"\b[ \t,.!]*(?-i:[A-Z][\w.'’-]*(?:[ \t]+[A-Z&][\w.'’-]*){0,4}[ \t]*)?[.!]?$",
    re.IGNORECASE,
)
_INLINE_SIGNOFF = re.compile(
    r"^(?:kind(?:est)?\s+regards|warm(?:est)?\s+regards|best\s+regards|regards|best\s+wishes|many\s+thanks|sincerely|"
    r"yours\s+(?:sincerely|faithfully|truly)|cheers|thanks|thank\s+you)\s*[,!.]?\s*(?-i:[A-Z])[\w'’.-]*(?:[ ,]+[A-Z&][\w'’.-]*){0,5}\.?$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
# A sentence ends at its punctuation, or at an emoji that stands in for it ("... dinner party 😂 Anyway, I've").
_BOUNDARY = re.compile(
    r"(?<=[.!?…])[\"'’”)\]]*\s+|(?<=[.!?])[\"'’”)\]]*$|"
    "(?<=[\U0001F300-\U0001FAFF\u2600-\u27BF])[\uFE0F\u200D]*\\s+(?=[A-Za-z])"
)
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|mr|mrs|ms|dr|st|approx|etc|vs|inc|ltd|co|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|u\.s|a\.m|p\.m)\.)$", re.IGNORECASE)


def is_greeting(text: str) -> bool:
    text = text.strip()
    if not text[:1].isupper():
        return False
    return bool(_GREETING_LINE.match(text)) and len(text.split()) <= 6 and text.rstrip()[-1:] in (",", "!", ":", "") or (
        bool(_GREETING_LINE.match(text)) and len(text.split()) <= 4
    )


def is_signoff(text: str) -> bool:
    text = text.strip()
    return bool(SIGNOFF.match(text)) and len(text.split()) <= 8 and text[:1].isupper()


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int


@dataclass
class Layout:
    draft: str
    greeting: tuple[int, int] | None = None  # the greeting's span in the draft ("Hi Sarah,")
    greeting_inline: bool = False  # the body goes on after the greeting on the same line
    signoff: tuple[int, int] | None = None  # from the sign-off line to the end of the agent's text
    body: list[Sentence] = field(default_factory=list)
    tail: int = 0  # where the untouched tail (sign-off, quotes, signature) starts
    protected: list[tuple[int, int]] = field(default_factory=list)  # quoted lines and the signature

    def body_text(self) -> str:
        return " ".join(s.text for s in self.body)


def read_layout(draft: str, names: tuple[str, ...] = ()) -> Layout:
    """The draft's regions. `names`: what the customer is called; a draft that opens by calling them by one
    ("Bronwyn, assessors are ...") has that as its greeting."""
    layout = Layout(draft=draft)
    regions = protected_regions(draft)
    layout.protected = [(r.start, r.end) for r in regions]
    agent_end = min([r.start for r in regions if r.kind == "signature"], default=len(draft))
    lines = _lines(draft, 0, agent_end, layout.protected)

    # greeting: the first line, when it opens with a greeting word
    body_start = 0
    if lines:
        start, end = lines[0]
        match = _GREETING.match(draft, start, end)
        if match and _greeting_ok(match, draft[start:end]):
            g_end = match.end("end") if match.group("end") else match.end("rest")
            joined = re.match(r"\s*and\b\s*", draft[match.start("rest") : end], re.I)
            if joined:  # "Hello and thank you for ...": the greeting is "Hello and"; the thanks is a sentence
                g_end = match.start("rest") + joined.end()
            layout.greeting = (start + len(draft[start:end]) - len(draft[start:end].lstrip()), g_end)
            rest = draft[g_end:end].strip()
            layout.greeting_inline = bool(rest)
            body_start = g_end if rest else end
            if not rest:
                lines = lines[1:]
            else:
                lines[0] = (g_end, end)
        else:
            body_start = start
            vocative = _vocative(draft[start:end], names)
            if vocative:
                layout.greeting, layout.greeting_inline = (start, start + vocative), True
                body_start = start + vocative + len(draft[start + vocative : end]) - len(draft[start + vocative : end].lstrip())
                lines[0] = (body_start, end)
    # sign-off: the last lines, from a sign-off line on (a name line may follow it)
    sign_at = None
    for index in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
        s, e = lines[index]
        if is_signoff(draft[s:e]):
            sign_at = index
            break
    if sign_at is not None:
        layout.signoff = (lines[sign_at][0], agent_end)
        lines = lines[:sign_at]
    layout.body = _sentences(draft, lines, body_start)
    if layout.signoff is None and len(layout.body) > 1 and _INLINE_SIGNOFF.match(layout.body[-1].text):
        # "... what that involves. Kind regards, Amira, Privacy Team": a sign-off run on in the last paragraph
        last = layout.body.pop()
        layout.signoff = (last.start, agent_end)
    layout.tail = layout.signoff[0] if layout.signoff else agent_end
    return layout


def _vocative(line: str, names: tuple[str, ...]) -> int:
    """The length of "Name," when the line opens by calling the customer by one of `names`, else 0."""
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        m = re.match(rf"\s*{re.escape(name)}\s*,\s*(?=\w)", line)
        if m:
            return m.end() - (len(m.group()) - len(m.group().rstrip()))
    return 0


def _greeting_ok(match: re.Match[str], line: str) -> bool:
    """"Morning deliveries are full" opens with a greeting word but is no greeting."""
    rest = match.group("rest").strip()
    if match.group("end") in (",", "!", ":", "—", "-") or not line[match.end() - match.start() :].strip():
        return len(rest.split()) <= 4
    return rest.lower().startswith(("and ", "there")) or not rest


def _lines(text: str, start: int, end: int, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-blank lines of text[start:end] outside the protected regions, as spans."""
    out = []
    starts = [ps for ps, _ in protected]  # sorted: regions come in text order
    for m in re.finditer(r"[^\n]+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        at = bisect_right(starts, s) - 1  # the last region starting at or before s: one lookup, not a scan
        if not m.group().strip() or (at >= 0 and s < protected[at][1]):
            continue
        out.append((s, e))
    return out


def _sentences(draft: str, lines: list[tuple[int, int]], body_start: int) -> list[Sentence]:
    """Sentences of the body lines; a soft line break continues the sentence."""
    sentences: list[Sentence] = []
    paragraph = 0
    chunk: list[tuple[int, int]] = []
    previous_end = None

    def flush() -> None:
        if chunk:
            sentences.extend(_split(draft, chunk[0][0], chunk[-1][1], paragraph))
            chunk.clear()

    for s, e in lines:
        line = draft[s:e].strip()
        if previous_end is not None:
            gap = draft[previous_end:s]
            prev_line = draft[chunk[-1][0] : chunk[-1][1]].rstrip() if chunk else ""
            if gap.count("\n") >= 2:
                flush()
                paragraph += 1
            elif _LIST_ITEM.match(line) or prev_line.endswith((":", ".", "!", "?", "…")) or _LIST_ITEM.match(prev_line):
                flush()
        chunk.append((s + len(draft[s:e]) - len(draft[s:e].lstrip()), e - (len(draft[s:e]) - len(draft[s:e].rstrip()))))
        previous_end = e
    flush()
    return sentences


def _split(draft: str, start: int, end: int, paragraph: int) -> list[Sentence]:
    out: list[Sentence] = []
    piece_start = start
    text = draft[start:end]
    for m in _BOUNDARY.finditer(text):
        cut = start + m.start()
        before = draft[piece_start:cut]
        if _ABBREVIATION.search(before) or not re.search(r"\w", before):  # "🤗💕 Your membership": no sentence yet
            continue
        nxt = draft[start + m.end() : start + m.end() + 1]
        if re.search(r"\bno\.$", before, re.I) and re.match(r"#|\S*\d", draft[start + m.end() : start + m.end() + 20]):
            continue  # "order no. 4471"
        if re.search(r"\b(?:no|ref|tel|approx)\.$", before, re.I) and re.match(r"\s*(?:and|or|to|so|for|with|&)\s", draft[start + m.end() : start + m.end() + 8]):
            continue  # "DM us the tracking no. and we'll look into it": the sentence goes on
        _add(out, draft, piece_start, cut, paragraph)
        piece_start = start + m.end()
    _add(out, draft, piece_start, end, paragraph)
    return out


def _add(out: list[Sentence], draft: str, start: int, end: int, paragraph: int) -> None:
    piece = draft[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    s = start + len(piece) - len(piece.lstrip())
    out.append(Sentence(s, s + len(stripped), stripped, paragraph))


def split_greeting(text: str) -> str | None:
    """What follows an inline greeting ("Hi Jamie, thanks for ..." -> "thanks for ..."), or None."""
    match = _GREETING.match(text)
    if match and match.group("end") in (",", "!", "—", "-") and text[match.end() :].strip():
        return text[match.end() :].strip()
    return None
