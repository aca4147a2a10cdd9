"""`coach serve` as a process: local-only mode, refusing to listen openly without keys, JSON logs without PII."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest
from api_support import COACH, CONTEXT, DRAFT, USER_KEY, Served, free_port, serve_env

pytestmark = pytest.mark.slow

SECRET_QUERY = "Zebedee's wombat parcel"


def test_refuses_to_listen_beyond_loopback_without_keys(tmp_path):
    done = subprocess.run(
        [COACH, "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=tmp_path, env=serve_env(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without API keys" in done.stderr


def test_local_only_mode_says_so_loudly_and_serves_loopback(tmp_path):
    served = Served(tmp_path).wait()
    try:
        assert httpx.get(f"{served.url}/v1/guidance/cards").status_code == 200
    finally:
        log = served.stop()
    assert "LOCAL-ONLY MODE" in log.split("{", 1)[0]  # the banner, before the first JSON line
    assert any(json.loads(line).get("message", "").startswith("LOCAL-ONLY MODE") for line in _json_lines(log))


def test_logs_are_json_with_request_ids_and_no_customer_content(tmp_path):
    served = Served(tmp_path, "--workers", "2", COACH_API_KEYS=USER_KEY).wait()
    headers = {"Authorization": f"Bearer {USER_KEY}"}
    ids = []
    try:
        with httpx.Client(base_url=served.url, headers=headers, timeout=60) as client:
            for call in (
                lambda: client.post("/v1/rewrite", json={"draft": DRAFT, "context": CONTEXT, "engine": "rules"}),
                lambda: client.post("/v1/rewrite", json={"draft": DRAFT, "context": CONTEXT, "engine": "rules", "stream": True}),
                lambda: client.post("/v1/analyze", json={"draft": DRAFT, "context": CONTEXT}),
                lambda: client.get("/v1/guidance/search", params={"q": SECRET_QUERY}),
                lambda: client.post("/v1/rewrite", json={"draft": DRAFT, "context": {**CONTEXT, "locale": "x" * 50}}),
                lambda: client.post("/v1/rewrite", json={"draft": DRAFT}, headers={"Authorization": "Bearer wrong"}),
            ):
                response = call()
                assert response.status_code in (200, 401, 422, 503), response.text  # 503: no index here
                ids.append(response.headers["x-request-id"])
    finally:
        log = served.stop()

    lines = _json_lines(log)
    assert lines, log
    logged_ids = {json.loads(line).get("request_id") for line in lines}
    assert set(ids) <= logged_ids  # every request has its access line, with its id
    for secret in ("Zebedee", "Quartermaine", "mate,", "#48213", "sister", "wombat", CONTEXT["history"][0]["note"], USER_KEY):
        assert secret not in log, f"{secret!r} leaked into the logs"
    access = [json.loads(line) for line in lines if json.loads(line)["logger"] == "coach.api.access"]
    assert {entry["http"]["status"] for entry in access} >= {200, 401, 422}
    assert all("query" not in entry["http"] for entry in access)


def test_content_logging_is_opt_in(tmp_path):
    served = Served(tmp_path, "--log-level", "debug", COACH_LOG_CONTENT="true").wait()
    try:
        response = httpx.post(f"{served.url}/v1/analyze", json={"draft": DRAFT, "context": CONTEXT}, timeout=60)
        assert response.status_code == 200
    finally:
        log = served.stop()
    assert "Zebedee Quartermaine" in log and "#48213" in log


def _json_lines(log: str) -> list[str]:
    lines = [line for line in log.splitlines() if line.startswith("{")]
    for line in lines:
        json.loads(line)  # every log line is one JSON object
    return lines


def test_oversized_headers_are_refused_and_the_server_lives_on(tmp_path):
    served = Served(tmp_path, COACH_API_KEYS=USER_KEY).wait()
    try:
        refused = None
        try:
            refused = httpx.get(f"{served.url}/healthz", headers={"Authorization": "Bearer " + "x" * 2_000_000}, timeout=30)
        except httpx.HTTPError:
            pass  # closing the connection on such a request is a refusal too
        assert refused is None or refused.status_code in (400, 413, 431)
        assert httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200
        small = httpx.get(f"{served.url}/v1/guidance/cards", headers={"Authorization": f"Bearer {USER_KEY}", "X-Note": "y" * 8000}, timeout=30)
        assert small.status_code != 431
    finally:
        served.stop()
