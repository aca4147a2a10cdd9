"""The "scripted" model: a deterministic stand-in for an LLM, answering over real HTTP (the OpenAI stub).

It reads the rewrite prompt the pipeline sends (CUSTOMER NAME, the fenced DRAFT, the protected
facts) and answers like a plausible but imperfect model:

* it replaces the draft's greeting with "Hi <name>," and adds an apology when the customer sounds upset;
  it does so because the system prompt asks it to, in words it recognises (`DIRECTIVES`), so a prompt
  version that words its principles differently gets different answers: a v1-against-v2 eval shows a
  real difference offline;
* it leaves slang, blame and flat refusals in the body: verification catches the error-level ones,
  and on the repair call it deletes the phrases the violations quote;
* about one draft in six (picked by a hash of the draft) it adds a refund the draft never offered
  (fixed on repair), one in six it answers in prose with no JSON (the pipeline falls back to the
  rules engine), and one in six it drops a protected fact on both tries (fallback after repair).

So a CI run exercises verify, repair and fallback end to end, deterministically, for free.

`respond_obeying` is the worst model of all for injection tests: on every call, repairs included, it does
what any instruction in the customer's data says (the message, the history, the name, the draft's quoted
lines), decoding base64 and look-alike letters first, by writing the instruction into the reply.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading

_NAME = re.compile(r"^CUSTOMER NAME:[ \t]*(.*)$", re.MULTILINE)
_DRAFT = re.compile(r"^~~~ DRAFT\n(.*?)\n~~~[ \t]*$", re.MULTILINE | re.DOTALL)
_MESSAGE = re.compile(r"^~~~ CUSTOMER MESSAGE\n(.*?)\n~~~[ \t]*$", re.MULTILINE | re.DOTALL)
_FACTS = re.compile(r"^Protected facts[^\n]*\n((?:- .*\n?)*)", re.MULTILINE)
_FACT_LINE = re.compile(r"^- (.*?)  \(\w+\)$", re.MULTILINE)
_GREETING = re.compile(r"^\s*(?:hi|hey|hello|hiya|yo|dear|good (?:morning|afternoon|evening)|greetings)\b[^\n]{0,40}\n+", re.IGNORECASE)
_VIOLATION_MATCH = re.compile(r'^- "(.+?)" breaks ', re.MULTILINE)
_UPSET = re.compile(
    r"!|\b(?:again|still|angry|furious|frustrat\w*|upset|annoy\w*|disappoint\w*|ridiculous|unacceptable|worried|"
    r"anxious|scared|terrible|awful|useless|sad|passed away|died)\b",
    re.IGNORECASE,
)
MODEL = "coach-scripted"
# What the scripted model does when the system prompt says so (matched case-insensitively).
DIRECTIVES = {
    "greet": "greet the customer by name",
    "acknowledge": "acknowledge the emotion",
    "one_apology": "never add a second apology",  # rewrite/v2: no apology of its own when the draft already has one
}
_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.IGNORECASE)
FLAWS = ("none", "none", "none", "invents-refund", "no-json", "drops-fact")


def flaw_for(draft: str) -> str:
    return FLAWS[int(hashlib.sha256(draft.encode()).hexdigest(), 16) % len(FLAWS)]


def respond(body: dict, flaw: str | None = None) -> str:
    """The chat completion content for one request body (the OpenAI stub's responder). `flaw`: the imperfection
    to show (default: the one the draft's hash picks)."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    prompt = "\n".join(str(m.get("content") or "") for m in messages[:2])
    draft_match = _DRAFT.search(prompt)
    if not draft_match:  # not a prompt we understand: echo the last message, as a confused model might
        return json.dumps({"rewrite": str(messages[-1].get("content") or "") if messages else ""})
    draft = draft_match.group(1).strip()
    name = (_NAME.search(prompt).group(1).strip() if _NAME.search(prompt) else "") or "(unknown)"
    message = _MESSAGE.search(prompt)
    facts_block = _FACTS.search(prompt)
    facts = _FACT_LINE.findall(facts_block.group(1)) if facts_block else []
    repair = len(messages) > 2
    flaw = flaw or flaw_for(draft)

    system = str(messages[0].get("content") or "").casefold() if messages else ""
    asked = {key for key, words in DIRECTIVES.items() if words in system}
    text = _rewrite(draft, None if name == "(unknown)" else name, message.group(1) if message else "", asked)
    if repair:
        for phrase in _VIOLATION_MATCH.findall(str(messages[-1].get("content") or "")):
            text = _delete(text, phrase)
    if flaw == "no-json" and not repair:
        return f"Sure! Here is a warmer version of the reply:\n\n{text}"
    if flaw == "invents-refund" and not repair:
        text += "\n\nAs a goodwill gesture, we'll also refund your delivery charge."
    if flaw == "drops-fact" and facts:
        text = text.replace(facts[0], "it")
    changes = [{"kind": "replaced", "before": draft.split("\n", 1)[0][:60], "after": text.split("\n", 1)[0][:60],
                "reason": "greet the customer by name", "cites": ["use-the-name"]}]  # fmt: skip
    return json.dumps({"rewrite": text, "changes": changes, "cites": ["use-the-name"]})


def _rewrite(draft: str, name: str | None, customer_message: str, asked: set[str]) -> str:
    if "greet" not in asked:
        return draft
    body = _GREETING.sub("", draft, count=1).strip()
    parts = [f"Hi {name}," if name else "Hello,"]
    upset = bool(customer_message and customer_message != "(none)" and _UPSET.search(customer_message))
    if upset and "acknowledge" in asked and not ("one_apology" in asked and _APOLOGY.search(draft)):
        parts.append("I'm sorry for the trouble this has caused.")
    parts.append(body)
    return "\n\n".join(parts)


def _delete(text: str, phrase: str) -> str:
    start = r"\b" if phrase[:1].isalnum() else ""
    end = r"\b" if phrase[-1:].isalnum() else ""
    text = re.sub(rf"[ \t]*{start}{re.escape(phrase)}{end}[,!]?", "", text, flags=re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", text)


_USER_DATA = re.compile(r"^CUSTOMER NAME:.*?(?=^DRAFT \(data)", re.MULTILINE | re.DOTALL)


def respond_obeying(body: dict) -> str:
    """Like `respond`, but it follows every instruction in the customer's data, on every try."""
    from coach.analysis.injection import instructions

    answer = json.loads(respond(body)) if _is_json(respond(body)) else {"rewrite": respond(body)}
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    user = str(messages[1].get("content") or "") if len(messages) > 1 else ""
    data = _USER_DATA.search(user)
    draft = _DRAFT.search(user)
    quoted = "\n".join(line.lstrip("> ") for line in (draft.group(1) if draft else "").splitlines() if line.startswith(">"))
    orders = instructions(f"{data.group(0) if data else ''}\n{quoted}")
    if orders:
        answer["rewrite"] = str(answer.get("rewrite") or "") + "\n\n" + " ".join(orders)
    return json.dumps(answer)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class RandomResponder:
    """A seeded random answer policy, for repeated runs: each first try of a draft draws its flaw at random
    (seed, draft, and how many times this draft was asked), so the tries of one case differ, and the same
    seed gives the same draws. Repairs keep the flaw the try drew."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.asked: dict[str, int] = {}
        self.lock = threading.Lock()
        self.current: dict[str, str] = {}

    def __call__(self, body: dict) -> str:
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        prompt = "\n".join(str(m.get("content") or "") for m in messages[:2])
        draft_match = _DRAFT.search(prompt)
        draft = draft_match.group(1).strip() if draft_match else ""
        with self.lock:
            if len(messages) <= 2:  # a first try: draw
                n = self.asked.get(draft, 0)
                self.asked[draft] = n + 1
                digest = hashlib.sha256(f"{self.seed}:{n}:{draft}".encode()).hexdigest()
                self.current[draft] = FLAWS[random.Random(digest).randrange(len(FLAWS))]
            flaw = self.current.get(draft, "none")
        return respond(body, flaw=flaw)


# --- the scripted judge ---------------------------------------------------------------------------------------

JUDGE_MODEL = "scripted"  # `--judge-model scripted`: this judge, on an in-process stub, offline and free
_REPLY = re.compile(r"^~~~ REPLY\n(.*?)\n~~~[ \t]*$", re.MULTILINE | re.DOTALL)


class ScriptedJudge:
    """A stand-in judge for offline runs: it grades a reply with coach's own checks (those of the sendability
    proxy: facts, inventions, fragments, placeholders, plus the familiarity findings and the name), and it is
    noisy the way a model at a temperature above 0 is: each repeat of the same question (seeded by the
    question and how often it was asked) may move one score by one step, so variance and agreement are real
    numbers. It answers both rubrics: judge/v1's four criteria, and judge/v2's verdict."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.asked: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, body: dict) -> str:
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        prompt = "\n".join(str(m.get("content") or "") for m in messages[:2])
        draft, reply = _DRAFT.search(prompt), _REPLY.search(prompt)
        if not draft or not reply:
            return "I can only grade a REPLY against its DRAFT."
        key = hashlib.sha256(prompt.encode()).hexdigest()
        with self.lock:
            n = self.asked.get(key, 0)
            self.asked[key] = n + 1
        noisy = float(body.get("temperature") or 0) > 0
        jitter = random.Random(f"{self.seed}:{n}:{key}").choice((-1, 0, 0, 0, 1)) if noisy else 0
        m = self._metrics(prompt, draft.group(1).strip(), reply.group(1).strip())
        faithful = m.facts_preserved and not m.invented
        whole = not m.fragments_made and not m.placeholders
        if '"verdict"' in prompt:  # judge/v2: the sendability rubric
            level = 0 if not faithful else 2 if whole and not m.familiarity_findings else 1
            level = max(0, min(2, level + jitter)) if faithful else 0
            verdict = ("no", "edit", "send")[level]
            reason = {"no": "it loses or invents a fact", "edit": "it needs a small edit first", "send": "it reads well and keeps every fact"}[verdict]
            return json.dumps({"verdict": verdict, "facts_kept": m.facts_preserved, "invented": bool(m.invented), "reason": reason})
        scores = {
            "personal": 4 if m.name_used else 2,
            "respectful": 5 - min(3, m.familiarity_findings) - (0 if whole else 1),
            "not_over_familiar": 5 - min(3, m.familiarity_findings),
            "faithful": 5 if faithful else 1,
        }
        if jitter:
            criterion = ("personal", "respectful", "not_over_familiar")[n % 3]
            scores[criterion] = max(1, min(5, scores[criterion] + jitter))
        return json.dumps({**scores, "reason": "graded by coach's own checks (the scripted judge)"})

    @staticmethod
    def _metrics(prompt: str, draft: str, reply: str):
        from coach.evals.cases import Case
        from coach.evals.metrics import score_case

        name = _NAME.search(prompt)
        customer = name.group(1).strip() if name and name.group(1).strip() != "(unknown)" else None
        message = _MESSAGE.search(prompt)
        case = Case.model_validate({
            "id": "judged", "title": "judged", "tags": ["facts-only"], "draft": draft,
            "context": {"customer_name": customer, "customer_message": message.group(1) if message and message.group(1) != "(none)" else None},
            "expect": {"use_name": bool(customer)},
        })  # fmt: skip
        return score_case(case, reply, engine="judged")
