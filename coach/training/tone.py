"""`coach train tone`: the learned tone classifier, from the dev split of evals/tone/.

Labels: the seven tone categories, `any` (the sentence has some problem: what the detector flags on) and
`upbeat` (cheerful in itself, for the context rule: see coach.analysis.tone_model). Sentences that a
context made wrong are left out of the category heads, whose input is the sentence alone; they train
`upbeat` and are scored by the context rule.

Folds keep each author's sentences together (leave one author out), so the dev figures say how the model
does on a writer it has not seen, as the held-out split asks.
"""

from __future__ import annotations

import numpy as np

from coach.analysis.heads import classifier_path
from coach.corpora import TONE_CATEGORIES, TONE_DIR, data_hash, load_tone
from coach.evals.classification import brier, scores
from coach.training.fit import C_GRID, DenseFeatures, WordFeatures, best_f1_threshold, classifier, fit_label, precise_threshold

LABELS = (*TONE_CATEGORIES, "any", "upbeat")
KINDS = ("minilm", "words")
MIN_PRECISION = 0.95
ERROR_PRECISION, ERROR_FLOOR = 0.98, 0.9
RELIABLE_PRECISION, EVIDENCE = 0.9, 5
VETO_GRID = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def train(directory=TONE_DIR, out=None, log=print) -> dict:
    from coach.analysis import lint
    from coach.analysis import sentence_vectors
    from coach.analysis.risk import DETECTOR_LEVELS, risk_findings

    items = load_tone(directory, splits=("dev",))
    texts = [item.text for item in items]
    log(f"train tone: {len(items)} dev sentences; embedding ...")
    features = {"minilm": DenseFeatures(sentence_vectors.encode(texts)), "words": WordFeatures(texts)}
    truth = {label: np.array([_has(item, label) for item in items]) for label in LABELS}
    folds = np.array([item.group.split("-")[0] for item in items])  # the author: d1, d2, ...
    # The sentence heads see the sentence alone: they train on sentences without a context, and on the
    # context pairs' fine halves (a cheerful line after a thank-you is fine in itself); a label that the
    # context gave is the context rule's to find.
    plain = np.flatnonzero([item.context is None or not item.labels for item in items])
    every = np.flatnonzero([item.upbeat is not None for item in items])  # the rows `upbeat` is labelled on

    heads: dict[str, list] = {kind: [] for kind in KINDS}
    oof = np.zeros((len(items), len(LABELS)))
    chosen_c: dict[str, dict[str, float]] = {kind: {} for kind in KINDS}
    for j, label in enumerate(LABELS):
        rows = every if label == "upbeat" else plain
        for kind in KINDS:
            fitted = fit_label(features[kind], truth[label], folds, rows)
            heads[kind].append(fitted)
            chosen_c[kind][label] = fitted.c
            oof[:, j] += fitted.oof / len(KINDS)
        log(f"train tone: {label} fitted (C {', '.join(f'{k} {chosen_c[k][label]}' for k in KINDS)})")

    # Category and upbeat thresholds: the best F1 on dev. The `any` threshold, which decides whether a
    # sentence is flagged at all, is the lowest whose dev precision reaches MIN_PRECISION (a false alarm
    # costs the agent more than a miss the rules or the reviewer may still catch).
    thresholds = np.array([best_f1_threshold(oof[_rows(LABELS[j], plain, every), j], truth[LABELS[j]][_rows(LABELS[j], plain, every)]) for j in range(len(LABELS))])
    a = LABELS.index("any")
    thresholds[a] = precise_threshold(oof[plain, a], truth["any"][plain], precision=MIN_PRECISION, minimum=50)
    if thresholds[a] > 1:
        thresholds[a] = best_f1_threshold(oof[plain, a], truth["any"][plain])
    # A model finding is an error (it blocks) only where dev says it is almost never wrong there, and never
    # below ERROR_FLOOR: a false alarm must not block a send.
    errors = np.array([
        max(ERROR_FLOOR, precise_threshold(oof[_rows(label, plain, every), j], truth[label][_rows(label, plain, every)], precision=ERROR_PRECISION))
        for j, label in enumerate(LABELS)
    ])  # fmt: skip

    # Rules and model together, chosen on the dev split's out-of-fold probabilities:
    # * a rule is unreliable when it was wrong on more than 1 - RELIABLE_PRECISION of its (at least
    #   EVIDENCE) dev hits; its finding counts only where the model agrees (p(any) at or above the veto
    #   threshold), elsewhere it is lowered to a suggestion. Every other rule's findings count as they are:
    #   a rule with too few dev hits to judge (an insult, say) is not second-guessed;
    # * the model flags a sentence on p(any), or also on any category head passing its threshold;
    # the variant kept is the one with the best F1 among those whose precision is at least MIN_PRECISION
    # (a false alarm must not block a send), or failing any, the most precise.
    p_any, y_any = oof[plain, LABELS.index("any")], truth["any"][plain]
    fired = [_risk_rules(lint(texts[i], learned=False), DETECTOR_LEVELS, risk_findings) for i in plain]
    unreliable = _unreliable(fired, y_any)
    rule_flags = np.array([bool(rules) for rules in fired])
    trusted_flags = np.array([bool(rules - unreliable) for rules in fired])
    any_flags = p_any >= thresholds[LABELS.index("any")]
    category_flags = np.zeros(len(plain), bool)
    for j, label in enumerate(TONE_CATEGORIES):
        category_flags |= oof[plain, j] >= thresholds[j]
    grid = sorted({*VETO_GRID, float(thresholds[LABELS.index("any")])})
    variants = {}
    for with_categories in (False, True):
        model_flags = any_flags | category_flags if with_categories else any_flags
        for veto in grid:
            variants[(with_categories, veto)] = scores(model_flags | trusted_flags | (rule_flags & (p_any >= veto)), y_any)
    eligible = [k for k, v in variants.items() if v.precision >= MIN_PRECISION]
    if eligible:
        with_categories, veto = max(eligible, key=lambda k: (variants[k].f1, -k[1]))
    else:  # none reaches the floor: the most precise
        with_categories, veto = max(variants, key=lambda k: (variants[k].precision, variants[k].f1))
    model_flags = any_flags | category_flags if with_categories else any_flags

    dev_cv = {
        "rules": scores(rule_flags, y_any).model_dump(),
        "model": scores(model_flags, y_any).model_dump(),
        "combined": variants[(with_categories, veto)].model_dump(),
        "brier_any": brier(p_any, y_any),
        "categories": {
            label: scores(oof[plain, j] >= thresholds[j], truth[label][plain]).model_dump()
            for j, label in enumerate(LABELS[: len(TONE_CATEGORIES)])
        },
        "upbeat": scores(oof[every, -1] >= thresholds[-1], truth["upbeat"][every]).model_dump(),
    }
    meta = {
        "name": "tone", "data_hash": data_hash(directory, "dev"), "sentences": len(items),
        "category_sentences": int(len(plain)), "kinds": list(KINDS), "c": chosen_c, "c_grid": list(C_GRID),
        "veto_threshold": veto, "flag_on_categories": with_categories, "unreliable_rules": sorted(unreliable),
        "min_precision": MIN_PRECISION, "folds": "leave one author out", "dev_cv": dev_cv,
    }  # fmt: skip
    shipped = classifier(LABELS, heads, KINDS, thresholds, errors, features["words"].vectorizer, meta)
    path = out or classifier_path("tone")
    shipped.save(path)
    log(f"train tone: saved {path} (dev, cross-validated: model P {dev_cv['model']['precision']} R {dev_cv['model']['recall']}; "
        f"combined P {dev_cv['combined']['precision']} R {dev_cv['combined']['recall']}; veto {veto})")  # fmt: skip
    return shipped.meta


def _has(item, label: str) -> bool:
    if label == "any":
        return bool(item.labels)
    if label == "upbeat":
        return bool(item.upbeat)
    return label in item.labels


def _rows(label: str, plain: np.ndarray, every: np.ndarray) -> np.ndarray:
    return every if label == "upbeat" else plain


def _risk_rules(findings, levels, risk_findings) -> set[str]:
    return {f.rule for f in risk_findings(findings) if f.level in levels}


def _unreliable(fired: list[set[str]], y: np.ndarray) -> set[str]:
    hits: dict[str, list[int]] = {}
    for rules, positive in zip(fired, y):
        for rule in rules:
            hits.setdefault(rule, []).append(int(positive))
    return {rule for rule, h in hits.items() if len(h) >= EVIDENCE and sum(h) / len(h) < RELIABLE_PRECISION}
