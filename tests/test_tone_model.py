"""The learned tone and emotion models (coach.analysis.tone_model, emotion_model, heads) and their training."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from coach.analysis import analyse, emotion_model, tone_model
from coach.analysis.heads import Classifier, classifier_path
from coach.analysis.risk import DETECTOR_LEVELS, is_unprofessional, risk_findings
from coach.config import PROJECT_ROOT
from coach.corpora import EMOTION_DIR, TONE_DIR, data_hash, load_tone
from coach.schemas import Context, Level

BEREAVEMENT = "My mother passed away last month and I need to close her account. I'm finding all of this very hard."
THANKS = "Thank you so much, that sorted it straight away!"
THIRD_COMPLAINT = "This is the third time I'm writing about the same broken boiler and still nobody has come out."


def flagged(text: str, context: Context | None = None) -> bool:
    return is_unprofessional(analyse(text, context).findings)


# --- the shipped heads ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, corpus", [("tone", TONE_DIR), ("emotion", EMOTION_DIR)])
def test_the_shipped_head_was_trained_on_the_committed_dev_split(name, corpus):
    head = Classifier.load(classifier_path(name))
    assert head.meta["data_hash"] == data_hash(corpus, "dev"), f"run `coach train {name}`"


def test_the_runtime_word_features_are_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from coach.training.fit import WordFeatures

    texts = [item.text for item in load_tone(splits=("dev",))][:400]
    vectorizer = TfidfVectorizer(**WordFeatures.SETTINGS, dtype=np.float32).fit(texts)
    head = Classifier(labels=("x",), heads=(), thresholds=np.zeros(1), error_thresholds=np.ones(1),
                      vocabulary={t: int(i) for t, i in vectorizer.vocabulary_.items()}, idf=vectorizer.idf_)  # fmt: skip
    probe = texts[:50] + ["Sorry!! your order #48213 is LATE again, I'll refund £45.00 today."]
    assert np.allclose(head.words(probe), vectorizer.transform(probe).toarray(), atol=1e-5)


def test_the_heads_load_without_pickle():
    with np.load(classifier_path("tone"), allow_pickle=False) as data:
        assert {"labels", "thresholds", "error_thresholds", "meta", "minilm_weights", "words_weights"} <= set(data.files)


# --- the newcomer's examples: regression checks, each its own test ---------------------------------

NEWCOMER = {
    "sarcasm without slang": ("wow, great, another complaint about shipping", None),
    "a blaming question": ("Why did you wait three weeks to tell us?", None),
    "a flat brush-off": ("Nothing else I can do.", None),
    "a threat about rudeness": ("Rudeness won't get you anywhere.", None),
    "cheer after a bereavement": ("Have a great day.", Context(customer_message=BEREAVEMENT)),
    "a buddy address": ("guys", None),
}


@pytest.mark.parametrize("name", sorted(NEWCOMER))
def test_the_newcomers_example_is_flagged(name):
    text, context = NEWCOMER[name]
    assert flagged(text, context), [(f.rule, f.level.value) for f in analyse(text, context).findings]


def test_no_training_item_or_rule_holds_a_newcomer_example():
    """The examples above are regression checks, not training data: no dev sentence and no rule contains
    one, or a sentence embedded almost where it is (cosine >= 0.9), and none uses "guys"."""
    from coach.analysis import sentence_vectors

    dev = [item.text for item in load_tone(splits=("dev",))]
    examples = [text for text, _ in NEWCOMER.values() if text != "guys"]
    for text in dev:
        assert not re.search(r"\bguys\b", text, re.I), text
        assert not any(example.lower().rstrip(".?") in text.lower() for example in examples), text
    similarity = sentence_vectors.encode(dev) @ sentence_vectors.encode(examples).T
    closest = np.unravel_index(int(similarity.argmax()), similarity.shape)
    assert similarity.max() < 0.9, (dev[closest[0]], examples[closest[1]])
    rules = "\n".join(path.read_text(encoding="utf-8").lower() for path in (PROJECT_ROOT / "knowledge" / "rules").glob("*.yaml"))
    assert not re.search(r"\bguys\b", rules)
    assert not any(example.lower().rstrip(".?") in rules for example in examples)


# --- context: the customer's emotion decides whether cheer is wrong ---------------------------------


@pytest.mark.parametrize("message, wrong", [(THANKS, False), (BEREAVEMENT, True), (THIRD_COMPLAINT, True)],
                         ids=["after thanks", "after a bereavement", "after a third complaint"])  # fmt: skip
def test_an_upbeat_close_depends_on_what_the_customer_said(message, wrong):
    text = "Your new card is on its way. Have a wonderful weekend!"
    assert flagged(text, Context(customer_message=message)) is wrong


@pytest.mark.parametrize("message", [THANKS, BEREAVEMENT, THIRD_COMPLAINT], ids=["after thanks", "after a bereavement", "after a third complaint"])
def test_a_plain_close_is_fine_whatever_the_customer_said(message):
    assert not flagged("I've closed the account, and the confirmation letter is on its way to you.", Context(customer_message=message))


def test_the_context_rule_names_the_customers_feeling():
    findings = analyse("Enjoy the rest of your week!", Context(customer_message=BEREAVEMENT)).findings
    context = [f for f in findings if f.rule == tone_model.CONTEXT_RULE]
    assert context and "sadness" in context[0].message and context[0].category == "flippant"


# --- findings ---------------------------------------------------------------------------------------


def test_a_model_finding_carries_category_probability_span_and_card():
    draft = "Thanks for waiting. Honestly, if you'd read the manual you wouldn't be in this mess."
    finding = next(f for f in analyse(draft).findings if f.rule.startswith("tone-model."))
    assert finding.category in tone_model.CARDS and finding.card == tone_model.CARDS[finding.category]
    assert re.search(r"p=0\.\d\d", finding.message)
    assert draft[finding.start : finding.end] == finding.match and finding.match.startswith("Honestly")
    assert finding.level in (Level.warning, Level.error)


def test_the_model_is_off_when_asked():
    draft = "Honestly, if you'd read the manual you wouldn't be in this mess."
    assert not [f for f in analyse(draft, learned=False).findings if f.rule.startswith("tone-model.")]


def test_an_unreliable_rule_is_lowered_where_the_model_reads_the_sentence_as_fine():
    head = tone_model.load_classifier()
    unreliable = set(head.meta["unreliable_rules"])
    assert "over-familiar.slang" in unreliable
    draft = "No dramas, your refund of $40.00 went back to your card this morning."
    rules_only = [f for f in analyse(draft, learned=False).findings if f.rule == "over-familiar.slang"]
    assert rules_only and rules_only[0].level is Level.warning
    reviewed = next(f for f in analyse(draft).findings if f.rule == "over-familiar.slang")
    assert reviewed.level is Level.suggestion and "reads this sentence as fine" in reviewed.message


def test_a_rule_without_dev_evidence_is_never_lowered():
    # No insult is in the corpus: the rule's error stands whatever the model thinks of the sentence.
    draft = "Sarah, you idiot, your refund of £45.00 for order #48213 was issued on 12 March."
    assert any(f.rule == "flippant.insult" and f.level is Level.error for f in analyse(draft).findings)


def test_a_salutation_is_not_judged_by_the_model():
    assert not [f for f in analyse("Hi Sarah Okafor,\n\nYour refund has been issued.").findings if f.rule.startswith("tone-model.")]


def test_the_model_reads_at_most_a_bounded_number_of_sentences():
    sentences = [f"Your parcel number {n} left the depot this morning." for n in range(150)]
    text = " ".join(sentences)
    from coach.analysis.document import Document

    doc = Document(text)
    review = tone_model.review(text, doc.sentences, doc.masked, [], [], doc.lines.line_col)
    assert review.scored == tone_model.MAX_SENTENCES and review.skipped == 150 - tone_model.MAX_SENTENCES
    assert any("first 64 distinct sentences" in note for note in analyse(text).notes)


def test_the_models_leave_other_languages_to_the_rules():
    analysis = analyse("Ihre Bestellung #55102 kommt später. Kann man nichts machen, tut mir leid.")
    assert not [f for f in analysis.findings if f.rule.startswith("tone-model.")]
    assert any("English only" in note for note in analysis.notes)


# --- emotion ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message, name", [
    (BEREAVEMENT, "sadness"), (THANKS, "gratitude"), (THIRD_COMPLAINT, "frustration"),
    ("I don't understand this bill at all, what is the 'network adjustment' line?", "confusion"),
])  # fmt: skip
def test_the_emotion_model_names_the_customers_feeling(message, name):
    emotions = analyse("Thanks for your message.", Context(customer_message=message)).emotions
    assert emotions and emotions[0].name == name, emotions


def test_emotions_fall_back_to_the_lexicon_without_the_model():
    emotions = analyse("Thanks for your message.", Context(customer_message=THIRD_COMPLAINT), learned=False).emotions
    assert all(e.name in ("anger", "frustration", "worry", "urgency", "sadness", "gratitude") for e in emotions)


# --- training ---------------------------------------------------------------------------------------


def test_coach_train_tone_fits_and_records_its_data(tmp_path: Path):
    """The reproducible command, on a small corpus: three authors, fine and labelled sentences."""
    pytest.importorskip("sklearn")
    from coach.training.tone import train

    items = [json.loads(line) for path in sorted(TONE_DIR.glob("dev-d[1-3].jsonl")) for line in path.read_text().splitlines()[:90]]
    corpus = tmp_path / "tone"
    corpus.mkdir()
    for author in ("d1", "d2", "d3"):
        rows = [item for item in items if item["id"].startswith(author)]
        (corpus / f"dev-{author}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "tone.npz"
    meta = train(corpus, out=out, log=lambda *_: None)
    head = Classifier.load(out)
    assert head.meta["data_hash"] == data_hash(corpus, "dev") == meta["data_hash"]
    assert head.labels[-2:] == ("any", "upbeat") and head.kinds == ("minilm", "words")
    assert 0 <= meta["dev_cv"]["model"]["precision"] <= 1
    first = out.read_bytes()
    train(corpus, out=out, log=lambda *_: None)
    assert out.read_bytes() == first  # the same data gives the same file


def test_a_rewrite_honours_the_settings_it_is_given(tmp_path):
    from coach.config import Settings
    from coach.pipeline import rewrite
    from coach.schemas import RewriteRequest

    request = RewriteRequest(draft="Honestly, if you'd read the manual you wouldn't be in this mess.")
    rules_only = rewrite(request, settings=Settings(data_dir=tmp_path, model=None, tone_model=False))
    with_models = rewrite(request, settings=Settings(data_dir=tmp_path, model=None, tone_model=True))
    assert not [f for f in rules_only.analysis.draft.findings if f.rule.startswith("tone-model.")]
    assert [f for f in with_models.analysis.draft.findings if f.rule.startswith("tone-model.")]
