"""The rewrite eval cases (evals/cases/*.yaml): they load, they are consistent, and bad data fails clearly."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT
from coach.evals.cases import (
    DEFAULT_CASES,
    SITUATION_TAGS,
    Case,
    CaseError,
    contains_phrase,
    load_case_file,
    load_cases,
    quoted_lines,
    tag_counts,
)
from coach.schemas import RewriteRequest

REQUIRED_TAGS = [
    "delivery", "repeated", "billing", "refund", "elderly", "loyal", "life-event", "grief", "rude", "informal",
    "facts-only", "privacy", "good-draft", "quoted-thread", "injection", "seed", "hard",
]  # fmt: skip
CARDS = PROJECT_ROOT / "knowledge" / "cards"


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases()


# --- the suite as shipped ----------------------------------------------------------------------


def test_every_file_loads_and_holds_cases():
    files = sorted(DEFAULT_CASES.glob("*.yaml"))
    assert len(files) >= 5, "cases are grouped by situation in several files"
    for file in files:
        assert load_case_file(file), f"{file.name} holds no cases"


def test_enough_cases_with_unique_ids(cases):
    assert len(cases) >= 80
    duplicates = [i for i, n in Counter(c.id for c in cases).items() if n > 1]
    assert not duplicates


def test_cases_remember_where_they_came_from(cases):
    for case in cases:
        assert case.file is not None and case.file.parent == DEFAULT_CASES
        assert case.line and case.line >= 1


def test_keep_facts_occur_in_the_draft(cases):
    for case in cases:
        for fact in case.expect.keep_facts:
            assert fact in case.draft, f"{case.id}: {fact!r} is not in the draft"
        for keep in case.constraints.keep if case.constraints else []:
            assert keep in case.draft, f"{case.id}: constraint {keep!r} is not in the draft"


def test_must_not_mention_occurs_in_the_history(cases):
    for case in cases:
        history = " ".join(h.note for h in case.context.history).casefold()
        for detail in case.expect.must_not_mention:
            assert detail.casefold() in history, f"{case.id}: {detail!r} is not in the history"


def test_privacy_cases_name_what_must_stay_private(cases):
    privacy = [c for c in cases if "privacy" in c.tags]
    assert sum(bool(c.expect.must_not_mention) for c in privacy) >= 8


def test_every_required_tag_is_covered(cases):
    counts = tag_counts(cases)
    thin = {tag: counts.get(tag, 0) for tag in REQUIRED_TAGS if counts.get(tag, 0) < 3}
    assert not thin, f"tags with fewer than 3 cases: {thin}"
    # the hard set stays a focused subset as case sets are added: about one case in ten
    assert 15 <= counts["hard"] and 0.05 <= counts["hard"] / len(cases) <= 0.15, f"{counts['hard']} of {len(cases)} cases are tagged hard"


def test_every_case_has_a_situation_tag(cases):
    for case in cases:
        assert set(case.tags) & set(SITUATION_TAGS), case.id


def test_seed_cases(cases):
    seeded = [c for c in cases if "seed" in c.tags]
    assert len(seeded) >= 10
    for case in seeded:
        assert case.seed_file, f"{case.id}: a seed case needs source: 'seed: <file>'"
    assert all("seed" in c.tags for c in cases if c.seed_file), "a case with a seed source is tagged seed"


def test_seed_sources_exist_and_cover_every_article(cases, seeds_dir: Path):
    used = {c.seed_file for c in cases if c.seed_file}
    for name in used:
        assert (seeds_dir / name).is_file(), f"seed article {name} not found in {seeds_dir}"
    assert used == {p.name for p in seeds_dir.glob("*.txt")}, "every seed article has at least one case"


def test_cards_exist(cases):
    known = {p.stem for p in CARDS.glob("*.md")}
    for case in cases:
        unknown = set(case.cards) - known
        assert not unknown, f"{case.id}: unknown cards {sorted(unknown)}"


def test_quoted_thread_cases_protect_the_quotes(cases):
    for case in cases:
        if "quoted-thread" in case.tags:
            assert case.expect.must_keep_quoted and quoted_lines(case.draft), case.id


def test_injection_cases_check_for_injected_content(cases):
    for case in cases:
        if "injection" in case.tags:
            assert case.expect.no_new_commitments, case.id
            # the payload is checked either way: must_not_contain anywhere, or must_not_add in the reply's own words
            assert case.expect.keep_facts and (case.expect.must_not_contain or case.expect.must_not_add), case.id


def test_good_drafts_are_held_to_their_length(cases):
    for case in cases:
        if "good-draft" in case.tags:
            ratio = case.expect.max_length_ratio
            assert ratio is not None and (ratio <= 1.3 or case.word_limit), case.id


def test_good_drafts_pass_their_own_checks(cases):
    """Sending a good draft back unchanged must pass every phrase check (acknowledgement is lexicon-judged, skipped)."""
    for case in cases:
        if "good-draft" not in case.tags:
            continue
        e, draft = case.expect, case.draft
        assert not [p for p in e.must_not_contain + e.must_not_mention if contains_phrase(draft, p)], case.id
        if isinstance(e.use_name, str):
            assert e.use_name in draft, case.id
        if e.reference_history:
            assert any(contains_phrase(draft, p) for p in e.reference_history), case.id
        if case.word_limit:
            assert len(draft.split()) <= case.word_limit, case.id


def test_to_request(cases):
    case = next(c for c in cases if c.context.history)
    request = case.to_request(engine="rules")
    assert isinstance(request, RewriteRequest)
    assert request.draft == case.draft and request.context == case.context and request.tone == case.tone
    assert request.engine.value == "rules"
    request.context.history.clear()
    assert case.context.history, "the request holds a copy, not the case's own context"


def test_select_by_tag(cases):
    grief = load_cases(tag="grief")
    assert grief and all("grief" in c.tags for c in grief)
    assert len(grief) == sum("grief" in c.tags for c in cases)
    with pytest.raises(CaseError, match="no case is tagged 'no-such-tag'"):
        load_cases(tag="no-such-tag")


def test_phrase_matching_respects_word_boundaries():
    assert contains_phrase("Cheers MATE!", "mate")
    assert not contains_phrase("our best estimate", "mate")
    assert contains_phrase("thanks 😂😂", "😂")
    assert contains_phrase("order #99999.", "#99999")
    assert not contains_phrase("order #999990", "#99999")


# --- bad data fails with the file, the line and the case id -------------------------------------

GOOD = """\
- id: {id}
  title: A late parcel
  tags: [delivery]
  context:
    customer_name: Sam Lee
    customer_message: Where is it?
    history:
      - {{date: 2026-03-01, note: "Customer mentioned a hospital stay."}}
  draft: "Order #123 arrives on 4 May."
  expect:
    keep_facts: ["#123", "4 May"]
    must_not_mention: ["hospital stay"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_valid_file(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="late-parcel"))
    [case] = load_cases(tmp_path)
    assert case.expect.max_length_ratio == 1.6 and case.expect.no_new_commitments and case.expect.language == "en"
    assert case.line == 1


def test_mapping_with_cases_key(tmp_path):
    body = "cases:\n" + "".join("  " + line + "\n" for line in GOOD.format(id="late-parcel").splitlines())
    write(tmp_path, "a.yaml", body)
    assert [c.id for c in load_cases(tmp_path)] == ["late-parcel"]


def test_bad_yaml(tmp_path):
    write(tmp_path, "broken.yaml", "- id: x\n  title: [unclosed\n")
    with pytest.raises(CaseError, match=r"broken\.yaml: not valid YAML"):
        load_cases(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("title: A late parcel", "title: A late parcel\n  priority: high"), r"case 'bad': line 3: priority: unknown key \(known: cards, "),
        (("keep_facts:", "keep_fact:"), r"case 'bad': line \d+: expect\.keep_fact: unknown key \(did you mean 'keep_facts'\?\)"),
        (("customer_name: Sam Lee", "customer: Sam Lee"), r"case 'bad': line \d+: context\.customer: unknown key"),
        (("note: \"Customer", "notes: \"Customer"), r"case 'bad': .*history\[0\]: unknown field\(s\) notes"),
        (('"4 May"]', '"5 May"]'), r"case 'bad': .*'5 May' does not occur in the draft"),
        (('["hospital stay"]', '["divorce"]'), r"case 'bad': .*'divorce' does not occur in the history"),
        (("must_not_mention:", "acknowledge: [joy]\n    must_not_mention:"), r"case 'bad': line \d+: expect\.acknowledge\.0"),
        (("tags: [delivery]", "tags: [hard]"), r"case 'bad': (line \d+: )?tags: needs at least one situation tag"),
        (("tags: [delivery]", "tags: [Delivery]"), r"case 'bad': (line \d+: )?tags: 'Delivery' is not a lowercase slug"),
        (("id: bad", "id: Bad Case"), r"case 'Bad Case': (line \d+: )?id: String should match pattern"),
        (("must_not_mention:", "must_not_contain: ['#123']\n    must_not_mention:"), r"'#123' is inside a string to keep"),
        (("must_not_mention:", "must_keep_quoted: true\n    must_not_mention:"), r"the draft has no quoted \(>\) lines"),
        (("must_not_mention:", "use_name: Mr Jones\n    must_not_mention:"), r"uses Jones, not in customer_name"),
    ],
)
def test_invalid_case_names_file_line_and_id(tmp_path, change, message):
    old, new = change
    text = GOOD.format(id="bad")
    assert old in text
    write(tmp_path, "cases.yaml", text.replace(old, new, 1))
    with pytest.raises(CaseError) as info:
        load_cases(tmp_path)
    assert "cases.yaml:1: case " in str(info.value)
    assert re.search(message, str(info.value)), str(info.value)


def test_duplicate_id_in_one_file(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="same") + GOOD.format(id="same"))
    with pytest.raises(CaseError, match=r"a\.yaml:13: case 'same': duplicate id \(first on line 1\)"):
        load_cases(tmp_path)


def test_duplicate_id_across_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="same"))
    write(tmp_path, "b.yaml", GOOD.format(id="same"))
    with pytest.raises(CaseError, match=r"b\.yaml:1: case 'same': duplicate id, already in .*a\.yaml:1"):
        load_cases(tmp_path)


def test_duplicate_yaml_key(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="x").replace("  title: A late parcel\n", "  title: A\n  title: B\n"))
    with pytest.raises(CaseError, match=r"a\.yaml: not valid YAML: duplicate key 'title'"):
        load_cases(tmp_path)


def test_wrong_top_level_shape(tmp_path):
    write(tmp_path, "a.yaml", "tests:\n  - id: x\n")
    with pytest.raises(CaseError, match=r"a\.yaml: expected a list of cases or a mapping with only 'cases'"):
        load_cases(tmp_path)
    write(tmp_path, "a.yaml", "- just a string\n")
    with pytest.raises(CaseError, match=r"a\.yaml:1: case #1 is not a mapping"):
        load_cases(tmp_path)


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(CaseError, match="no such file or directory"):
        load_cases(tmp_path / "nowhere")
    with pytest.raises(CaseError, match="no case files"):
        load_cases(tmp_path)


def test_readme_example_is_a_valid_case():
    import yaml

    readme = (PROJECT_ROOT / "evals" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", readme, re.S)
    assert block, "evals/README.md shows an example case"
    [item] = yaml.safe_load(block.group(1))
    case = Case.model_validate(item)
    assert case.expect.keep_facts and case.word_limit == 90


def test_reference_phrase_in_a_kept_quote_is_rejected(tmp_path):
    text = GOOD.format(id="quoted").replace(
        'draft: "Order #123 arrives on 4 May."', 'draft: "Order #123 arrives on 4 May.\\n> Where is it? Second time."'
    ).replace("must_not_mention:", "must_keep_quoted: true\n    reference_history: [second time]\n    must_not_mention:")
    write(tmp_path, "a.yaml", text)
    with pytest.raises(CaseError, match=r"a\.yaml:1: case 'quoted': .*'second time' is in a quoted line"):
        load_cases(tmp_path)


def test_an_unknown_key_names_its_own_line_and_the_key_meant(tmp_path):
    bad = tmp_path / "cases.yaml"
    bad.write_text(
        "cases:\n  - id: bad-case\n    title: bad\n    tags: [delivery]\n    draft: \"Hi Sam, your order ships today.\"\n"
        "    context:\n      customer_nmae: Sam\n    expect:\n      must_contian: [order]\n"
    )
    with pytest.raises(CaseError) as raised:
        load_cases(bad)
    message = str(raised.value)
    assert "line 7: context.customer_nmae: unknown key (did you mean 'customer_name'?)" in message
    assert "line 9: expect.must_contian: unknown key (did you mean 'must_contain'?)" in message


def test_several_tags_and_single_cases_can_be_picked(tmp_path):
    from typer.testing import CliRunner

    from coach.cli import app

    both = load_cases(tag="grief,elderly")
    assert {t for c in both for t in c.tags} >= {"grief", "elderly"}
    assert all({"grief", "elderly"} & set(c.tags) for c in both)
    with pytest.raises(CaseError, match="'no-such-tag'"):
        load_cases(tag="grief,no-such-tag")
    wrong = CliRunner().invoke(app, ["eval", "run", "--case", "delivery-late-first-tim", "-q", "--out", str(tmp_path)])
    assert wrong.exit_code == 2 and "did you mean 'delivery-late-first-time'" in " ".join(wrong.output.split())
