"""Trained classifiers as plain arrays: an ensemble of calibrated logistic regressions.

`coach train tone|emotion` fits them with scikit-learn and saves them here as `.npz` (no pickle); at run
time only numpy reads them. A classifier has one linear head per kind of feature:

* `minilm`: the sentence's all-MiniLM-L6-v2 vector (coach.analysis.sentence_vectors);
* `words`: TF-IDF over lower-cased words and word pairs, as scikit-learn's TfidfVectorizer makes it
  (sublinear counts, L2 norm), with the vocabulary and IDF weights stored beside the head;
* `minilm-lexicon`: the MiniLM vector with the emotion lexicon's scores beside it (the emotion classifier;
  the weight of the scores is in the classifier's meta).

Each head's weights already carry its Platt calibration, so a head's probability is a sigmoid of one
matrix product; the classifier's probability is the mean over the heads whose features are at hand.
The file also holds each label's thresholds (chosen on the dev split), the training data's hash and the
metrics measured when it was made.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
TRAINED_DIR = Path(__file__).parent / "trained"
KINDS = ("minilm", "words", "minilm-lexicon")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


@dataclass(frozen=True)
class LinearHead:
    kind: str
    weights: np.ndarray  # (labels, features), float32
    bias: np.ndarray  # (labels,)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = features.astype(np.float32) @ self.weights.T + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


@dataclass(frozen=True)
class Classifier:
    labels: tuple[str, ...]
    heads: tuple[LinearHead, ...]
    thresholds: np.ndarray  # (labels,): flag at or above; chosen on dev
    error_thresholds: np.ndarray  # (labels,): an error, not a warning, at or above (above 1 = never)
    vocabulary: dict[str, int] = field(default_factory=dict)  # the words head's terms -> column
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    meta: dict = field(default_factory=dict)  # data hash, settings, metrics

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(h.kind for h in self.heads)

    def index(self, label: str) -> int:
        return self.labels.index(label)

    def words(self, texts: list[str]) -> np.ndarray:
        """The words head's TF-IDF rows for `texts`."""
        rows = np.zeros((len(texts), len(self.vocabulary)), np.float32)
        for row, text in enumerate(texts):
            for term, count in word_terms(text).items():
                column = self.vocabulary.get(term)
                if column is not None:
                    rows[row, column] = (1.0 + math.log(count)) * self.idf[column]
            norm = float(np.linalg.norm(rows[row]))
            if norm:
                rows[row] /= norm
        return rows

    def probabilities(self, features: dict[str, np.ndarray], kinds: tuple[str, ...] | None = None) -> np.ndarray:
        """(rows, labels): the mean of the heads whose features are given (and, if `kinds`, are among them)."""
        used = [h for h in self.heads if h.kind in features and (kinds is None or h.kind in kinds)]
        if not used:
            raise ValueError(f"no features for any of the heads {self.kinds}")
        return sum(h.probabilities(features[h.kind]) for h in used) / len(used)

    def save(self, path: Path) -> None:
        arrays = {
            "labels": np.array(self.labels), "kinds": np.array(self.kinds),
            "thresholds": self.thresholds.astype(np.float32), "error_thresholds": self.error_thresholds.astype(np.float32),
            "vocabulary": np.array(sorted(self.vocabulary, key=self.vocabulary.get)), "idf": self.idf.astype(np.float32),
            "meta": np.array(json.dumps(self.meta, sort_keys=True, indent=1)),
        }  # fmt: skip
        for head in self.heads:
            arrays[f"{head.kind}_weights"] = head.weights.astype(np.float32)
            arrays[f"{head.kind}_bias"] = head.bias.astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".npz.partial")
        with partial.open("wb") as handle:  # written beside, then renamed: a reader never sees half a file
            np.savez_compressed(handle, **arrays)
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        with np.load(path, allow_pickle=False) as data:
            kinds = [str(k) for k in data["kinds"]]
            return cls(
                labels=tuple(str(x) for x in data["labels"]),
                heads=tuple(LinearHead(k, data[f"{k}_weights"], data[f"{k}_bias"]) for k in kinds),
                thresholds=data["thresholds"], error_thresholds=data["error_thresholds"],
                vocabulary={str(term): i for i, term in enumerate(data["vocabulary"])}, idf=data["idf"],
                meta=json.loads(str(data["meta"])),
            )  # fmt: skip


def word_terms(text: str) -> Counter[str]:
    """Lower-cased words of two or more characters and the pairs of neighbouring words, with their counts."""
    tokens = _TOKEN.findall(text.lower())
    return Counter(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])])


def classifier_path(name: str) -> Path:
    return TRAINED_DIR / f"{name}.npz"


@lru_cache(maxsize=4)
def load_shipped(name: str) -> Classifier | None:
    """The classifier shipped as trained/<name>.npz, once per process; None (logged) when it is missing or
    unreadable, and the caller falls back to its rules or lexicon."""
    path = classifier_path(name)
    try:
        return Classifier.load(path)
    except Exception as exc:  # noqa: BLE001 - missing, truncated, corrupt: the rules and lexicon serve
        log.warning("the %s model was not loaded from %s (%s); falling back to the rules and lexicon", name, path, exc)
        return None
