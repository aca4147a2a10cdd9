"""The local embedder on ONNX Runtime gives the vectors sentence-transformers gives on torch."""

from __future__ import annotations

import numpy as np
import pytest

from coach.config import PROJECT_ROOT
from coach.knowledge.embed import LocalEmbedder
from coach.knowledge.onnx_minilm import onnx_path

pytestmark = pytest.mark.slow

TEXTS = [
    "Where is my order #48213? It's late AGAIN and I'm really annoyed.",
    "ok",
    "Vielen Dank für Ihre Nachricht — 日本語 🙂",
    "word " * 400,  # beyond the model's 256 tokens: both truncate the same way
    *[p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "knowledge" / "cards").glob("*.md"))[:6]],
]


def test_onnx_and_torch_give_the_same_unit_vectors(tmp_path):
    onnx = LocalEmbedder(runtime="onnx", cache_dir=tmp_path)
    torch = LocalEmbedder(runtime="torch")
    a, b = np.array(onnx.embed(TEXTS)), np.array(torch.embed(TEXTS))
    assert onnx.runtime == "onnx" and onnx_path(tmp_path).is_file()  # exported once, into the cache
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.abs(a - b).max() < 1e-4
    assert np.array(onnx.embed(TEXTS[:1])) == pytest.approx(a[:1], abs=1e-6)  # a batch of one, no padding


def test_an_unusable_cache_falls_back_to_torch(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    embedder = LocalEmbedder(runtime="onnx", cache_dir=blocked / "cache")
    vector = embedder.embed(["late parcel"])[0]
    assert embedder.runtime == "torch" and len(vector) == 384


def test_without_a_cache_folder_the_torch_runtime_serves():
    embedder = LocalEmbedder(runtime="onnx", cache_dir=None)
    vector = np.array(embedder.embed(["late parcel"])[0])
    assert embedder.runtime == "torch" and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
