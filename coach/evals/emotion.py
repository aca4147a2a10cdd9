"""Emotion eval: the customer's message, lexicon against the learned model, on evals/emotion/.

Scored on the primary label (macro-F1 over the seven labels, coach.evals.classification), per label on
membership (precision and recall), and the combination's Brier score. Three systems:
`lexicon` (the emotion lexicon's strongest emotion, or neutral), `model` (the MiniLM and words heads) and
`combined` (the shipped classifier: the words head, and MiniLM with the lexicon's scores). Dev figures are
the head's cross-validated record; held-out figures are measured live.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from coach.analysis import emotion_model
from coach.corpora import EMOTION_DIR, EMOTION_LABELS, data_hash, load_emotion
from coach.evals.classification import Scores, brier, macro_f1, scores


class EmotionSplit(BaseModel):
    name: str
    messages: int
    measured: str
    macro_f1: dict[str, float] = Field(description="On the primary label, per system.")
    labels: dict[str, Scores] = Field(default_factory=dict, description="The combination, per label (membership).")
    brier: float | None = None


class EmotionEvalReport(BaseModel):
    corpus_hash: str
    head_hash: str | None
    splits: list[EmotionSplit]

    def split(self, name: str) -> EmotionSplit:
        return next(s for s in self.splits if s.name == name)


def evaluate(directory: Path = EMOTION_DIR) -> EmotionEvalReport:
    items = load_emotion(directory)
    classifier = emotion_model.load_classifier()
    splits = []
    dev = [i for i in items if i.split == "dev"]
    dev_split = EmotionSplit(name="dev", messages=len(dev), measured="cross-validated", macro_f1={
        "lexicon": macro_f1(emotion_model.lexicon_primary([i.text for i in dev]), [i.primary for i in dev], EMOTION_LABELS)})
    if classifier is not None:
        cv = classifier.meta["dev_cv"]
        dev_split.macro_f1.update({k: v for k, v in cv["macro_f1"].items() if k != "lexicon"})
        dev_split.labels = {label: Scores(**v) for label, v in cv["labels"].items()}
        dev_split.brier = cv.get("brier")
    splits.append(dev_split)

    held = [i for i in items if i.split == "heldout"]
    texts, primary = [i.text for i in held], [i.primary for i in held]
    split = EmotionSplit(name="held-out", messages=len(held), measured="live",
                         macro_f1={"lexicon": macro_f1(emotion_model.lexicon_primary(texts), primary, EMOTION_LABELS)})  # fmt: skip
    if classifier is not None:
        combined = np.stack([emotion_model.probabilities(t) for t in texts])
        model = np.stack([emotion_model.model_probabilities(t) for t in texts])
        split.macro_f1["model"] = macro_f1([EMOTION_LABELS[j] for j in model.argmax(1)], primary, EMOTION_LABELS)
        split.macro_f1["combined"] = macro_f1([EMOTION_LABELS[j] for j in combined.argmax(1)], primary, EMOTION_LABELS)
        truth = np.array([[label in i.labels for label in EMOTION_LABELS] for i in held])
        split.labels = {label: scores(list(combined[:, j] >= classifier.thresholds[j]), list(truth[:, j])) for j, label in enumerate(EMOTION_LABELS)}
        split.brier = brier(combined.ravel().tolist(), truth.ravel().tolist())
    splits.append(split)
    return EmotionEvalReport(corpus_hash=data_hash(directory, "dev"), head_hash=classifier.meta.get("data_hash") if classifier else None, splits=splits)
