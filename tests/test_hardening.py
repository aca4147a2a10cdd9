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
