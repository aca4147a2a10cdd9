"""No secrets in the repository: every file git would commit is scanned for credential shapes.

The patterns are the well-known key formats (OpenAI, AWS, GitHub, Slack, Google, Hugging Face,
private key blocks) and a quoted value of 16+ characters assigned to something named like a key,
secret, token or password. Test keys in this repo are short and obviously fake ("test-key").
"""

from __future__ import annotations

import re
import subprocess

import pytest

from coach.config import PROJECT_ROOT

PATTERNS = {
    "OpenAI key": re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY( BLOCK)?-----"),
    "assigned secret": re.compile(
        r"""(?i)\b[\w-]*(?:api[_-]?keys?|admin[_-]?keys?|secret(?:[_-]?key)?|token|password|passwd)["']?\s*[:=]\s*\[?\s*["']([^"'\s]{16,})["']"""
    ),
}
# Values that look like an assigned secret but are not one.
NOT_SECRETS = re.compile(r"^(?:\$\{?[A-Z_]+\}?|<[^>]+>|x{8,}|\*{8,}|(?:test|fake|dummy|example|bench)[\w-]*)$", re.I)
SKIP_SUFFIXES = (".png", ".jpg", ".gif", ".ico", ".woff", ".woff2", ".sqlite3", ".bin", ".pdf")


def repo_files() -> list[str]:
    """Tracked files and untracked ones git would add (not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return sorted({p for p in out.stdout.split("\0") if p and not p.endswith(SKIP_SUFFIXES)})


def find_secrets(text: str) -> list[tuple[str, str]]:
    hits = []
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0)
            if name == "assigned secret" and NOT_SECRETS.match(value):
                continue
            hits.append((name, match.group(0)[:60]))
    return hits


def _git_available() -> bool:
    try:
        return subprocess.run(["git", "rev-parse"], cwd=PROJECT_ROOT, capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not _git_available(), reason="not a git checkout")
def test_no_secrets_in_the_repository():
    files = repo_files()
    assert len(files) > 100  # the scan really saw the repository
    found = []
    for path in files:
        full = PROJECT_ROOT / path
        if not full.is_file():
            continue
        text = full.read_text(encoding="utf-8", errors="replace")
        found += [f"{path}: {name}: {snippet}" for name, snippet in find_secrets(text)]
    assert not found, "possible secrets:\n" + "\n".join(found)


@pytest.mark.skipif(not _git_available(), reason="not a git checkout")
def test_env_files_are_ignored():
    assert not [p for p in repo_files() if p == ".env" or p.endswith("/.env")]
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=PROJECT_ROOT).returncode
    assert ignored == 0, ".env must be in .gitignore"


@pytest.mark.parametrize(
    "planted",
    [
        "OPENAI_API_KEY=" + "sk-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        'client = OpenAI(api_key="' + "sk-proj-" + "Q" * 40 + '")',
        "aws = " + "AKIA" + "IOSFODNN7EXAMPL2",
        "token: " + "ghp_" + "a1" * 20,
        "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
        'admin_keys = ["' + "9f8e7d6c5b4a3f2e1d0c" + '"]',
        'password: "' + "correct-horse-battery" + '"',
    ],
)
def test_the_scanner_finds_planted_secrets(planted):
    assert find_secrets(planted)


@pytest.mark.parametrize(
    "harmless",
    ['api_key = "test-key"', 'OPENAI_API_KEY="bench"', 'token = "${COACH_TOKEN}"', 'secret = "<your key here>"',
     "max_tokens = 900", "the guidance_tokens budget"],
)  # fmt: skip
def test_the_scanner_leaves_test_values_alone(harmless):
    assert not find_secrets(harmless)
