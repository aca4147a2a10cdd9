"""The rules in knowledge/rules: each rule's own hits and near-misses, the engine, and the lint eval."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.analysis import DataError, lint, load_rules
from coach.analysis.document import Document
from coach.analysis.rules import Rule
from coach.bench.analysis import sample_draft, sample_context
from coach.evals.lint import evaluate_sentences, load_sentences
from coach.schemas import Context, Level

RULES = load_rules()
CARDS = {
    "use-the-name", "acknowledge-emotion", "reference-history", "anticipate-next-need", "have-an-answer",
    "no-flat-no", "no-company-policy", "keep-it-simple", "respect-boundaries", "no-mate-talk",
    "no-sarcasm-flippancy", "no-blame", "channel-informality", "generational-expectations", "flexibility-figures",
    "loyal-customers", "not-a-therapist", "welcome-feedback", "emotions-move", "genuine-interest", "keep-facts",
    "emoji-and-punctuation", "human-touch",
}  # fmt: skip
REQUIRED_CATEGORIES = {"over-familiar", "flippant", "blaming", "dismissive", "overreach", "overcomplicated"}


def _cases(kind: str):
    for rule in RULES:
        for i, example in enumerate(getattr(rule.tests, kind)):
            yield pytest.param(rule, example, id=f"{rule.id}-{kind}{i}")


def test_rule_set_size_and_categories():
    assert len(RULES) >= 40
    assert REQUIRED_CATEGORIES <= RULES.categories()
    for category in REQUIRED_CATEGORIES:
        assert sum(r.category == category for r in RULES) >= 3, category


def test_every_rule_cites_a_known_card_and_has_both_kinds_of_test():
    for rule in RULES:
        assert rule.card in CARDS, rule.id
        assert rule.tests.hit and rule.tests.miss, rule.id
        assert rule.id.startswith(rule.category + "."), rule.id


@pytest.mark.parametrize(("rule", "example"), _cases("hit"))
def test_rule_hits(rule: Rule, example):
    findings = rule.run(Document(example.text, example.context))
    assert findings, f"{rule.id} should fire on {example.text!r}"
    assert findings[0].level == (example.level or rule.level)
    assert all(f.rule == rule.id and f.card == rule.card for f in findings)


@pytest.mark.parametrize(("rule", "example"), _cases("miss"))
def test_rule_misses(rule: Rule, example):
    findings = rule.run(Document(example.text, example.context))
    assert not findings, f"{rule.id} fired on {example.text!r}: {[f.match for f in findings]}"


# --- the cases the issue names -------------------------------------------------------------


def _rules_hit(text: str, context: Context | None = None, levels=(Level.error, Level.warning)) -> set[str]:
    return {f.rule for f in lint(text, context) if f.level in levels and not f.rule.startswith("personal.")}


@pytest.mark.parametrize(
    "text",
    ["No charge.", "Dear Mr. Mate, thanks for your order.", "Hi Matt, it has shipped.", "No problem, happy to help."],
)
def test_near_misses_are_clean(text: str):
    assert _rules_hit(text, levels=tuple(Level)) == set()


def test_i_dont_know_followed_by_finding_out_is_at_most_a_suggestion():
    findings = [f for f in lint("I don't know yet, but I will find out by Friday.") if f.rule == "dismissive.dont-know"]
    assert [f.level for f in findings] == [Level.suggestion]
    bare = [f for f in lint("I don't know.") if f.rule == "dismissive.dont-know"]
    assert [f.level for f in bare] == [Level.warning]


def test_bare_no_is_an_error_but_no_charge_is_not():
    assert "dismissive.flat-no" in _rules_hit("Is there a fee for this?\nNo.")
    assert "dismissive.flat-no" not in _rules_hit("No charge for the replacement.")


def test_quoted_lines_and_signature_are_not_linted():
    text = "> you lot are useless lol\n> calm down mate\n\nThank you, Ms Okafor.\n-- \nCheers mate lol\n"
    assert _rules_hit(text, levels=tuple(Level)) == set()


def test_finding_spans_point_at_the_match():
    text = "Hello Ms Okafor,\nthanks mate, sorted."
    finding = next(f for f in lint(text) if f.rule == "over-familiar.address")
    assert text[finding.start : finding.end] == "mate" == finding.match
    assert (finding.line, finding.column) == (2, 8)
    assert finding.replacement == ""


def test_swap_maps_are_exposed_for_the_rewrite_engine():
    swaps = RULES.swaps()
    assert swaps["mate"] == ""
    assert swaps["u"] == "you"
    assert RULES.swaps("overcomplicated")["utilise"] == "use"
    assert RULES.by_id["over-familiar.text-speak"].replacement_for("Pls") == "please"


def test_channel_condition_skips_chat_greetings():
    assert "over-familiar.hey-greeting" in {f.rule for f in lint("Hey Sarah, thanks!")}
    assert "over-familiar.hey-greeting" not in {f.rule for f in lint("Hey Sarah, thanks!", Context(channel="chat"))}


def test_private_life_question_is_fine_when_the_customer_raised_it():
    question = "How is your daughter getting on with it?"
    assert "overreach.private-life-question" in _rules_hit(question)
    context = Context(customer_message="It was a present for my daughter.")
    assert "overreach.private-life-question" not in _rules_hit(question, context)


def test_indexed_matching_agrees_with_a_plain_scan():
    """The word index is an optimisation: it must find exactly what one regex over the text finds."""
    texts = [s.text for s in load_sentences()] + [sample_draft(600)]
    for rule in RULES:
        compiled = rule._compiled
        if compiled.sentence_scope or compiled.kind == "occurrence":
            continue
        for text in texts:
            doc = Document(text)
            fast = [m.span() for m in compiled._text_matches(doc)]
            plain = [m.span() for m in compiled.regex.finditer(doc.masked)]
            assert fast == plain, (rule.id, text)


# --- loading and validation ----------------------------------------------------------------

_VALID = """
  - id: test.one
    category: test
    level: warning
    kind: existence
    message: m
    card: keep-facts
    tokens: [frobnicate]
    tests: {hit: ["frobnicate it"], miss: ["fine"]}
"""


def _write_rules(tmp_path: Path, body: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "test.yaml").write_text("rules:" + body)
    return rules


def test_a_rule_needs_no_code(tmp_path: Path):
    rules = load_rules(_write_rules(tmp_path, _VALID))
    assert [r.id for r in rules] == ["test.one"]
    assert rules.run(Document("Please frobnicate the widget."))[0].match == "frobnicate"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("kind: existence", "kind: substitution"), "swap map"),
        (("kind: existence", "kind: conditional"), "unless"),
        (("kind: existence", "kind: occurrence"), "max"),
        (("tokens: [frobnicate]", "patterns: ['(unclosed']"), "invalid regular expression"),
        (("level: warning", "level: fatal"), "level"),
        (("tests: {hit: [\"frobnicate it\"], miss: [\"fine\"]}", "tests: {hit: [], miss: [\"fine\"]}"), "hit"),
    ],
)
def test_invalid_rules_are_refused_with_a_reason(tmp_path: Path, change, complaint):
    with pytest.raises(DataError, match=complaint):
        load_rules(_write_rules(tmp_path, _VALID.replace(*change)))


def test_duplicate_rule_ids_are_refused(tmp_path: Path):
    with pytest.raises(DataError, match="already defined"):
        load_rules(_write_rules(tmp_path, _VALID + _VALID))


# --- the familiarity detector ----------------------------------------------------------------


def test_lint_eval_meets_the_targets():
    sentences = load_sentences()
    assert len(sentences) >= 150
    assert sum(s.unprofessional for s in sentences) >= 60 and sum(not s.unprofessional for s in sentences) >= 60
    report = evaluate_sentences(sentences)  # the rules alone: this is their regression set
    assert report.splits["dev"].precision >= 0.95, report.misclassified
    assert report.splits["dev"].recall >= 0.9, report.misclassified
    assert set(report.splits) == {"dev", "held-out"}


def test_bench_text_analyses(tmp_path: Path):
    # Not a timing test: the benchmark's input exercises every part of the analysis without errors.
    from coach.analysis import analyse

    analysis = analyse(sample_draft(), sample_context())
    assert analysis.familiarity_risk == 100 and analysis.facts and analysis.emotions


def test_a_rule_is_skipped_only_where_it_would_find_nothing():
    """Trigger words let most rules skip a text; over every rule example, lint sentence and eval draft,
    running all rules on every text finds exactly what the rule set finds."""
    from coach.evals.cases import load_cases

    rules = load_rules()
    texts = [s.text for s in load_sentences()] + [c.draft for c in load_cases()]
    texts += [example.text for rule in rules for example in (*rule.tests.hit, *rule.tests.miss)]
    skipped = 0
    for text in texts:
        doc = Document(text, Context(customer_name="Sarah Okafor"))
        everything = sorted(
            (f for rule in rules._compiled for f in rule.run(doc)), key=lambda f: (f.start, f.end, f.rule)
        )
        assert rules.run(doc) == everything, text
        skipped += sum(not rule.may_match(doc) for rule in rules._compiled)
    assert skipped > len(texts) * len(rules) // 2  # the triggers do skip most rules on most texts


def test_a_prefix_word_triggers_its_rule():
    haha = next(rule for rule in load_rules()._compiled if rule.id == "over-familiar.haha")
    assert haha.trigger_prefixes
    assert haha.may_match(Document("Hahahaha, sorted."))
    assert not haha.may_match(Document("Sorted."))
