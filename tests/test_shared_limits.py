"""Rate limits shared through a real redis-server on loopback: across limiters, across `coach serve`
processes, and failing open (with /readyz saying so) when Redis dies."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from api_support import USER_KEY, Served, free_port

from coach.api.errors import ApiError
from coach.api.limits import RateLimiter, make_limiter
from coach.api.shared_limits import RedisRateLimiter


class RedisServer:
    def __init__(self, tmp_path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is not installed: .ci/run installs it with apt-get")
            pytest.skip("no redis-server (apt-get install redis-server; .ci/run installs it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        import redis

        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
                return
            except redis.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.kill()


def _allowed(limiter, caller: str, n: int) -> int:
    ok = 0
    for _ in range(n):
        try:
            limiter.check(caller)
            ok += 1
        except ApiError as exc:
            assert exc.status == 429 and int(exc.headers["Retry-After"]) >= 1
    return ok


def test_two_limiters_share_one_bucket(redis_server):
    first, second = (RedisRateLimiter(6, redis_server.url, prefix="t1:") for _ in range(2))
    assert _allowed(first, "key-a", 4) == 4
    assert _allowed(second, "key-a", 4) == 2  # the other process's spending counts
    assert second.blocked("key-a") >= 1 and first.blocked("key-b") is None  # looking spends nothing
    assert _allowed(first, "key-b", 6) == 6
    assert first.status() == (True, "rate limits shared in Redis")


def test_buckets_refill_at_the_rate(redis_server):
    limiter = RedisRateLimiter(60, redis_server.url, prefix="t2:")  # one a second
    assert _allowed(limiter, "k", 61) == 60
    time.sleep(1.1)
    assert _allowed(limiter, "k", 2) == 1


def test_a_dead_redis_fails_open_and_says_so(caplog):
    limiter = RedisRateLimiter(1, f"redis://127.0.0.1:{free_port()}/0", prefix="t3:")
    with caplog.at_level(logging.ERROR, logger="coach.api"):
        assert _allowed(limiter, "k", 5) == 5
    ok, detail = limiter.status()
    assert not ok and "Redis unreachable" in detail and "not enforced" in detail
    assert sum("Redis unreachable" in r.message for r in caplog.records) == 1  # logged once, not per request


def test_make_limiter_picks_the_store():
    assert isinstance(make_limiter(5, None, "requests"), RateLimiter)
    assert isinstance(make_limiter(5, "redis://127.0.0.1:1/0", "requests"), RedisRateLimiter)


@pytest.mark.slow
def test_two_serve_processes_share_a_keys_limit_and_survive_redis_dying(tmp_path, redis_server):
    """6 a minute for one key over two processes: about 6 successes, not 12; then Redis is killed mid-run."""
    env = {"COACH_API_KEYS": USER_KEY, "COACH_RATE_LIMIT": "6", "COACH_REDIS_URL": redis_server.url}
    servers = [Served(tmp_path, **env), Served(tmp_path, **env)]
    try:
        for server in servers:
            server.wait()
        headers = {"Authorization": f"Bearer {USER_KEY}"}

        def call(i: int) -> int:
            url = servers[i % 2].url + "/v1/guidance/cards"
            return httpx.get(url, headers=headers, timeout=10).status_code

        started = time.monotonic()
        statuses = []
        while time.monotonic() - started < 10:
            with ThreadPoolExecutor(4) as pool:
                statuses += list(pool.map(call, range(4)))
            time.sleep(0.5)
        successes = statuses.count(200)
        # The bucket holds 6 and refills at 0.1 a second: at most one refill in 10 s.
        assert 6 <= successes <= 7, statuses
        assert set(statuses) == {200, 429}

        redis_server.kill()
        after = [call(i) for i in range(8)]
        assert after == [200] * 8  # fail open: nobody is blocked by the limiter's own outage, and no 5xx
        ready = httpx.get(servers[0].url + "/readyz", timeout=10).json()
        assert ready["checks"]["limits"]["ok"] is False and "Redis unreachable" in ready["checks"]["limits"]["detail"]
    finally:
        logs = [server.stop() for server in servers]
    assert "Traceback" not in "".join(logs)


@pytest.mark.slow
def test_metrics_add_up_over_two_workers(tmp_path):
    served = Served(tmp_path, "--workers", "2").wait()
    try:
        def hit(_):
            with httpx.Client() as client:  # a new connection each time: the kernel spreads them over the workers
                return client.get(served.url + "/healthz", timeout=10).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(hit, range(60))) == {200}
        totals = set()
        for _ in range(6):  # whichever worker answers /metrics, it reports both workers' requests
            text = httpx.get(served.url + "/metrics", timeout=10).text
            totals.add(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                           if line.startswith("coach_http_requests_total") and 'route="/healthz"' in line))  # fmt: skip
        assert totals == {61.0}  # and the one /healthz that waited for the start
        files = list((Path(tempfile.gettempdir()) / f"coach-metrics-{served.proc.pid}").glob("counter_*.db"))
        assert len(files) == 2  # both workers answered and wrote their own counts
    finally:
        log = served.stop()
    assert "Traceback" not in log
    assert not (Path(tempfile.gettempdir()) / f"coach-metrics-{served.proc.pid}").exists()  # removed at exit
