"""`coach train emotion`: the learned emotion classifier for the customer's message, from evals/emotion/ (dev).

Labels: frustrated, worried, sad, confused, urgent, grateful, neutral; a message may have several, and its
primary label is the likeliest. Three systems are fitted and measured, each as the mean of its heads:
* `lexicon`: the emotion lexicon alone (coach.analysis.emotion), its strongest emotion or neutral;
* `model`: a head on the MiniLM vector and one on the words;
* `combined` (shipped): the words head, and a head on the MiniLM vector with the lexicon's scores beside
  it (weighted LEXICON_WEIGHT, chosen on dev from 1 and 3), so the lexicon's cues inform the model.
Folds keep a group's variants together (five folds by a hash of the group id).
"""

from __future__ import annotations

import hashlib
import numpy as np

from coach.analysis.heads import classifier_path
from coach.corpora import EMOTION_DIR, EMOTION_LABELS, data_hash, load_emotion
from coach.evals.classification import brier, macro_f1, scores
from coach.training.fit import C_GRID, DenseFeatures, WordFeatures, best_f1_threshold, classifier, fit_label

SHIPPED = ("minilm", "words", "minilm-lexicon")  # all three heads, for `coach eval emotion`
COMBINED = ("minilm-lexicon", "words")  # what coach runs
MODEL = ("minilm", "words")
LEXICON_WEIGHT = 3.0
FOLDS = 5


def train(directory=EMOTION_DIR, out=None, log=print) -> dict:
    from coach.analysis import sentence_vectors
    from coach.analysis.emotion_model import lexicon_features, lexicon_primary

    items = load_emotion(directory, splits=("dev",))
    texts = [item.text for item in items]
    log(f"train emotion: {len(items)} dev messages; embedding ...")
    vectors = sentence_vectors.encode(texts)
    features = {
        "minilm": DenseFeatures(vectors),
        "words": WordFeatures(texts),
        "minilm-lexicon": DenseFeatures(np.hstack([vectors, LEXICON_WEIGHT * lexicon_features(texts)])),
    }
    folds = np.array([int(hashlib.sha256(item.group.encode()).hexdigest(), 16) % FOLDS for item in items])
    rows = np.arange(len(items))
    truth = {label: np.array([label in item.labels for item in items]) for label in EMOTION_LABELS}
    fitted = {kind: [fit_label(features[kind], truth[label], folds, rows) for label in EMOTION_LABELS] for kind in features}
    oof = {kind: np.stack([f.oof for f in fitted[kind]], axis=1) for kind in features}
    primary = [item.primary for item in items]
    every = np.stack([truth[label] for label in EMOTION_LABELS], axis=1).ravel().tolist()

    def primaries(p: np.ndarray) -> list[str]:
        return [EMOTION_LABELS[i] for i in p.argmax(axis=1)]

    model = (oof["minilm"] + oof["words"]) / 2
    p = (oof["minilm-lexicon"] + oof["words"]) / 2
    thresholds = np.array([best_f1_threshold(p[:, j], truth[label].astype(int)) for j, label in enumerate(EMOTION_LABELS)])
    dev_cv = {
        "macro_f1": {"lexicon": macro_f1(lexicon_primary(texts), primary, EMOTION_LABELS),
                     "model": macro_f1(primaries(model), primary, EMOTION_LABELS),
                     "combined": macro_f1(primaries(p), primary, EMOTION_LABELS)},
        "labels": {label: scores(p[:, j] >= thresholds[j], truth[label]).model_dump() for j, label in enumerate(EMOTION_LABELS)},
        "brier": brier(p.ravel().tolist(), every),
        "model_brier": brier(model.ravel().tolist(), every),
    }  # fmt: skip
    meta = {
        "name": "emotion", "data_hash": data_hash(directory, "dev"), "messages": len(items), "kinds": list(SHIPPED),
        "c": {k: {label: f.c for label, f in zip(EMOTION_LABELS, fitted[k])} for k in fitted}, "c_grid": list(C_GRID),
        "lexicon_weight": LEXICON_WEIGHT, "combined_kinds": list(COMBINED), "model_kinds": list(MODEL),
        "folds": f"{FOLDS} by group hash", "dev_cv": dev_cv,
    }  # fmt: skip
    shipped = classifier(EMOTION_LABELS, fitted, SHIPPED, thresholds, np.full(len(EMOTION_LABELS), 1.01), features["words"].vectorizer, meta)
    path = out or classifier_path("emotion")
    shipped.save(path)
    log(f"train emotion: saved {path} (dev, cross-validated macro-F1: {dev_cv['macro_f1']})")
    return shipped.meta
