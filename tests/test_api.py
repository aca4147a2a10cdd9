"""The HTTP API over real HTTP (uvicorn on loopback): every endpoint, auth, each 4xx, request ids, metrics."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from api_support import ADMIN_KEY, CONTEXT, DRAFT, USER_KEY, LiveServer, api_settings
from starlette.requests import Request

from coach.api.auth import KeyRing
from coach.api.errors import ApiError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A keyed server, no index (tests/test_api_guidance.py covers ingest, readiness and search)."""
    with LiveServer(api_settings(tmp_path_factory.mktemp("api")), warm_up=False) as live:
        yield live


@pytest.fixture
def user(server):
    with server.client(USER_KEY) as client:
        yield client


@pytest.fixture
def anonymous(server):
    with server.client() as client:
        yield client


# --- operations ------------------------------------------------------------------------------


def test_healthz_needs_no_key_and_carries_a_request_id(anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_a_callers_request_id_is_kept_and_a_bad_one_replaced(anonymous):
    assert anonymous.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"}).headers["x-request-id"] == "lb-1234.abc"
    replaced = anonymous.get("/healthz", headers={"X-Request-ID": "no spaces\tor tabs"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)


def test_metrics_in_prometheus_format(user, anonymous):
    user.post("/v1/analyze", json={"draft": DRAFT})
    user.post("/v1/rewrite", json={"draft": DRAFT, "engine": "rules"})
    anonymous.get("/v1/analyze")  # a 405
    response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert re.search(r'coach_http_requests_total\{method="POST",route="/v1/analyze",status="200"\} [1-9]', text)
    assert 'coach_http_request_duration_seconds_bucket{le="0.1",method="POST",route="/v1/rewrite"}' in text
    assert re.search(r'coach_rewrites_total\{engine="rules"\} [1-9]', text)
    assert "coach_fallbacks_total" in text and "coach_model_tokens_total" in text


# --- the engine's endpoints ---------------------------------------------------------------------


def test_rewrite_answers_the_result_as_json(user):
    response = user.post("/v1/rewrite", json={"draft": DRAFT, "context": CONTEXT})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["engine"] == "rules" and result["rewrite"].strip()
    assert "#48213" in result["rewrite"]
    assert {op for op, _ in result["diff"]} <= {"=", "-", "+"} and result["diff"]
    assert result["analysis"]["draft"]["findings"]
    assert not result["facts"]["missing"]


def test_analyze_answers_findings_without_a_rewrite(user):
    response = user.post("/v1/analyze", json={"draft": DRAFT, "context": CONTEXT})
    assert response.status_code == 200, response.text
    analysis = response.json()
    assert "rewrite" not in analysis
    assert any(f["level"] == "error" for f in analysis["findings"])
    assert any(f["value"] == "#48213" for f in analysis["facts"])
    assert 0 <= analysis["personalisation"] <= 100


def test_cards_listed_and_served(user):
    cards = user.get("/v1/guidance/cards").json()
    ids = {c["id"] for c in cards}
    assert "no-mate-talk" in ids
    card = user.get("/v1/guidance/cards/no-mate-talk").json()
    assert card["id"] == "no-mate-talk" and card["body"] and card["source"].endswith("no-mate-talk.md")


def test_the_page_and_its_assets_are_served_without_a_key(anonymous):
    page = anonymous.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'id="draft"' in page.text
    for asset in ("/static/app.js", "/static/app.css"):
        assert anonymous.get(asset).status_code == 200


def test_openapi_has_an_example_for_every_endpoint(anonymous):
    spec = anonymous.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert {path for path, _, _ in operations} >= {
        "/v1/rewrite", "/v1/analyze", "/v1/guidance/search", "/v1/ingest", "/healthz", "/readyz", "/metrics",
    }  # fmt: skip
    for path, method, op in operations:
        ok = op["responses"]["200"]["content"]
        assert any("example" in media or "examples" in media for media in ok.values()), (method, path)
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            assert body.get("examples"), (method, path)
    assert spec["paths"]["/v1/rewrite"]["post"]["responses"]["200"]["content"]["text/event-stream"]


# --- auth ------------------------------------------------------------------------------------------


def test_no_key_is_401_with_how_to_send_one(anonymous):
    response = anonymous.post("/v1/analyze", json={"draft": DRAFT})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["error"] == "unauthorized" and "Authorization: Bearer" in body["message"]
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer not-a-key"}, {"X-API-Key": "not-a-key"}, {"Authorization": f"Basic {USER_KEY}"}],
    ids=["wrong-bearer", "wrong-header", "wrong-scheme"],
)
def test_a_wrong_key_is_401(anonymous, headers):
    response = anonymous.get("/v1/guidance/cards", headers=headers)
    assert response.status_code == 401
    assert USER_KEY not in response.text and "not-a-key" not in response.text


def test_the_key_may_come_in_x_api_key(anonymous):
    assert anonymous.get("/v1/guidance/cards", headers={"X-API-Key": USER_KEY}).status_code == 200


def test_a_user_key_may_not_ingest_403(user):
    response = user.post("/v1/ingest", json={})
    assert response.status_code == 403
    assert "admin key" in response.json()["message"]


def test_an_admin_key_may_do_what_a_user_key_may(server):
    with server.client(ADMIN_KEY) as admin:
        assert admin.post("/v1/analyze", json={"draft": DRAFT}).status_code == 200


def test_local_only_mode_refuses_remote_callers():
    ring = KeyRing(api_settings(Path("/tmp"), api_keys=[], admin_keys=[]))
    assert ring.local_only

    def request(client: str, host: str = "127.0.0.1:8080") -> Request:
        headers = [(b"host", host.encode())]
        return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (client, 5000)})

    assert ring.identify(request("127.0.0.1")).admin
    assert ring.identify(request("::1", "[::1]:8080")).admin
    assert ring.identify(request("127.0.0.1", "localhost:8080")).admin
    for refused_request in (request("10.1.2.3"), request("127.0.0.1", "attacker.example:8080")):
        with pytest.raises(ApiError) as refused:
            ring.identify(refused_request)
        assert refused.value.status == 403 and "local-only" in refused.value.message


def test_local_only_server_needs_no_key(tmp_path):
    with LiveServer(api_settings(tmp_path, api_keys=[], admin_keys=[]), warm_up=False) as live, live.client() as client:
        assert client.post("/v1/analyze", json={"draft": DRAFT}).status_code == 200
        assert client.get("/v1/guidance/cards").status_code == 200
        assert client.get("/readyz").json()["local_only"] is True


# --- limits and errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"draft": ""}, "draft"),
        ({"draft": "   \n "}, "draft"),
        ({}, "draft"),
        ({"draft": "x" * 50_001}, "draft"),
        ({"draft": DRAFT, "context": {"customer_name": "n" * 201}}, "context.customer_name"),
        ({"draft": DRAFT, "context": {"channel": "pigeon"}}, "context.channel"),
        ({"draft": DRAFT, "surprise": 1}, "surprise"),
        ({"draft": DRAFT, "prompt": "rewrite/v999"}, "prompt"),
        ({"draft": DRAFT, "constraints": {"max_words": 1}}, "constraints.max_words"),
    ],
)
def test_invalid_rewrite_requests_are_422_naming_the_field(user, body, field):
    response = user.post("/v1/rewrite", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["error"] == "invalid_request"
    assert field in [f["field"] for f in problem["fields"]]
    assert field in problem["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": ""}, "q"), ({"q": "  "}, "q"), ({"q": "late", "k": 0}, "k"), ({"q": "late", "k": "x"}, "k")],
)
def test_invalid_searches_are_422_naming_the_parameter(user, params, field):
    response = user.get("/v1/guidance/search", params=params)
    assert response.status_code == 422
    assert field in [f["field"] for f in response.json()["fields"]]


def test_a_body_that_is_not_json_is_422(user):
    response = user.post("/v1/analyze", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_oversize_bodies_are_413(user, server):
    limit = server.settings.max_request_bytes
    declared = user.post("/v1/rewrite", json={"draft": "x" * (limit + 10)})
    assert declared.status_code == 413
    assert str(limit) in declared.json()["message"] and declared.headers["x-request-id"]

    def chunks():  # no Content-Length: the limit must hold while the body streams in
        for _ in range(limit // 10_000 + 2):
            yield b"x" * 10_000

    streamed = user.post("/v1/analyze", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_unknown_paths_and_cards_are_404(user):
    missing = user.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    card = user.get("/v1/guidance/cards/no-such-card")
    assert card.status_code == 404 and "no-such-card" in card.json()["message"]


def test_wrong_method_is_405(user):
    response = user.get("/v1/rewrite")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


def test_rate_limit_is_429_with_retry_after(tmp_path):
    settings = api_settings(tmp_path, rate_limit=3)
    with LiveServer(settings, warm_up=False) as live, live.client(USER_KEY) as user, live.client(ADMIN_KEY) as admin:
        codes = [user.get("/v1/guidance/cards").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = user.get("/v1/guidance/cards")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"] == "rate_limited"
        assert admin.get("/v1/guidance/cards").status_code == 200  # each key has its own budget
        assert user.get("/healthz").status_code == 200  # probes are not limited
        assert "coach_rate_limited_total 2.0" in user.get("/metrics").text


def test_cors_is_off_unless_origins_are_configured(server, tmp_path):
    preflight = {"Origin": "https://chat.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in httpx.options(f"{server.url}/v1/rewrite", headers=preflight).headers
    with LiveServer(api_settings(tmp_path, cors_origins=["https://chat.example"]), warm_up=False) as live:
        allowed = httpx.options(f"{live.url}/v1/rewrite", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://chat.example"


def test_openapi_examples_are_valid_models():
    from coach.api import examples as ex
    from coach.api.models import AnalyzeCall, Card, Health, IngestCall, IngestReport, Readiness, RewriteCall, SearchResults
    from coach.schemas import Analysis, RewriteResult

    RewriteResult.model_validate(ex.REWRITE_RESULT)
    Analysis.model_validate(ex.ANALYSIS)
    for model, example in ((SearchResults, ex.SEARCH_RESULTS), (Card, ex.CARD), (IngestReport, ex.INGEST_REPORT),
                           (Readiness, ex.READY), (Health, ex.HEALTH)):  # fmt: skip
        model.model_validate(example)
    for model, named in ((RewriteCall, ex.REWRITE_REQUEST), (AnalyzeCall, ex.ANALYZE_REQUEST), (IngestCall, ex.INGEST_REQUEST)):
        for example in named.values():
            model.model_validate(example["value"])
