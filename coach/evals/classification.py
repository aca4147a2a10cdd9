"""Classification scores, defined once: the lint and emotion evals, training and the reports all use these.

* precision = TP / (TP + FP), 1.0 when nothing is flagged; recall = TP / (TP + FN), 1.0 when nothing is
  positive; F1 their harmonic mean;
* Brier = mean squared difference between a probability and the 0/1 outcome (lower is better);
* macro-F1 = the mean over classes of each class's one-against-the-rest F1, on single-label predictions.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel


class Scores(BaseModel):
    n: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


def scores(flagged: Sequence[bool], expected: Sequence[bool]) -> Scores:
    tp = sum(1 for f, e in zip(flagged, expected) if f and e)
    fp = sum(1 for f, e in zip(flagged, expected) if f and not e)
    fn = sum(1 for f, e in zip(flagged, expected) if e and not f)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(n=len(expected), tp=tp, fp=fp, fn=fn, precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4))


def brier(probabilities: Sequence[float], expected: Sequence[bool]) -> float:
    pairs = list(zip(probabilities, expected))
    return round(sum((p - float(e)) ** 2 for p, e in pairs) / len(pairs), 4) if pairs else 0.0


def macro_f1(predicted: Sequence[str], expected: Sequence[str], classes: Sequence[str]) -> float:
    per_class = [scores([p == c for p in predicted], [e == c for e in expected]).f1 for c in classes]
    return round(sum(per_class) / len(per_class), 4) if per_class else 0.0
