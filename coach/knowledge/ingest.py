"""Index guidance files into Chroma: load → clean → split → embed → upsert.

Chunk ids are derived from the file and the chunk's content, so re-ingesting an
unchanged file touches nothing, a changed file has exactly its changed chunks
replaced, and files deleted from an ingested folder lose their chunks. New
chunks are written before stale ones are deleted, so a crash part-way leaves
the previous index searchable and the next run converges. A rebuild indexes
into a staging collection and swaps it in only when it is complete.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from coach.config import PROJECT_ROOT, Settings
from coach.knowledge.embed import Embedder, get_embedder
from coach.knowledge.loader import Document, LoadError, discover, display_path, load_document, source_path
from coach.knowledge.split import Chunk, split_document
from coach.knowledge.store import begin_rebuild, finish_rebuild, mark_revision, open_collection
from coach.schemas import IngestReport

def chunk_id(source: str, chunk: Chunk, occurrence: int, heading: str = "") -> str:
    """From the file, the chunk and what else is indexed with it (`heading`: the document's title, tags and
    keywords), so a changed card heading re-indexes its chunks like changed text does."""
    digest = hashlib.sha256(f"{source}\x00{heading}\x00{chunk.section}\x00{chunk.text}".encode()).hexdigest()[:32]
    return digest if occurrence == 0 else f"{digest}-{occurrence}"


def embedding_text(doc: Document, chunk: Chunk) -> str:
    """What the embedder sees: the title and section give a short chunk its topic."""
    head = doc.title if chunk.section == doc.title else f"{doc.title} — {chunk.section}"
    return f"{head}\n{chunk.text}"


def metadata(doc: Document, chunk: Chunk) -> dict:
    meta = {
        "source": doc.source,
        "title": doc.title,
        "section": chunk.section,
        "chunk": chunk.index,
        "tokens": chunk.tokens,
        "hash": hashlib.sha256(chunk.text.encode()).hexdigest()[:16],
    }
    if doc.card:
        meta["card"] = doc.card
    if doc.tags:
        meta["tags"] = doc.tags
    if doc.keywords:
        meta["keywords"] = doc.keywords
    if doc.phrasings and chunk.index == 0:
        meta["entries"] = 1 + len(set(doc.phrasings))  # the chunk and the phrasings that lead to it
    return meta


def heading(doc: Document) -> str:
    return "\x00".join([doc.title, ",".join(doc.tags), ",".join(doc.keywords), "\x01".join(doc.phrasings)])


class _Writer:
    """Buffers new chunks across files; each flush writes them, then deletes what they replace."""

    def __init__(self, collection, embedder: Embedder, batch: int) -> None:
        self.collection = collection
        self.embedder = embedder
        self.batch = batch
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.documents: list[str] = []
        self.metadatas: list[dict] = []
        self.stale: list[str] = []

    def add(self, ids, texts, documents, metadatas, stale) -> None:
        self.ids += ids
        self.texts += texts
        self.documents += documents
        self.metadatas += metadatas
        self.stale += stale
        if len(self.ids) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.ids:
            vectors = self.embedder.embed(self.texts)
            self.collection.upsert(
                ids=self.ids, embeddings=vectors, documents=self.documents, metadatas=self.metadatas
            )
        if self.stale:
            self.collection.delete(ids=self.stale)
        self.__init__(self.collection, self.embedder, self.batch)


def indexed_sources(collection) -> dict[str, set[str]]:
    """source path -> ids of its chunks currently in the index."""
    by_source: dict[str, set[str]] = defaultdict(set)
    page, offset = 5000, 0
    while True:
        batch = collection.get(include=["metadatas"], limit=page, offset=offset)
        for chunk_id_, meta in zip(batch["ids"], batch["metadatas"]):
            by_source[(meta or {}).get("source", "")].add(chunk_id_)
        if len(batch["ids"]) < page:
            return by_source
        offset += page


def _revision(collection) -> str:
    """A fingerprint of what the collection holds: its chunk ids, which follow every chunk's content."""
    ids = sorted(chunk for chunks in indexed_sources(collection).values() for chunk in chunks)
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def _as_given(path: Path) -> str:
    """The path as found, a link not followed (display_path names the file a link leads to)."""
    absolute = path.absolute()
    return absolute.relative_to(PROJECT_ROOT).as_posix() if absolute.is_relative_to(PROJECT_ROOT) else absolute.as_posix()


def _refused(path: Path, given: list[Path], max_bytes: int) -> str | None:
    """Why a discovered file is not read: a link that leads out of the folder it was found in, or a file
    over the size limit (a huge file would hold the ingest lock for minutes)."""
    roots = [root.resolve() for root in given if root.is_dir() and path.is_relative_to(root)]
    target = path.resolve()
    if roots and not any(target.is_relative_to(root) for root in roots):
        return "a link to a file outside the folder being ingested: not followed"
    try:
        size = target.stat().st_size
    except OSError as exc:
        return f"cannot read it: {exc.strerror}"
    if size > max_bytes:
        return f"{size:,} bytes, over the {max_bytes:,}-byte limit per file (COACH_INGEST_MAX_FILE_BYTES)"
    return None


def ingest(
    paths: list[Path],
    settings: Settings,
    rebuild: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[str], None] | None = None,
) -> IngestReport:
    started = time.perf_counter()
    embedder = get_embedder(settings)
    if rebuild:
        collection = begin_rebuild(settings, embedder.name)
    else:
        collection = open_collection(settings, embedder.name, create=True)

    report = IngestReport()
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        report.skipped[display_path(path)] = "no such file or directory"
    paths = [p for p in paths if p.exists()]
    files = []
    taken: dict[Path, Path] = {}  # resolved file -> the path it was taken under (a link to it is not read twice)
    refused: list[str] = []
    for path in sorted(discover(paths), key=Path.is_symlink):  # a file before the links to it
        reason = _refused(path, paths, settings.ingest_max_file_bytes)
        if reason is None and path.resolve() in taken:
            reason = f"the same file as {display_path(taken[path.resolve()])}"
        if reason:
            report.skipped[_as_given(path)] = reason
            refused.append(display_path(path))
        else:
            taken[path.resolve()] = path
            files.append(path)
    if on_start:
        on_start(len(files))

    existing = indexed_sources(collection)
    seen: set[str] = set()
    writer = _Writer(collection, embedder, settings.ingest_batch)
    for path in files:
        source = display_path(path)
        seen.add(source)
        try:
            doc = load_document(path)
        except LoadError as exc:
            report.skipped[source] = str(exc)
        else:
            _ingest_document(doc, settings, existing.get(source, set()), writer, report)
        if on_file:
            on_file(source)

    # Files that were ingested from these folders before but are gone now.
    folders = [display_path(p).rstrip("/") + "/" for p in paths if p.is_dir()]
    for source, ids in existing.items():
        gone = source not in seen and any(source.startswith(f) for f in folders) and not source_path(source).exists()
        if gone or (source in refused and source not in seen):  # a file refused now serves no old chunks either
            writer.stale += sorted(ids)
            report.removed += len(ids)
    writer.flush()
    mark_revision(collection, _revision(collection))
    if rebuild:
        finish_rebuild(settings, collection)

    report.seconds = round(time.perf_counter() - started, 3)
    return report


class Entry(NamedTuple):
    """One index entry: its id, the text the embedder sees, the stored document, and its metadata."""

    id: str
    embed: str
    document: str
    metadata: dict


def index_entries(doc: Document, settings: Settings) -> tuple[list[Entry], int]:
    """Everything a document puts in the index (its chunks, then a card's phrasings), and its token count."""
    chunks = split_document(doc, settings.chunk_tokens, settings.chunk_overlap, settings.encoding)
    occurrences: dict[str, int] = defaultdict(int)
    entries = []
    for chunk in chunks:
        base = chunk_id(doc.source, chunk, 0, heading(doc))
        entries.append(Entry(chunk_id(doc.source, chunk, occurrences[base], heading(doc)), embedding_text(doc, chunk), chunk.text, metadata(doc, chunk)))
        occurrences[base] += 1
    if entries and doc.phrasings:
        entries += phrasing_entries(doc, entries[0].id)
    return entries, sum(c.tokens for c in chunks)


def _ingest_document(doc: Document, settings: Settings, existing: set[str], writer: _Writer, report: IngestReport):
    entries, tokens = index_entries(doc, settings)
    new = [entry for entry in entries if entry.id not in existing]
    stale = sorted(existing - {entry.id for entry in entries})
    writer.add(
        ids=[e.id for e in new],
        texts=[e.embed for e in new],
        documents=[e.document for e in new],
        metadatas=[e.metadata for e in new],
        stale=stale,
    )
    report.files += 1
    report.chunks += len(entries)
    report.tokens += tokens
    report.added += len(new)
    report.removed += len(stale)
    report.unchanged += len(entries) - len(new)


def phrasing_entries(doc: Document, first_chunk: str) -> list[Entry]:
    """A card's phrasings as index entries of their own (id, embedded text, document, metadata), each
    pointing (`of`) at the card's first chunk, which search returns in its place."""
    entries = []
    for text in dict.fromkeys(doc.phrasings):
        digest = hashlib.sha256(f"{doc.source}\x00phrasing\x00{first_chunk}\x00{text}".encode()).hexdigest()[:32]
        meta = {
            "source": doc.source, "title": doc.title, "section": "", "chunk": 0, "kind": "phrasing",
            "of": first_chunk, "entries": 1 + len(set(doc.phrasings)),
        }  # fmt: skip
        if doc.card:
            meta["card"] = doc.card
        if doc.tags:
            meta["tags"] = doc.tags
        entries.append(Entry(f"p-{digest}", text, text, meta))
    return entries
