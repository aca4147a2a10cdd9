"""Hardening from the security probe (issue 22): names that are not names, security headers on every response."""

from __future__ import annotations

import pytest
from api_support import USER_KEY, LiveServer, api_settings

import coach
from coach.analysis.names import usable_name


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(api_settings(tmp_path_factory.mktemp("hardening"))) as live:
        yield live


@pytest.mark.parametrize("name, kept", [
    ("Zoë Saldaña", "Zoë Saldaña"), ("Siobhán O’Brien", "Siobhán O’Brien"), ("Jean-Luc Picard", "Jean-Luc Picard"),
    ("Dr. Ng", "Dr. Ng"), ("  Anna   Maria ", "Anna Maria"), ("Zoe\u0308", "Zoë"),
    ("Sarah<img/src=x/onerror=alert(1)>", None), ("Robert'); DROP TABLE", None), ("R2-D2", None), ("😀", None),
    ("", None), ("x" * 101, None), ("-Anna", None),
])  # fmt: skip
def test_a_name_is_letters_marks_spaces_apostrophes_hyphens_and_dots(name, kept):
    assert usable_name(name) == kept


def test_markup_in_a_name_never_reaches_the_reply_and_the_result_says_why():
    result = coach.rewrite("hey, your order #48213 ships on 14 March.", customer_name="Sarah<img/src=x/onerror=alert(1)>")
    assert "<img" not in result.rewrite and "Sarah" not in result.rewrite
    assert "#48213" in result.rewrite and "14 March" in result.rewrite
    assert any("customer_name" in note and "not a name" in note for note in result.analysis.draft.notes)


def test_a_real_name_is_normalised_and_used():
    result = coach.rewrite("hey, your order #48213 ships on 14 March.", customer_name="Zoe\u0308 Saldaña")
    assert "Zoë" in result.rewrite


@pytest.mark.parametrize("path", ["/healthz", "/v1/guidance/cards", "/nope", "/", "/docs"])
def test_every_response_carries_the_security_headers(server, path):
    with server.client(USER_KEY) as client:
        response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_json_answer_may_load_nothing(server):
    with server.client(USER_KEY) as client:
        response = client.post("/v1/analyze", json={"draft": "Hello, your parcel has shipped."})
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


# --- ingest: links out of the folder, oversized files -----------------------------------------------


def test_ingest_follows_no_link_out_of_its_folder_and_says_so(settings, tmp_path):
    from coach.knowledge.ingest import ingest
    from coach.knowledge.search import search

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Server secrets\n\nThe root password is hunter2 and PRETTY_NAME is Debian.\n")
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "real.md").write_text("# Acknowledge the emotion\n\nName what the customer said before you answer.\n")
    (folder / "leak.md").symlink_to(outside / "secret.md")
    (folder / "inside.md").symlink_to(folder / "real.md")  # a link that stays in the folder is fine

    report = ingest([folder], settings)
    leak = next(source for source in report.skipped if source.endswith("leak.md"))
    inside = next(source for source in report.skipped if source.endswith("inside.md"))
    assert "outside the folder" in report.skipped[leak] and "the same file as" in report.skipped[inside]
    assert report.files == 1 and report.skipped_files == 2
    hits = search("root password", k=5, settings=settings)
    assert not any("hunter2" in hit.text for hit in hits)


def test_ingest_skips_a_file_over_the_size_limit(settings, tmp_path):
    from coach.knowledge.ingest import ingest

    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "small.md").write_text("# Use the name\n\nGreet the customer by name.\n")
    (folder / "huge.md").write_text("# Huge\n\n" + "Padding words for a very large file. " * 100)
    report = ingest([folder], settings.model_copy(update={"ingest_max_file_bytes": 1000}))
    huge = next(source for source in report.skipped if source.endswith("huge.md"))
    assert "over the 1,000-byte limit" in report.skipped[huge]
    assert report.files == 1 and report.skipped_files == 1
