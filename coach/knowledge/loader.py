"""Load guidance files (.md with optional front matter, .txt, .html) into clean Documents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import frontmatter

from coach.config import PROJECT_ROOT
from coach.knowledge.clean import strip_boilerplate

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


class LoadError(Exception):
    """A file that cannot be ingested; the message says why."""


@dataclass
class Document:
    path: Path
    source: str
    title: str
    text: str
    card: str | None = None
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    # Words and phrasings agents use for the card's subject: indexed for lexical search only.
    keywords: list[str] = field(default_factory=list)
    # Short texts that come up when the card is the right guidance (agents' searches, customers' messages):
    # each is indexed as its own entry that leads to the card.
    phrasings: list[str] = field(default_factory=list)


def display_path(path: Path) -> str:
    """A stable name for a file: relative to the project when it lies inside it, else absolute.

    Stable whatever the working directory, so ingesting from elsewhere never duplicates chunks.
    """
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def source_path(source: str) -> Path:
    """The file a display path names (the inverse of display_path)."""
    path = Path(source)
    return path if path.is_absolute() else PROJECT_ROOT / path


def discover(paths: list[Path]) -> list[Path]:
    """Files to ingest under the given paths, sorted; directories are walked recursively.

    Inside a folder, README files describe the folder and hidden files are tooling, so
    neither is guidance; a file named explicitly is always taken.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and p.stem.upper() != "README"
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.add(path)
    return sorted(found)


def load_document(path: Path) -> Document:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise LoadError(exc.strerror or str(exc)) from exc

    suffix = path.suffix.lower()
    meta: dict = {}
    if suffix in (".md", ".markdown"):
        try:
            post = frontmatter.loads(raw)
        except Exception as exc:  # the YAML parser raises many types
            raise LoadError(f"bad front matter: {exc}") from exc
        meta, body = dict(post.metadata), post.content
    elif suffix in (".html", ".htm"):
        body = html_to_text(raw)
    elif suffix == ".txt":
        body = raw
    else:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; expected one of {', '.join(SUFFIXES)}")

    text = strip_boilerplate(body)
    if not text.strip():
        raise LoadError("empty after removing boilerplate")

    tags = _strings(meta.get("tags"))
    return Document(
        path=path,
        source=display_path(path),
        title=str(meta.get("title") or guess_title(text) or path.stem),
        text=text,
        card=str(meta["id"]) if meta.get("id") else None,
        tags=[t.lower() for t in tags],
        summary=str(meta["summary"]) if meta.get("summary") else None,
        keywords=_strings(meta.get("keywords")),
        phrasings=_strings(meta.get("phrasings"), split=False),
    )


def _strings(value, split: bool = True) -> list[str]:
    """A front-matter list, or a comma-separated string, as stripped strings."""
    if not value:
        return []
    if isinstance(value, str):
        items = value.split(",") if split else [value]
    else:
        items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if str(item).strip()]


def guess_title(text: str) -> str | None:
    """A markdown H1, or a short first line that does not read like a sentence."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        heading = re.match(r"^#\s+(.+)$", line)
        if heading:
            return heading.group(1).strip()
        if len(line) <= 100 and not line.endswith((".", ",", ";", ":")):
            return line
        return None
    return None


class _TextExtractor(HTMLParser):
    """HTML to markdown-ish text: headings become '#' lines, blocks become paragraphs."""

    SKIP = {"script", "style", "nav", "footer", "aside", "form", "noscript", "svg", "button", "iframe"}
    BLOCKS = {"p", "div", "section", "article", "li", "br", "tr", "blockquote", "pre", "ul", "ol", "table", "main"}
    HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag in self.HEADINGS:
            self.parts.append("\n\n" + "#" * self.HEADINGS[tag] + " ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.HEADINGS or tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [line.strip() for line in "".join(extractor.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
