"""Reading the analysis data: `knowledge/rules/*.yaml` and `knowledge/lexicons/*.yaml`.

Loaded files are cached by path; the linter reads them once per process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from coach.config import get_settings

try:  # libyaml is several times faster than the pure-Python loader; start-up time matters for `coach lint`.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class DataError(ValueError):
    """A rule or lexicon file is missing or malformed."""


@lru_cache(maxsize=64)
def resolved(path: Path) -> Path:
    """`path.resolve()`, remembered: data is looked up on every analysis, and resolving costs system calls."""
    return path.resolve()


def rules_dir() -> Path:
    return get_settings().knowledge_dir / "rules"


def lexicons_dir() -> Path:
    return get_settings().knowledge_dir / "lexicons"


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_Loader)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise DataError(f"{path} is not valid YAML: {exc}") from exc


@lru_cache(maxsize=32)
def _lexicon_at(path: Path) -> Any:
    if not path.is_file():
        raise DataError(f"lexicon {path.stem!r} not found at {path}")
    return read_yaml(path)


def lexicon(name: str, directory: Path | None = None) -> Any:
    """The parsed contents of `<lexicons>/<name>.yaml` (a list or a mapping)."""
    return _lexicon_at(resolved(directory or lexicons_dir()) / f"{name}.yaml")
