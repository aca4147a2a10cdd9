"""Split a Document into token-bounded chunks: by headings first, then by paragraphs and sentences.

A document that fits in one chunk stays whole (a guidance card's Do and Don't
lists mean little apart from its principle). Longer ones are split per section,
and sections longer than the bound are split with overlap, counted in tiktoken
tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from coach.knowledge.loader import Document
from coach.tokens import count_tokens

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")  # a byline ("Jane Doe 03/05/2023") is not a heading
# Sections shorter than this are carried into the next one rather than indexed alone.
_MIN_SECTION_TOKENS = 40


@dataclass
class Chunk:
    text: str
    section: str
    index: int
    tokens: int


@dataclass
class Section:
    heading: str
    body: str


def sections(doc: Document) -> list[Section]:
    """Sections by markdown headings, or for plain text by short heading-like lines."""
    found: list[Section] = []
    heading, lines = doc.title, []
    for line in doc.text.splitlines():
        if not found and not "".join(lines).strip() and line.strip() == doc.title:
            continue  # the title line itself is not body text
        new_heading = _heading(line, plain=doc.path.suffix.lower() == ".txt")
        if new_heading is not None:
            if "".join(lines).strip():
                found.append(Section(heading, "\n".join(lines).strip()))
            heading, lines = new_heading, []
        else:
            lines.append(line)
    if "".join(lines).strip():
        found.append(Section(heading, "\n".join(lines).strip()))
    return found


def _heading(line: str, plain: bool) -> str | None:
    stripped = line.strip()
    match = _MD_HEADING.match(stripped)
    if match:
        return match.group(2)
    # In saved web pages headings survive as short lines that are not sentences.
    if plain and 0 < len(stripped) <= 80 and not _DATE.search(stripped) and len(stripped.split()) <= 10 and not stripped.endswith((".", ",", ";", ":", "!", "?", "”", '"')):
        return stripped
    return None


def split_document(doc: Document, chunk_tokens: int, overlap: int, encoding: str) -> list[Chunk]:
    whole = doc.text.strip()
    whole_tokens = count_tokens(whole, encoding)
    if whole_tokens <= chunk_tokens:
        return [Chunk(text=whole, section=doc.title, index=0, tokens=whole_tokens)]

    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=encoding,
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        disallowed_special=(),
    )
    chunks: list[Chunk] = []
    carry = ""
    for section in sections(doc):
        body = f"{carry}\n\n{section.body}".strip() if carry else section.body
        if count_tokens(body, encoding) < _MIN_SECTION_TOKENS:
            carry = body
            continue
        carry = ""
        for piece in splitter.split_text(body):
            piece = piece.strip()
            if piece:
                chunks.append(Chunk(piece, section.heading, len(chunks), count_tokens(piece, encoding)))
    if carry:
        if chunks and chunks[-1].tokens + count_tokens(carry, encoding) <= chunk_tokens:
            last = chunks[-1]
            last.text = f"{last.text}\n\n{carry}"
            last.tokens = count_tokens(last.text, encoding)
        else:
            chunks.append(Chunk(carry, doc.title, len(chunks), count_tokens(carry, encoding)))
    return chunks
