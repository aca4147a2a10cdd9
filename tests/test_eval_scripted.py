"""The scripted model's responder, on the real rewrite prompt (no HTTP): plausible, imperfect, deterministic."""

from __future__ import annotations

import json

from coach.analysis import analyse
from coach.evals.scripted import FLAWS, flaw_for, respond
from coach.prompting import build_messages, load_template, repair_message
from coach.schemas import Context, RewriteRequest


def body_for(draft: str, name: str | None = "Sarah Okafor", message: str | None = "Where is it?! Late AGAIN.", violations=None) -> dict:
    request = RewriteRequest(draft=draft, context=Context(customer_name=name, customer_message=message))
    messages = build_messages(load_template("rewrite/v1"), request, analyse(draft, request.context), "(none)", "en")
    if violations:
        messages += [type(messages[0])("assistant", "{}"), repair_message(load_template("rewrite/v1"), violations)]
    return {"model": "coach-scripted", "messages": [{"role": m.role, "content": m.content} for m in messages]}


def draft_with(flaw: str) -> str:
    return next(d for i in range(500) if flaw_for(d := f"hey mate,\nyour order #{48000 + i} ships on 14 March.") == flaw)


def test_it_greets_by_name_apologises_and_keeps_the_body():
    answer = json.loads(respond(body_for(draft_with("none"))))
    text = answer["rewrite"]
    assert text.startswith("Hi Sarah Okafor,\n\nI'm sorry for the trouble this has caused.")
    assert "hey mate" not in text and "ships on 14 March." in text  # the greeting line is replaced, the body kept
    assert answer["cites"] == ["use-the-name"]


def test_without_a_name_or_an_upset_customer():
    text = json.loads(respond(body_for(draft_with("none"), name=None, message="Thanks, quick question.")))["rewrite"]
    assert text.startswith("Hello,\n\n") and "sorry" not in text


def test_the_flaws_and_their_repair():
    assert set(FLAWS) == {"none", "invents-refund", "no-json", "drops-fact"}
    invented = json.loads(respond(body_for(draft_with("invents-refund"))))["rewrite"]
    assert "refund" in invented
    repaired = json.loads(respond(body_for(draft_with("invents-refund"), violations=['"refund" adds a refund commitment'])))["rewrite"]
    assert "refund" not in repaired

    prose = respond(body_for(draft_with("no-json")))
    assert not prose.lstrip().startswith("{") and "{" not in prose

    draft = draft_with("drops-fact")
    first = json.loads(respond(body_for(draft)))["rewrite"]
    again = json.loads(respond(body_for(draft, violations=['The fact "#..." is missing'])))["rewrite"]
    order = draft.split("#")[1].split()[0]
    assert f"#{order}" not in first and f"#{order}" not in again  # stubborn: the pipeline must fall back


def test_repair_deletes_the_phrases_the_violations_quote():
    draft = draft_with("none").replace("ships", "ships lol,")
    answer = json.loads(respond(body_for(draft, violations=['"lol" breaks flippant.internet-laughter: no laughing'])))
    assert "lol" not in answer["rewrite"] and "ships on 14 March" in answer["rewrite"]


def test_an_unknown_prompt_is_echoed():
    body = {"model": "m", "messages": [{"role": "user", "content": "say hi"}]}
    assert json.loads(respond(body)) == {"rewrite": "say hi"}
