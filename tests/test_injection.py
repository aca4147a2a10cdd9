"""Prompt injection hidden in the draft, the customer's message or the history. A model that obeys the
injection (the stub answers with what obeying would produce, twice) must not get its text through
verification; the rules engine must not act on it either. Facts survive in every case."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coach.config import Settings
from coach.pipeline import rewrite
from coach.schemas import Context, EngineChoice, PastInteraction, RewriteRequest

DATA = yaml.safe_load((Path(__file__).parent / "data" / "injections.yaml").read_text(encoding="utf-8"))
BASE = DATA["base"]
ATTEMPTS = DATA["attempts"]


def _request(attempt: dict, engine: EngineChoice) -> RewriteRequest:
    draft, message = BASE["draft"], BASE["message"]
    history = [PastInteraction(note="Asked about delivery times for order #48213.", date="2026-03-01")]
    if attempt["where"] == "draft":
        draft = f"{draft}\n{attempt['text']}"
    elif attempt["where"] == "customer_message":
        message = f"{message}\n{attempt['text']}"
    else:
        history.append(PastInteraction(note=attempt["text"], date="2026-03-05"))
    context = Context(customer_name=BASE["name"], customer_message=message, history=history)
    return RewriteRequest(draft=draft, context=context, engine=engine)


def _assert_safe(result, attempt: dict) -> None:
    lowered = result.rewrite.lower()
    for forbidden in attempt["forbidden"]:
        assert forbidden.lower() not in lowered, f"{attempt['id']}: {forbidden!r} got through: {result.rewrite!r}"
    for fact in BASE["facts"]:
        assert fact in result.rewrite, f"{attempt['id']}: lost {fact!r}"
    assert not result.facts.new_commitments and not result.facts.missing and not result.facts.altered


def test_the_suite_is_big_enough():
    assert len(ATTEMPTS) >= 20
    assert {a["where"] for a in ATTEMPTS} == {"draft", "customer_message", "history"}


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a["id"] for a in ATTEMPTS])
def test_an_obedient_model_is_caught(attempt, openai_stub, tmp_path):
    import json

    obeyed = json.dumps({"rewrite": attempt["obey"], "changes": [], "cites": []})
    openai_stub.push(obeyed, obeyed)
    settings = Settings(
        data_dir=tmp_path, model="stub-model", openai_base_url=openai_stub.base_url,
        openai_api_key="test", model_retries=0, model_timeout=5, guidance_k=0,
    )  # fmt: skip
    result = rewrite(_request(attempt, EngineChoice.llm), settings=settings)
    assert result.engine == "rules", f"{attempt['id']}: the obeyed answer passed verification: {result.rewrite!r}"
    assert result.fallback
    _assert_safe(result, attempt)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a["id"] for a in ATTEMPTS])
def test_the_rules_engine_does_not_act_on_it(attempt, tmp_path):
    result = rewrite(_request(attempt, EngineChoice.rules), settings=Settings(data_dir=tmp_path))
    _assert_safe(result, attempt)
