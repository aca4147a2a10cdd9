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


# --- local-only mode: forwarding headers, cross-site requests ----------------------------------------


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    settings = api_settings(tmp_path_factory.mktemp("local-only"), api_keys=[], admin_keys=[])
    with LiveServer(settings, warm_up=False) as live:
        yield live


@pytest.mark.parametrize("forwarded", ["for=203.0.113.7", 'for="[2001:db8::1]:4711";proto=https', "for=127.0.0.1, for=198.51.100.2"])
def test_local_only_refuses_a_request_forwarded_for_another_machine(local_server, forwarded):
    with local_server.client() as client:
        assert client.get("/v1/guidance/cards").status_code == 200
        refused = client.get("/v1/guidance/cards", headers={"Forwarded": forwarded})
    assert refused.status_code == 403 and "local-only" in refused.json()["message"]


def test_local_only_allows_a_request_forwarded_for_this_machine(local_server):
    with local_server.client() as client:
        assert client.get("/v1/guidance/cards", headers={"Forwarded": "for=127.0.0.1;proto=http"}).status_code == 200


@pytest.mark.parametrize("headers, status", [
    ({"Origin": "http://evil.example", "Content-Type": "text/plain"}, 403),
    ({"Origin": "http://evil.example", "Content-Type": "application/json"}, 403),
    ({"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, 403),
    ({"Origin": "null", "Content-Type": "application/json"}, 403),
    ({"Content-Type": "text/plain"}, 415),
])  # fmt: skip
def test_local_only_refuses_cross_site_and_non_json_writes(local_server, headers, status):
    with local_server.client() as client:
        response = client.post("/v1/ingest", content=b"{}", headers=headers)
    assert response.status_code == status, response.text


def test_local_only_takes_a_same_origin_json_request(local_server):
    with local_server.client() as client:
        origin = f"http://127.0.0.1:{local_server.port}"
        response = client.post("/v1/analyze", json={"draft": "Hello, your parcel has shipped."},
                               headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})  # fmt: skip
    assert response.status_code == 200


# --- failed authentication is rate-limited per client address ----------------------------------------


def test_repeated_wrong_keys_get_429(tmp_path):
    with LiveServer(api_settings(tmp_path, failed_auth_limit=5), warm_up=False) as live:
        with live.client("wrong-key") as client:
            statuses = [client.get("/v1/guidance/cards").status_code for _ in range(8)]
        assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
        with live.client(USER_KEY) as client:
            locked = client.get("/v1/guidance/cards")  # the address is locked out: a guess that is right gains nothing
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_a_malformed_origin_is_refused_not_a_500(local_server):
    with local_server.client() as client:
        response = client.post("/v1/analyze", json={"draft": "Hello."}, headers={"Origin": "http://[::1"})
    assert response.status_code == 403


def test_a_damaged_head_falls_back_to_the_rules(tmp_path, monkeypatch):
    from coach.analysis import analyse, heads

    broken = tmp_path / "tone.npz"
    broken.write_bytes(b"PK\x03\x04 truncated")
    monkeypatch.setattr(heads, "classifier_path", lambda name: broken)
    heads.load_shipped.cache_clear()
    try:
        analysis = analyse("hey mate, your order is late lol")
        assert any(f.rule == "over-familiar.address" for f in analysis.findings)
        assert any("not installed" in note for note in analysis.notes)
    finally:
        heads.load_shipped.cache_clear()


# --- one bad card ------------------------------------------------------------------------------------


def test_a_broken_card_is_skipped_logged_and_reported_never_a_500(tmp_path):
    import shutil

    from coach.config import PROJECT_ROOT

    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    (knowledge / "cards" / "zz-broken.md").write_text("---\nid: zz-broken\ntags: !!python/object/apply:os.system ['true']\n---\n# Broken\n")
    with LiveServer(api_settings(tmp_path, knowledge_dir=knowledge), warm_up=False) as live, live.client(USER_KEY) as client:
        cards = client.get("/v1/guidance/cards")
        assert cards.status_code == 200 and "zz-broken" not in cards.text and "no-mate-talk" in cards.text
        rewrite = client.post("/v1/rewrite", json={"draft": "hey mate, your order #48213 ships on 14 March.", "context": {"customer_name": "Sam"}})
        assert rewrite.status_code == 200 and "#48213" in rewrite.json()["rewrite"]
        check = client.get("/readyz").json()["checks"]["cards"]
        assert check["ok"] is False and "zz-broken.md" in check["detail"]


# --- no server paths in what a caller sees -----------------------------------------------------------


def test_errors_and_readiness_name_no_server_path(tmp_path):
    settings = api_settings(tmp_path)
    with LiveServer(settings, warm_up=False) as live, live.client(USER_KEY) as client:
        unknown = client.post("/v1/rewrite", json={"draft": "Hello there.", "prompt": "rewrite/v999"})
        ready = client.get("/readyz")
        long_prompt = client.post("/v1/rewrite", json={"draft": "Hello there.", "prompt": "x" * 5000})
    assert unknown.status_code == 422 and "rewrite/v1" in unknown.text
    for response in (unknown, ready, long_prompt):
        assert str(tmp_path) not in response.text and "/work/" not in response.text and "/root/" not in response.text
    assert "<COACH_DATA_DIR>" in ready.text  # the empty index is named by its setting
    assert "x" * 100 not in long_prompt.text


def test_card_sources_are_relative_even_outside_the_project(tmp_path):
    import shutil

    from coach.config import PROJECT_ROOT
    from coach.knowledge.cards import load_cards

    knowledge = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    sources = {card.source for card in load_cards(knowledge).values()}
    assert sources and all(source.startswith("kb/cards/") for source in sources)


def test_a_file_refused_now_loses_the_chunks_it_had(settings, tmp_path):
    from coach.knowledge.ingest import ingest
    from coach.knowledge.search import search

    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "grows.md").write_text("# Refund timing\n\nRefunds reach the card in five working days, zebra marker.\n")
    first = ingest([folder], settings)
    assert first.files == 1 and any("zebra" in hit.text for hit in search("zebra marker refunds", k=3, settings=settings))
    (folder / "grows.md").write_text("# Refund timing\n\n" + "Padding words for a file that grew too large. " * 100)
    second = ingest([folder], settings.model_copy(update={"ingest_max_file_bytes": 1000}))
    assert second.skipped_files == 1 and second.removed >= 1
    assert not any("zebra" in hit.text for hit in search("zebra marker refunds", k=3, settings=settings))


@pytest.mark.parametrize("line", ["Just Google It", "NOT MY PROBLEM", "Deal With It"])
def test_a_title_case_brush_off_mid_reply_is_read_by_the_model(line):
    from coach.analysis import analyse

    draft = f"Hi Sam,\n\nI saw your message about the router.\n\n{line}\n\nThe engineer visit is on 4 June.\nYour ticket is 5521.\n\nKind regards,\nJo"
    analysis = analyse(draft)
    assert any(f.match.strip() == line and f.level.value in ("warning", "error") for f in analysis.findings), [(f.rule, f.match) for f in analysis.findings]
