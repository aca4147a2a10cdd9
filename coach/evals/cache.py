"""On-disk cache for eval results, so re-running an unchanged matrix costs nothing.

A result is stored under ``<data_dir>/eval-cache/<key[:2]>/<key>.json``, where the key hashes
everything that decides the output: the case's draft, context, constraints and tone (not its
title or expectations: editing those re-scores without re-running); the prompt template's text;
the engine and the settings it depends on (model, endpoint, temperature, guidance budget); the
rules, phrases, lexicons and cards under ``knowledge/``; and for the deterministic engines
(rules, scripted) the coach source code itself. LLM results are not keyed on code, so a refactor
does not re-bill every model call: pass ``--no-cache`` to force a fresh run.

Results whose model call failed (HTTP error, timeout, malformed answer) are not cached: an
outage must not be replayed forever.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from coach.config import PROJECT_ROOT, Settings

CACHE_VERSION = 1
_CODE_DIRS_SKIPPED = {"cli", "api", "web", "bench"}
_EVAL_MODULES_THAT_SHAPE_RESULTS = {"engines.py", "scripted.py", "cases.py"}


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def tree_fingerprint(root: Path, suffixes: tuple[str, ...] = (".yaml", ".yml", ".md", ".json", ".txt")) -> str:
    """A hash of every data file under `root` (path and bytes)."""
    h = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the coach package sources that shape a rewrite (faces and report code excluded), the shipped
    trained heads among them: a retrained tone model changes what the editor keeps."""
    package = PROJECT_ROOT / "coach"
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".yaml", ".md", ".npz"):
            continue
        parts = path.relative_to(package).parts
        if parts[0] in _CODE_DIRS_SKIPPED or "__pycache__" in parts:
            continue
        if parts[0] == "evals" and parts[-1] not in _EVAL_MODULES_THAT_SHAPE_RESULTS:
            continue
        h.update("/".join(parts).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def data_fingerprint(settings: Settings) -> str:
    return tree_fingerprint(settings.knowledge_dir)


class DiskCache:
    """JSON files keyed by a hash; reads skip (`read=False`) for --no-cache, writes always refresh."""

    def __init__(self, folder: Path, *, read: bool = True, write: bool = True) -> None:
        self.folder = folder
        self.read = read
        self.write = write

    @classmethod
    def for_settings(cls, settings: Settings, *, read: bool = True, write: bool = True) -> DiskCache:
        return cls(settings.data_dir / "eval-cache", read=read, write=write)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, model: type[BaseModel]) -> Any | None:
        if not self.read:
            return None
        path = self._path(key)
        try:
            return model.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None  # missing, or written by an older version: recompute

    def put(self, key: str, value: BaseModel) -> None:
        if not self.write:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(value.model_dump_json())
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only or full disk costs a re-run next time, never this run
