"""schemathesis against the served OpenAPI document: generated valid and invalid requests, never a 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from api_support import ADMIN_KEY, ARTIFACTS, USER_KEY, LiveServer, api_settings

pytestmark = pytest.mark.slow

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
MAX_EXAMPLES = 12  # per operation: enough to hit the edges, small enough for CI


TOOL_CRASH = "AST constructor recursion depth mismatch"


def test_no_server_errors_for_generated_requests(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(api_settings(tmp_path)) as live:
        with live.client(ADMIN_KEY) as admin:
            assert admin.post("/v1/ingest", json={}, timeout=300).status_code == 200
        assert live.wait_ready()["ready"]  # /readyz answers 503 until then, which would count as a 5xx
        command = [
            SCHEMATHESIS, "run", f"{live.url}/openapi.json",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples", str(MAX_EXAMPLES), "--seed", "6", "--workers", "2", "--no-color",
            "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
            "--header", f"Authorization: Bearer {USER_KEY}",
            "--request-timeout", "60",
            "--report", "junit", "--report-junit-path", str(ARTIFACTS / "schemathesis-junit.xml"),
        ]  # fmt: skip
        for _ in range(6):
            done = subprocess.run(command, capture_output=True, text=True, timeout=540, cwd=tmp_path)
            # CPython 3.11's compiler now and then raises this inside schemathesis's own case generation (not a
            # request to us, and not repeatable with the same seed; on a loaded CI machine three tries in a row
            # have crashed): run it again rather than fail on the tool.
            if TOOL_CRASH not in done.stdout + done.stderr:
                break
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
