"""The learned emotion model for the customer's message, beside the lexicon (coach.analysis.emotion).

`coach train emotion` made the classifier from evals/emotion/ (coach.analysis.heads): calibrated heads
over the message's words, and over its MiniLM vector with the lexicon's own scores beside it. `combine` turns its
probabilities into the Emotion list the rest of coach reads, in the lexicon's names (frustration, worry,
sadness, confusion, urgency, gratitude; anger stays the lexicon's alone), keeping the lexicon's cues.
"""

from __future__ import annotations

import re

from functools import lru_cache

import numpy as np

from coach.analysis.emotion import EMOTIONS, detect_emotions
from coach.analysis.heads import Classifier, load_shipped
from coach.analysis.language import guess_language
from coach.schemas import Emotion

# The corpus's labels -> the names the lexicon, the phrasebank and the results use.
NAMES = {"frustrated": "frustration", "worried": "worry", "sad": "sadness", "confused": "confusion", "urgent": "urgency", "grateful": "gratitude"}
_FROM_LEXICON = {"anger": "frustrated", "frustration": "frustrated", "worry": "worried", "sadness": "sad", "urgency": "urgent", "gratitude": "grateful"}
MAX_CHARS = 4000  # the model reads 256 tokens; the words head reads this much


def load_classifier() -> Classifier | None:
    return load_shipped("emotion")


def lexicon_features(texts: list[str]) -> np.ndarray:
    """The lexicon's score for each of its emotions, one row per text."""
    rows = np.zeros((len(texts), len(EMOTIONS)), np.float32)
    for i, text in enumerate(texts):
        for emotion in detect_emotions(text):
            rows[i, EMOTIONS.index(emotion.name)] = emotion.score
    return rows


def lexicon_primary(texts: list[str]) -> list[str]:
    """The lexicon alone, in the corpus's labels: its strongest emotion, or neutral."""
    out = []
    for text in texts:
        found = detect_emotions(text)
        out.append(_FROM_LEXICON[found[0].name] if found else "neutral")
    return out


def probabilities(text: str) -> np.ndarray | None:
    classifier = load_classifier()
    if classifier is None:
        return None
    return _probabilities(text[:MAX_CHARS])


@lru_cache(maxsize=256)  # a draft and its rewrite are analysed against the same customer message
def _probabilities(text: str) -> np.ndarray:
    classifier = load_classifier()
    return classifier.probabilities(_features(classifier, text), kinds=tuple(classifier.meta.get("combined_kinds", classifier.kinds)))[0]


def model_probabilities(text: str) -> np.ndarray:
    """The model without the lexicon (its MiniLM and words heads), for `coach eval emotion`."""
    classifier = load_classifier()
    return classifier.probabilities(_features(classifier, text[:MAX_CHARS]), kinds=tuple(classifier.meta.get("model_kinds", ("minilm", "words"))))[0]


def _features(classifier: Classifier, text: str) -> dict[str, np.ndarray]:
    """Every kind of feature the message has: its words, and where ONNX Runtime runs, its MiniLM vector alone
    and with the lexicon's scores beside it."""
    from coach.analysis import sentence_vectors

    features = {"words": classifier.words([text])}
    if sentence_vectors.available():
        vector = sentence_vectors.encode([text])
        features["minilm"] = vector
        weight = float(classifier.meta.get("lexicon_weight", 1.0))
        features["minilm-lexicon"] = np.hstack([vector, weight * lexicon_features([text])])
    return features


def clear_cache() -> None:
    _probabilities.cache_clear()


def combine(text: str | None, lexicon_emotions: list[Emotion]) -> list[Emotion]:
    """The emotions of the customer's message, strongest first: each label the classifier puts at or above
    its threshold, scored by its probability, with the lexicon's cues; anger as the lexicon found it."""
    if not text or not text.strip() or guess_language(text) not in ("en", None):  # it learned English only
        return lexicon_emotions
    p = probabilities(text)
    if p is None:
        return lexicon_emotions
    classifier = load_classifier()
    cues = {e.name: e.cues for e in lexicon_emotions}
    found = [e for e in lexicon_emotions if e.name == "anger"]
    for j, label in enumerate(classifier.labels):
        if label in NAMES and p[j] >= classifier.thresholds[j]:
            name = NAMES[label]
            found.append(Emotion(name=name, score=round(float(p[j]), 2), cues=cues.get(name, [])))
    # Sadness the customer names in words ("I find this very upsetting", "Mum's obituary") stays even where the
    # model reads the message as something else: a loss is never left unacknowledged for want of a probability.
    have = {e.name for e in found}
    found += [e for e in lexicon_emotions if e.name == "sadness" and e.name not in have and any(_LOSS_WORDS.search(c) for c in e.cues)]
    return sorted(found, key=lambda e: -e.score)


# The words of a loss or of distress said outright; "gutted" or "missed" alone the model may read better.
_LOSS_WORDS = re.compile(r"^(?:passed away|died|death|funeral|bereave\w*|grie\w+|obituary|put (?:him |her )?to sleep|my late|lost my|upset\w*|heartbroken|devastated|in tears|crying|distress\w*)$", re.I)
