"""scripts/audit against a PyPI JSON API served on loopback: findings, explained findings, gaps."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coach.config import PROJECT_ROOT

ADVISORY = {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2099-0001"], "fixed_in": ["1.1"], "summary": "bad"}
TWIN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"], "fixed_in": ["1.1"]}
PAGES = {
    "/pypi/alpha/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": [ADVISORY, TWIN]},
    "/pypi/beta/json": {"info": {"version": "2.0"}, "vulnerabilities": []},  # no release page: latest only
    "/pypi/gamma/json": {"info": {"version": "0.2"}, "vulnerabilities": []},  # 0.1 installed: not auditable
}


class _Index(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        page = PAGES.get(self.path)
        self.send_response(200 if page else 404)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(page or {"message": "Not Found"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def index():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    server.shutdown()


@pytest.fixture
def audit(monkeypatch):
    path = PROJECT_ROOT / "scripts" / "audit"
    loader = importlib.machinery.SourceFileLoader("coach_audit_script", str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    monkeypatch.setattr(module, "installed", lambda python: [("alpha", "1.0"), ("beta", "2.0"), ("gamma", "0.1")])
    return module


def test_an_unexplained_advisory_fails_once_per_vulnerability(audit, index, tmp_path, capsys):
    assert audit.main(["--index", index, "--exceptions", str(tmp_path / "none.toml")]) == 1
    out = capsys.readouterr().out
    assert out.count("VULNERABLE alpha 1.0") == 1  # the GHSA and its PYSEC twin are one vulnerability
    assert "not audited gamma 0.1" in out and "beta" not in out.replace("not audited", "")
    assert "3 packages, 2 audited, 1 unexplained and 0 explained advisories, 1 not audited" in out


def test_an_explained_advisory_passes_and_strict_fails_on_gaps(audit, index, tmp_path, capsys):
    exceptions = tmp_path / "exceptions.toml"
    exceptions.write_text('[[exception]]\nids = ["CVE-2099-0001"]\npackage = "alpha"\nreason = "not reachable"\n')
    assert audit.main(["--index", index, "--exceptions", str(exceptions)]) == 0
    assert "explained  alpha 1.0" in capsys.readouterr().out
    assert audit.main(["--index", index, "--exceptions", str(exceptions), "--strict"]) == 1


def test_an_exception_without_a_reason_is_refused(audit, index, tmp_path, capsys):
    exceptions = tmp_path / "exceptions.toml"
    exceptions.write_text('[[exception]]\nids = ["CVE-2099-0001"]\npackage = "alpha"\nreason = " "\n')
    assert audit.main(["--index", index, "--exceptions", str(exceptions)]) == 2
    assert "gives no reason" in capsys.readouterr().err


def test_an_unreachable_index_is_an_error_not_a_pass(audit, tmp_path, capsys):
    assert audit.main(["--index", "http://127.0.0.1:9/pypi", "--exceptions", str(tmp_path / "none.toml")]) == 2
    assert "unreachable" in capsys.readouterr().err


def test_the_projects_exceptions_file_is_valid(audit):
    accepted = audit.load_exceptions(audit.EXCEPTIONS)
    assert "CVE-2026-45829" in accepted
