"""Drafts the benchmarks rewrite, and clean answers a zero-latency model stub gives back for them.

The answers keep every fact, quoted line and the signature and break no error-level rule, so an LLM
rewrite of them passes verification on the first attempt: the benchmark measures the common path
(analyse, retrieve, prompt, model, verify once), not repair or fallback. The pipeline benchmark
records the attempts so a change that breaks this is visible.
"""

from __future__ import annotations

import json

from coach.bench.analysis import _PARAGRAPHS, _SIGNATURE, sample_context, sample_draft, vary

SHORT_DRAFT = (
    "hey mate, your order #48213 is delayed again lol. nothing i can do about it, the courier messed up "
    "as usual. it should get to you by 14 March. if it doesn't, let us know and we'll look into it. cheers"
)
SHORT_ANSWER = (
    "Hi Sarah, I'm sorry your order #48213 is delayed again; I understand how frustrating that is. "
    "The courier has had a delay on their side, and the parcel should reach you by 14 March. "
    "If it doesn't, please let us know and we'll look into it straight away. Kind regards"
)
# A short draft that is already fine: few findings, so the guidance search runs (the embedder's path).
CLEAN_DRAFT = (
    "Hi Sarah, thank you for letting us know about order #48213, and I'm sorry it is late. The courier now "
    "expects to deliver it by 14 March. I'll check the tracking again tomorrow and let you know what I find. "
    "Kind regards, Jo"
)
SHORT_CONTEXT = {
    "customer_name": "Sarah Okafor",
    "customer_message": "Where is my order #48213? It's late AGAIN and I'm really annoyed.",
}

# A typical reply: about 100 words, a few problems for the rules engine to fix, several facts to keep.
TYPICAL_DRAFT = (
    "hey mate,\n\n"
    "thanks for getting in touch about order #48213. I've looked into it and the parcel left our warehouse "
    "on 12 March, but the courier hasn't scanned it since. That's company policy I'm afraid, we can't chase "
    "them until 5 working days have passed. obviously you should have picked tracked delivery lol.\n\n"
    "If it still hasn't arrived by 19 March, I can send a replacement or refund the £45.00, whichever you "
    "prefer. You can also start a return at https://www.example.com/returns.\n\n"
    "cheers,\nJo"
)
TYPICAL_ANSWER = (
    "Hi Sarah,\n\n"
    "Thank you for getting in touch about order #48213, and I'm sorry for the worry. I've looked into it: "
    "the parcel left our warehouse on 12 March, but the courier hasn't scanned it since. We can ask the "
    "courier to trace it once 5 working days have passed, and I'll keep an eye on it until then.\n\n"
    "If it still hasn't arrived by 19 March, I can send a replacement or refund the £45.00, whichever you "
    "prefer. You can also start a return at https://www.example.com/returns.\n\n"
    "Kind regards,\nJo"
)
TYPICAL_CONTEXT = {
    "customer_name": "Sarah Okafor",
    "customer_message": "My order #48213 still hasn't arrived and nobody is telling me anything. I'm really worried it's lost.",
}

# One clean paragraph for each of coach.bench.analysis._PARAGRAPHS, same facts, same quoted lines.
_CLEAN = [
    _PARAGRAPHS[0].replace("Hi Sarah,", "Hello Ms Okafor,"),
    "I'm sorry for the trouble. The courier should have scanned the parcel, and I can see why the missing "
    "updates are worrying; I will follow this up with them rather than leave it with their systems. "
    "Tracked delivery is worth considering next time, and I'm happy to help set it up.",
    _PARAGRAPHS[2],
    _PARAGRAPHS[3],
    "Our stock system updates overnight, so the SKU-1234 listing may show as out of stock until the "
    "morning. This can happen during busy periods, when the warehouse is handling many orders at once and "
    "the system takes a little longer than usual to catch up.",
    _PARAGRAPHS[5],
    _PARAGRAPHS[6],
]


def short_request(engine: str = "auto"):
    from coach.schemas import Context, RewriteRequest

    return RewriteRequest(draft=SHORT_DRAFT, context=Context(**SHORT_CONTEXT), engine=engine)


def clean_request(engine: str = "auto"):
    from coach.schemas import Context, RewriteRequest

    return RewriteRequest(draft=CLEAN_DRAFT, context=Context(**SHORT_CONTEXT), engine=engine)


def typical_request(engine: str = "auto"):
    from coach.schemas import Context, RewriteRequest

    return RewriteRequest(draft=TYPICAL_DRAFT, context=Context(**TYPICAL_CONTEXT), engine=engine)


def long_request(words: int = 2000, engine: str = "auto"):
    from coach.schemas import RewriteRequest

    return RewriteRequest(draft=sample_draft(words), context=sample_context(), engine=engine)


def long_answer(words: int = 2000) -> str:
    """The clean counterpart of `sample_draft(words)`, paragraph for paragraph."""
    paragraphs: list[str] = []
    count = i = 0
    while count < words:
        paragraphs.append(vary(_CLEAN[i % len(_CLEAN)], i // len(_CLEAN)))
        count += len(_PARAGRAPHS[i % len(_PARAGRAPHS)].split())
        i += 1
    return "\n\n".join(paragraphs) + "\n" + _SIGNATURE


def answer_json(text: str, cites: tuple[str, ...] = ("acknowledge-emotion", "no-mate-talk")) -> str:
    """The answer as the prompt asks a model to give it."""
    return json.dumps({"rewrite": text, "changes": [], "cites": list(cites)})


def request_body(kind: str, engine: str) -> dict:
    """JSON bodies for the HTTP benchmark: 'short', 'typical' or 'long' drafts."""
    make = {"short": short_request, "typical": typical_request, "long": lambda engine: long_request(engine=engine)}
    request = make[kind](engine)
    return request.model_dump(mode="json", exclude_none=True)
