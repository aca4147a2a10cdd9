"""Bad and odd input over real HTTP: every request gets a clear 4xx or a safe 200, never a 5xx, and a
200 always keeps the draft's facts."""

from __future__ import annotations

import pytest
from api_support import USER_KEY, LiveServer, api_settings

pytestmark = pytest.mark.slow

ODD_DRAFTS = {
    "html": "<p>Hi <b>mate</b>, your order <a href='https://x.example/o/48213'>#48213</a> is late lol</p><script>alert(1)</script>",
    "markdown": "# Update\n\n* order **#48213**\n* refund `£45.00` on [12 March](https://x.example/r)\n\n> quoted line",
    "emoji": "Hi 😀😀😀😀 your order #48213 ships today 🚚🚚🚚!!! 🎉",
    "rtl": "مرحبا، طلبك رقم #48213 في الطريق. شكرا لصبرك.",
    "hebrew-mixed": "שלום Sarah, order #48213 \u202eis late\u202c, sorry",
    "cjk": "您好，您的订单 #48213 已发货，预计3天内送达。",
    "control": "Hi\x01 there\x07, your order #48213\x1b[31m is late\x00.",
    "german": "Hallo Herr Becker, Ihre Bestellung #48213 ist leider verspätet. Wir melden uns bei Ihnen.",
    "lone-surrogate-escaped": "Your order #48213 \udcff is late",
    "long-line": "Your order #48213 is late. " + "word " * 3000,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = api_settings(tmp_path_factory.mktemp("bad"), max_request_bytes=1_000_000)
    with LiveServer(settings, warm_up=False) as live, live.client(USER_KEY) as http:
        yield http


@pytest.mark.parametrize("name", sorted(ODD_DRAFTS))
def test_odd_drafts_get_a_safe_answer(client, name):
    draft = ODD_DRAFTS[name].encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    response = client.post("/v1/rewrite", json={"draft": draft, "context": {"customer_name": "Sarah"}})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        body = response.json()
        assert "#48213" in body["rewrite"]
        assert not body["facts"]["missing"] and not body["facts"]["altered"] and not body["facts"]["added"]
    analyse = client.post("/v1/analyze", json={"draft": draft})
    assert analyse.status_code < 500, analyse.text


def test_another_language_stays_untouched_with_a_note(client):
    body = client.post("/v1/rewrite", json={"draft": ODD_DRAFTS["german"], "context": {"locale": "de-DE"}}).json()
    assert body["rewrite"] == ODD_DRAFTS["german"]
    assert any("English" in note for note in body["notes"])


@pytest.mark.parametrize("draft", ["", "   ", "\n\t  \n"])
def test_empty_or_blank_drafts_are_422_naming_the_field(client, draft):
    response = client.post("/v1/rewrite", json={"draft": draft})
    assert response.status_code == 422
    assert "draft" in response.text


def test_a_100kb_draft_is_refused_clearly(client):
    response = client.post("/v1/rewrite", json={"draft": "Your order #48213 is late. " * 4000})
    assert response.status_code in (413, 422)
    assert "draft" in response.text or "too large" in response.text.lower()


def test_invalid_utf8_is_a_clear_4xx(client):
    body = b'{"draft": "Your order \xff\xfe is late"}'
    response = client.post("/v1/rewrite", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500


def test_absurd_context_is_handled(client):
    history = [{"note": f"Contact number {n} about order #48213", "date": "2026-03-01"} for n in range(1000)]
    response = client.post(
        "/v1/rewrite",
        json={"draft": "Hi, your order #48213 is on its way.", "context": {"customer_name": "Sarah", "history": history}},
    )
    assert response.status_code == 200, response.text
    assert "#48213" in response.json()["rewrite"]
    too_many = client.post("/v1/rewrite", json={"draft": "Hi", "context": {"history": history + history}})
    assert too_many.status_code in (413, 422)
