"""Strip web boilerplate from articles saved off the web.

Two kinds of noise: single lines (share buttons, "Skip to content", log-in
prompts, tag lists) that are dropped wherever they stand, and *tail markers*
("Leave a Reply", "Comments", "Read More", ...) after which the rest of the page
is comment forms and links to other articles, so everything from there is cut.
"""

from __future__ import annotations

import re

_TAIL_MARKERS = re.compile(
    r"""^(
        leave\ a\ (reply|comment) | comments? | \d+\ comments? | post\ a\ comment | add\ comment
      | read\ more | related(\ posts|\ articles|\ stories)? | you\ (may|might)\ also\ like
      | knowledge\ cent(re|er) | more\ from\ .{1,40} | share\ this(\ article|\ post)?:?
      | like\ this:? | tags?:.* | filed\ under:?.* | posted\ in:?.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_NOISE_LINES = re.compile(
    r"""^(
        skip\ to\ (main\ )?content | menu | search | close | home | subscribe
      | share | tweet | email | print | pin\ it | facebook | twitter | linkedin | whatsapp | reddit
      | like\ loading\.{0,3} | loading\.{0,3}
      | fill\ in\ your\ details\ below.* | you\ are\ commenting\ using\ your\ .* | connecting\ to\ %s
      | (wordpress(\.com)?|google|twitter|facebook|gravatar|x)\ (logo|photo|picture|account)
      | log\ (in|out)(\ to\ (reply|comment))?\.? | sign\ (in|up) | cancel\ reply | notify\ me\ of\ (new\ )?(comments|posts).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# "Automotive | Consumer Brands | Customer Experience | ..." — a list of tag links.
_TAG_LIST = re.compile(r"^[^|.!?]{1,40}(\s\|\s[^|.!?]{1,40}){2,}$")


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    return bool(_NOISE_LINES.match(stripped) or _TAG_LIST.match(stripped))


def strip_boilerplate(text: str) -> str:
    kept: list[str] = []
    for line in text.replace("\u00a0", " ").splitlines():
        stripped = line.strip()
        if _TAIL_MARKERS.match(stripped):
            break
        if stripped and is_boilerplate(stripped):
            continue
        kept.append(line.rstrip())
    return _collapse_blank_lines("\n".join(kept)).strip()


def _collapse_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text)
