"""Sentence vectors for the learned heads: all-MiniLM-L6-v2 on ONNX Runtime, the model the knowledge base
already ships, with its weights quantised to 8 bits (twice as fast; coach.knowledge.onnx_minilm), whatever
the `embeddings` setting says: the heads were trained on these vectors.

One encoder per process, loaded on first use; vectors are remembered per sentence text, so verifying a
rewrite embeds only the sentences its draft did not have. Loading can fail (no ONNX Runtime, a read-only
cache): `available()` then says False and analysis runs on its rules alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict

import numpy as np

from coach.budget import check
from coach.config import get_settings

log = logging.getLogger(__name__)
DIMENSIONS = 384
_CACHE_SIZE = 4096

_lock = threading.Lock()
_encoder = None
_failed: str | None = None
_vectors: OrderedDict[str, np.ndarray] = OrderedDict()


def _load():
    global _encoder, _failed
    with _lock:
        if _encoder is None and _failed is None:
            try:
                from coach.knowledge.onnx_minilm import OnnxMiniLM

                cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
                _encoder = OnnxMiniLM(get_settings().cache_dir, quantized=True, threads=min(2, cores))
            except Exception as exc:  # noqa: BLE001 - any failure leaves the rules in charge
                _failed = f"{type(exc).__name__}: {exc}"
                log.warning("learned tone and emotion models unavailable (%s); rules only", _failed)
    return _encoder


def available() -> bool:
    return _load() is not None


def encode(texts: list[str]) -> np.ndarray:
    """(len(texts), 384) unit vectors; only the texts not seen before are embedded."""
    if not texts:
        return np.zeros((0, DIMENSIONS), np.float32)
    encoder = _load()
    if encoder is None:
        raise RuntimeError(f"sentence vectors unavailable: {_failed}")
    with _lock:
        known = {t: _vectors[t] for t in texts if t in _vectors}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        # One sentence per call: with 8-bit weights the activations are quantised per call, so a batch would
        # make a sentence's vector depend on its neighbours. Alone it is the same in any draft, and no
        # padding is computed: on one core it is also the fastest.
        for start in range(0, len(missing), 8):  # the request's deadline is checked every eight sentences
            check()
            chunk = missing[start : start + 8]
            known.update(zip(chunk, encoder.encode(chunk, batch_size=1)))
        with _lock:
            for text in missing:
                _vectors[text] = known[text]
            while len(_vectors) > _CACHE_SIZE:
                _vectors.popitem(last=False)
    return np.stack([known[t] for t in texts])


def clear() -> None:
    with _lock:
        _vectors.clear()
