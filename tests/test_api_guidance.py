"""Guidance over HTTP: not ready without an index, re-indexing (admin only), then ready, then search with sources.

One test, one server: the embedding model loads once (seconds of CPU) instead of once per xdist worker.
"""

from __future__ import annotations

import httpx
import pytest
from api_support import ADMIN_KEY, USER_KEY, LiveServer, api_settings

pytestmark = pytest.mark.slow


def test_index_lifecycle_over_http(tmp_path):
    with LiveServer(api_settings(tmp_path)) as server, server.client(USER_KEY) as user, server.client(ADMIN_KEY) as admin:
        before = server.wait_ready(timeout=300, warm_only=True)  # warm-up done, but there is no index yet
        assert before["ready"] is False and before["checks"]["embedder"]["ok"], before
        assert not before["checks"]["index"]["ok"] and "coach ingest" in before["checks"]["index"]["detail"]
        assert httpx.get(f"{server.url}/readyz").status_code == 503
        missing = user.get("/v1/guidance/search", params={"q": "late order"})
        assert missing.status_code == 503 and "coach ingest" in missing.json()["message"]

        first = admin.post("/v1/ingest", json={"rebuild": False}, timeout=300)
        assert first.status_code == 200, first.text
        report = first.json()
        assert report["files"] >= 20 and report["added"] == report["chunks"] >= report["files"]
        again = admin.post("/v1/ingest", timeout=300).json()  # no body: the same as {"rebuild": false}
        assert again["added"] == 0 and again["unchanged"] == report["chunks"]

        after = server.wait_ready(timeout=60)
        assert after["ready"] is True, after
        assert after["checks"]["index"]["ok"] and after["checks"]["fallback"]["ok"] and after["local_only"] is False

        body = user.get("/v1/guidance/search", params={"q": "customer is angry that the order is late again", "k": 3}).json()
        assert body["k"] == 3 and len(body["passages"]) == 3
        assert all(p["source"] and p["title"] and -1 <= p["score"] <= 1 for p in body["passages"])
        tagged = user.get("/v1/guidance/search", params={"q": "late parcel", "k": 2, "tag": "emotion"}).json()
        assert tagged["passages"] and all("emotion" in p["tags"] for p in tagged["passages"])


def test_chroma_down_is_a_503_for_ingest_and_search_and_rewrites_still_work(tmp_path):
    settings = api_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=9)  # nothing listens on port 9
    with LiveServer(settings, warm_up=False) as server, server.client(USER_KEY) as user, server.client(ADMIN_KEY) as admin:
        ingest = admin.post("/v1/ingest", json={"rebuild": True})
        assert ingest.status_code == 503, ingest.text
        assert "Chroma server at 127.0.0.1:9" in ingest.json()["message"] and ingest.headers["retry-after"]
        search = user.get("/v1/guidance/search", params={"q": "late order"})
        assert search.status_code == 503, search.text
        rewrite = user.post("/v1/rewrite", json={"draft": "hey mate, order #48213 is late lol", "context": {"customer_name": "Sarah"}})
        assert rewrite.status_code == 200 and rewrite.json()["engine"] == "rules"
        assert "#48213" in rewrite.json()["rewrite"]
