"""Settings: defaults, COACH_ environment variables, the TOML file, and the usual OpenAI/Chroma names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from coach.config import PROJECT_ROOT, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No inherited coach/OpenAI/Chroma variables, and a working directory without coach.toml."""
    for name in list(os.environ):
        if name.startswith(("COACH_", "OPENAI_", "CHROMA_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults():
    settings = Settings()
    assert settings.data_dir == PROJECT_ROOT / ".coach" and settings.knowledge_dir == PROJECT_ROOT / "knowledge"
    assert settings.embeddings == "local" and settings.collection == "guidance"
    assert (settings.chunk_tokens, settings.chunk_overlap) == (256, 32)
    assert settings.chroma_host is None and not settings.uses_chroma_server and settings.chroma_port == 8000
    assert settings.openai_api_key is None and settings.openai_base_url is None and settings.model is None


def test_environment_variables_take_the_coach_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("COACH_EMBEDDINGS", "openai:text-embedding-3-small")
    monkeypatch.setenv("COACH_CHUNK_TOKENS", "512")
    monkeypatch.setenv("COACH_MODEL_TIMEOUT", "2.5")
    monkeypatch.setenv("CHUNK_TOKENS", "64")  # without the prefix: not ours
    settings = Settings()
    assert settings.data_dir == tmp_path / "index" and isinstance(settings.data_dir, Path)
    assert settings.embeddings == "openai:text-embedding-3-small"
    assert settings.chunk_tokens == 512 and settings.model_timeout == 2.5


def test_the_toml_file_named_by_coach_config(monkeypatch, tmp_path):
    config = write_toml(
        tmp_path / "elsewhere.toml",
        'collection = "from-file"\nchunk_tokens = 128\nchunk_overlap = 16\nmodel = "gpt-4o-mini"\n'
        'chroma_host = "chroma.internal"\nchroma_port = 9000\n',
    )
    monkeypatch.setenv("COACH_CONFIG", str(config))
    settings = Settings()
    assert (settings.collection, settings.chunk_tokens, settings.chunk_overlap) == ("from-file", 128, 16)
    assert settings.model == "gpt-4o-mini"
    assert settings.chroma_host == "chroma.internal" and settings.chroma_port == 9000 and settings.uses_chroma_server


def test_coach_toml_in_the_working_directory_is_read(tmp_path):
    write_toml(tmp_path / "coach.toml", 'collection = "local-file"\n')
    assert Settings().collection == "local-file"


def test_coach_config_wins_over_coach_toml(monkeypatch, tmp_path):
    write_toml(tmp_path / "coach.toml", 'collection = "local-file"\n')
    monkeypatch.setenv("COACH_CONFIG", str(write_toml(tmp_path / "named.toml", 'collection = "named-file"\n')))
    assert Settings().collection == "named-file"


def test_environment_beats_the_file(monkeypatch, tmp_path):
    config = write_toml(tmp_path / "coach.toml", 'collection = "from-file"\nchunk_tokens = 128\nchroma_port = 9000\n')
    monkeypatch.setenv("COACH_CONFIG", str(config))
    monkeypatch.setenv("COACH_COLLECTION", "from-env")
    monkeypatch.setenv("CHROMA_PORT", "9100")
    settings = Settings()
    assert settings.collection == "from-env" and settings.chroma_port == 9100
    assert settings.chunk_tokens == 128  # what the environment does not set still comes from the file


def test_explicit_arguments_beat_the_environment(monkeypatch):
    monkeypatch.setenv("COACH_COLLECTION", "from-env")
    assert Settings(collection="from-code").collection == "from-code"


def test_the_usual_openai_and_chroma_variable_names(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9999/v1")
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("CHROMA_PORT", "8123")
    settings = Settings()
    assert settings.openai_api_key == "sk-test" and settings.openai_base_url == "http://127.0.0.1:9999/v1"
    assert settings.chroma_host == "chroma.internal" and settings.chroma_port == 8123 and settings.uses_chroma_server


def test_the_prefixed_names_work_for_the_aliased_settings(monkeypatch):
    monkeypatch.setenv("COACH_OPENAI_API_KEY", "sk-prefixed")
    monkeypatch.setenv("COACH_CHROMA_HOST", "chroma.prefixed")
    settings = Settings()
    assert settings.openai_api_key == "sk-prefixed" and settings.chroma_host == "chroma.prefixed"


def test_aliased_settings_by_field_name_in_code():
    settings = Settings(openai_base_url="http://stub/v1", chroma_host="h", chroma_port=1234)
    assert (settings.openai_base_url, settings.chroma_host, settings.chroma_port) == ("http://stub/v1", "h", 1234)


@pytest.mark.parametrize(("tokens", "overlap"), [(256, 256), (256, 300), (64, 100)])
def test_overlap_not_below_the_chunk_size_is_a_clear_error(tokens, overlap):
    message = rf"chunk_overlap \({overlap}\) must be smaller than chunk_tokens \({tokens}\)"
    with pytest.raises(ValidationError, match=message):
        Settings(chunk_tokens=tokens, chunk_overlap=overlap)


def test_overlap_error_from_the_environment(monkeypatch):
    monkeypatch.setenv("COACH_CHUNK_TOKENS", "64")
    monkeypatch.setenv("COACH_CHUNK_OVERLAP", "64")
    with pytest.raises(ValidationError, match=r"chunk_overlap \(64\) must be smaller than chunk_tokens \(64\)"):
        Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COACH_CHUNK_TOKENS", "16"),
        ("COACH_CHUNK_OVERLAP", "-1"),
        ("CHROMA_PORT", "not-a-port"),
        ("COACH_MODEL_TIMEOUT", "0"),
    ],
)
def test_out_of_range_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_bad_config_is_a_clear_cli_error(tmp_path):
    import subprocess
    import sys

    coach = str(Path(sys.executable).parent / "coach")
    missing = subprocess.run([coach, "lint", "Hello"], env={**os.environ, "COACH_CONFIG": str(tmp_path / "nope.toml")},
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode == 2 and "not a file" in missing.stderr and "Traceback" not in missing.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("model = [unclosed")
    bad = subprocess.run([coach, "rewrite", "Hello there, your order is on its way."], env={**os.environ, "COACH_CONFIG": str(broken)},
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and "not valid TOML" in bad.stderr and "Traceback" not in bad.stderr
