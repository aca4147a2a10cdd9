"""Fitting one calibrated linear head per label and kind of feature, with grouped cross-validation on dev.

For each label: the regularisation C is chosen by cross-validation (log loss) over folds that keep a
group, or an author, on one side; the out-of-fold scores are Platt-calibrated; the final regression is
fitted on the whole dev split and the calibration folded into its weights. The out-of-fold calibrated
probabilities are what thresholds are chosen on and what the dev figures report, so no dev figure is
measured on rows the head was fitted to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

C_GRID = (0.25, 1.0, 4.0, 16.0)
SEED = 7


class DenseFeatures:
    """Fixed rows (MiniLM vectors, lexicon scores)."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def fold(self, train: np.ndarray, test: np.ndarray):
        return self.matrix[train], self.matrix[test]

    def full(self, rows: np.ndarray):
        return self.matrix[rows]


class WordFeatures:
    """TF-IDF over words and word pairs, its vocabulary fitted on each fold's training rows only."""

    SETTINGS = {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True, "lowercase": True}

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectorizer = None

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(**self.SETTINGS, dtype=np.float32)

    def fold(self, train: np.ndarray, test: np.ndarray):
        vectorizer = self._vectorizer()
        return vectorizer.fit_transform([self.texts[i] for i in train]), vectorizer.transform([self.texts[i] for i in test])

    def full(self, rows: np.ndarray):
        """The final heads share one vocabulary, fitted on every text."""
        if self.vectorizer is None:
            self.vectorizer = self._vectorizer().fit(self.texts)
        return self.vectorizer.transform([self.texts[i] for i in rows])


@dataclass
class FittedLabel:
    weights: np.ndarray
    bias: float
    c: float
    oof: np.ndarray  # out-of-fold calibrated probabilities on every row (NaN outside the label's rows)


def fit_label(features, y: np.ndarray, fold_ids: np.ndarray, rows: np.ndarray, balanced: bool = False) -> FittedLabel:
    """Fit one label on `rows` (indices), with one fold per distinct value of `fold_ids[rows]`."""
    from sklearn.metrics import log_loss

    ys = y[rows].astype(int)
    folds = [(rows[fold_ids[rows] != f], rows[fold_ids[rows] == f]) for f in np.unique(fold_ids[rows])]
    position = {row: i for i, row in enumerate(rows)}
    split = [features.fold(train, test) for train, test in folds]
    best = None
    for c in C_GRID:
        logits = np.zeros(len(rows))
        for (train, test), (f_train, f_test) in zip(folds, split):
            model = _regression(c, balanced).fit(f_train, y[train].astype(int))
            logits[[position[r] for r in test]] = model.decision_function(f_test)
        a, b = _platt(logits, ys)
        loss = log_loss(ys, _sigmoid(a * logits + b), labels=[0, 1])
        if best is None or loss < best[0] - 1e-9:
            best = (loss, c, logits, a, b)
    _loss, c, logits, a, b = best
    final = _regression(c, balanced).fit(features.full(rows), ys)
    oof = np.full(len(y), np.nan)
    oof[rows] = _sigmoid(a * logits + b)
    return FittedLabel(weights=a * final.coef_[0], bias=float(a * final.intercept_[0] + b), c=c, oof=oof)


def _regression(c: float, balanced: bool):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None, random_state=SEED)


def _platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e6, max_iter=1000).fit(logits.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def best_f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The probability threshold with the best F1 on (p, y); ties go to the higher threshold."""
    best_t, best_f1 = 0.5, -1.0
    positives = max(1, int((y == 1).sum()))
    for t in np.unique(np.round(p, 3)):
        flagged = p >= t
        tp = int(np.sum(flagged & (y == 1)))
        if tp == 0:
            continue
        precision, recall = tp / int(flagged.sum()), tp / positives
        f1 = 2 * precision * recall / (precision + recall)
        if f1 >= best_f1:
            best_t, best_f1 = float(t), f1
    return best_t


def precise_threshold(p: np.ndarray, y: np.ndarray, precision: float = 0.97, minimum: int = 20) -> float:
    """The lowest threshold at which at least `minimum` rows are flagged with at least `precision`;
    1.01 (never) when there is none."""
    order = np.argsort(-p)
    hits = np.cumsum(y[order] == 1)
    for k in range(len(p), minimum - 1, -1):
        if hits[k - 1] / k >= precision:
            return float(p[order][k - 1])
    return 1.01


def classifier(labels, fitted: dict[str, list[FittedLabel]], kinds, thresholds, errors, words, meta):
    """The shipped form: one linear head per kind (a row per label), the words head's vocabulary and IDF."""
    from coach.analysis.heads import Classifier, LinearHead

    heads = tuple(
        LinearHead(kind, np.stack([f.weights for f in fitted[kind]]).astype(np.float32), np.array([f.bias for f in fitted[kind]], np.float32))
        for kind in kinds
    )  # fmt: skip
    return Classifier(labels=tuple(labels), heads=heads, thresholds=np.asarray(thresholds), error_thresholds=np.asarray(errors),
                      vocabulary={term: int(i) for term, i in words.vocabulary_.items()}, idf=words.idf_.astype(np.float32),
                      meta=meta)  # fmt: skip
