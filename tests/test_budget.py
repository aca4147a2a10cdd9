"""The request budget (coach.budget, COACH_REQUEST_TIMEOUT): past it a rewrite returns the draft unchanged and
/v1/analyze answers 503; a client that leaves stops the work; health answers while heavy work runs."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from api_support import USER_KEY, LiveServer, api_settings

from coach import budget
from coach.bench.analysis import sample_context, sample_draft
from coach.pipeline import rewrite
from coach.schemas import RewriteRequest

HEAVY = sample_draft(2000)


def test_a_spent_budget_returns_the_draft_unchanged_and_says_why():
    request = RewriteRequest(draft="hey mate, your order #48213 is late lol", context={"customer_name": "Sam"})
    result = rewrite(request, deadline=budget.deadline(0.0))
    assert result.rewrite == request.draft and result.engine == "none"
    assert result.fallback == budget.BUDGET_EXCEEDED and "unchanged" in result.notes[0]


def test_no_budget_means_no_limit():
    assert rewrite("hey mate, your order #48213 is late lol", customer_name="Sam").engine == "rules"


def test_a_check_outside_a_budget_does_nothing_and_inside_one_stops_the_work():
    budget.check()
    with pytest.raises(budget.BudgetExceeded, match="disconnected"):
        with budget.budget(None, cancelled=lambda: True):
            budget.check()


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    settings = api_settings(tmp_path_factory.mktemp("budget"), request_timeout=0.005)
    with LiveServer(settings, warm_up=False) as live:
        yield live


def test_over_budget_the_api_answers_200_with_the_draft_or_503_for_analysis(tight):
    with tight.client(USER_KEY) as client:
        body = {"draft": HEAVY, "context": sample_context().model_dump(mode="json")}
        rewritten = client.post("/v1/rewrite", json=body, timeout=60)
        analysed = client.post("/v1/analyze", json=body, timeout=60)
    assert rewritten.status_code == 200
    assert rewritten.json()["engine"] == "none" and rewritten.json()["rewrite"] == HEAVY
    assert rewritten.json()["fallback"] == "time budget exceeded"
    assert analysed.status_code == 503 and int(analysed.headers["retry-after"]) > 0


@pytest.fixture
def slow_server(tmp_path, monkeypatch):
    """A server whose analysis is slow work that checks its budget every 10 ms, for up to 10 s (the model is
    not involved: this times the request's own machinery). `stopped` records why it stopped early."""
    import coach.pipeline as pipeline

    stopped: list[str] = []
    real = pipeline.analyse

    def slow_analyse(text, context=None, **kwargs):
        if text == HEAVY:
            until = time.monotonic() + 10
            try:
                while time.monotonic() < until:
                    budget.check()
                    sum(range(20_000))  # CPU work, holding the GIL between switches
            except budget.BudgetExceeded as exc:
                stopped.append(str(exc))
                raise
        return real(text, context, **kwargs)

    monkeypatch.setattr(pipeline, "analyse", slow_analyse)
    with LiveServer(api_settings(tmp_path, request_timeout=60), warm_up=False) as live:
        live.stopped = stopped
        yield live


def test_a_client_that_disconnects_stops_the_work(slow_server):
    with slow_server.client(USER_KEY) as client:
        with pytest.raises(httpx.TimeoutException):
            client.post("/v1/rewrite", json={"draft": HEAVY}, timeout=0.5)
    deadline = time.monotonic() + 5
    while not slow_server.stopped and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slow_server.stopped == [budget.CLIENT_GONE]


def test_health_answers_while_heavy_work_runs(slow_server):
    done = threading.Event()

    def heavy():
        with slow_server.client(USER_KEY) as client:
            try:
                client.post("/v1/rewrite", json={"draft": HEAVY}, timeout=3)
            except httpx.HTTPError:
                pass
        done.set()

    threading.Thread(target=heavy, daemon=True).start()
    time.sleep(0.3)
    with slow_server.client() as client:
        started = time.monotonic()
        health, ready = client.get("/healthz", timeout=5), client.get("/readyz", timeout=5)
        waited = time.monotonic() - started
    assert health.status_code == 200 and ready.status_code in (200, 503)
    assert not done.is_set(), "the heavy request finished first: make it heavier"
    assert waited < 2.0


def test_the_server_shortens_the_switch_interval_while_it_runs_and_restores_it(tmp_path):
    """Heavy work runs in threads: a short switch interval lets the event loop (health checks) in quickly."""
    import sys

    from fastapi.testclient import TestClient

    from coach.api.app import create_app

    before = sys.getswitchinterval()
    app = create_app(api_settings(tmp_path, switch_interval_ms=0.5), warm_up=False)
    with TestClient(app) as client:
        assert sys.getswitchinterval() == pytest.approx(0.0005)
        assert client.get("/healthz").status_code == 200
    assert sys.getswitchinterval() == pytest.approx(before)
