"""The stub as a prompt-sensitive server (issue: evals, item 10): rules map text in the prompt to answers, so
two prompt versions get different answers offline; run standalone, it is a real OpenAI-compatible server."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from coach.testing.openai_stub import OpenAIStub, RuleResponder, load_rules


def ask(base_url: str, system: str) -> str:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": system}, {"role": "user", "content": "DRAFT"}]}
    response = httpx.post(f"{base_url}/chat/completions", json=body, timeout=10)
    return response.json()["choices"][0]["message"]["content"]


def test_the_first_rule_whose_text_is_in_the_prompt_answers(tmp_path):
    rules = [{"when": "Be brief.", "reply": "short answer"}, {"when": "rewrite", "reply": {"content": "long answer"}}]
    with OpenAIStub(default=RuleResponder(rules, "no rule matched")) as stub:
        assert ask(stub.base_url, "Please rewrite. Be brief.") == "short answer"
        assert ask(stub.base_url, "Please rewrite.") == "long answer"
        assert ask(stub.base_url, "Something else.") == "no rule matched"
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps([{"when": "x"}]))
    with pytest.raises(ValueError, match="when, reply"):
        load_rules(bad)


def test_the_standalone_server_answers_by_its_rule_file(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"when": "v2", "reply": "from the v2 rule"}]))
    proc = subprocess.Popen([sys.executable, "-m", "coach.testing.openai_stub", "--port", "0", "--scripted", "--rules", str(rules)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("OpenAI stub ready at "), line
        base_url = line.split(" at ", 1)[1].strip()
        assert ask(base_url, "prompt v2") == "from the v2 rule"
        assert '"rewrite"' in ask(base_url, "prompt v1")  # no rule: the scripted model's JSON answer
    finally:
        proc.terminate()
        proc.wait(timeout=10)
