"""A larger knowledge base grown from the real one by recombination, for ingest benchmarks.

The pool is every paragraph of the real guidance: the cards in `knowledge/cards/` and the seed
articles in `shared/seeds/`. A generated article takes a real title (with a variant suffix), the
tags of a real card, and 2-3 paragraphs drawn from different real documents (about 110-170
words) under a markdown heading, so it reads like guidance, is about as long as a card (most fit
one chunk), and splits the way the real files do. The generator is seeded: the same `n` always gives the same corpus.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from coach.config import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
_VARIANTS = ["", " (email)", " (chat)", " for returning customers", " when time is short", " in a complaint",
             " on the phone, written up", " for a first reply", " after a second contact", " at peak season"]  # fmt: skip


# About a guidance card's length (a card is ~220 tokens, one chunk): most articles fit one chunk.
_TARGET_WORDS = 110
_MAX_WORDS = 170


@dataclass
class _Pool:
    titles: list[str]
    tags: list[list[str]]
    headings: list[str]
    paragraphs: list[tuple[int, str]]  # (source document index, paragraph)


def real_sources(knowledge_dir: Path | None = None, seeds_dir: Path | None = None) -> list[Path]:
    folders = [(knowledge_dir or PROJECT_ROOT / "knowledge") / "cards", seeds_dir or SEEDS_DIR]
    return [f for f in folders if f.is_dir()]


def _pool(sources: list[Path]) -> _Pool:
    from coach.knowledge.loader import LoadError, discover, load_document

    titles, tags, headings, paragraphs = [], [], [], []
    for index, path in enumerate(discover(sources)):
        try:
            doc = load_document(path)
        except LoadError:
            continue
        titles.append(doc.title)
        if doc.tags:
            tags.append(doc.tags)
        for block in doc.text.split("\n\n"):
            block = block.strip()
            if block.startswith("#"):
                headings.append(block.lstrip("#").strip())
            elif len(block.split()) >= 12:
                paragraphs.append((index, block))
    if not paragraphs:
        raise RuntimeError(f"no paragraphs to recombine under {', '.join(map(str, sources))}")
    return _Pool(titles, tags or [["guidance"]], headings or ["Why it matters"], paragraphs)


def generate(n: int, out_dir: Path, sources: list[Path] | None = None, seed: int = 7) -> Path:
    """Write `n` generated articles under `out_dir` (100 per folder) and return `out_dir`."""
    pool = _pool(sources or real_sources())
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        title = f"{rng.choice(pool.titles)}{rng.choice(_VARIANTS)} #{i}"
        picked: list[str] = []
        used: set[int] = set()
        words = 0
        for _ in range(60):  # bounded: a pool of long paragraphs must not loop forever
            if len(picked) == 3 or (len(picked) >= 2 and words >= _TARGET_WORDS):
                break
            source, paragraph = rng.choice(pool.paragraphs)
            size = len(paragraph.split())
            if source in used or (picked and words + size > _MAX_WORDS):
                continue
            used.add(source)
            picked.append(paragraph)
            words += size
        heading = rng.choice(pool.headings)
        body = picked[0] if len(picked) == 1 else f"{picked[0]}\n\n## {heading}\n\n" + "\n\n".join(picked[1:])
        tags = ", ".join(rng.choice(pool.tags))
        folder = out_dir / f"part-{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"article-{i:05d}.md").write_text(f"---\ntitle: {json.dumps(title)}\ntags: [{tags}]\n---\n{body}\n", encoding="utf-8")
    return out_dir


def chunk_texts(paths: list[Path], settings) -> list[str]:
    """Exactly the texts `ingest` would hand the embedder for these paths, in the same order."""
    from coach.knowledge.ingest import index_entries
    from coach.knowledge.loader import LoadError, discover, load_document

    texts: list[str] = []
    for path in discover(paths):
        try:
            doc = load_document(path)
        except LoadError:
            continue
        texts += [entry.embed for entry in index_entries(doc, settings)[0]]
    return texts
