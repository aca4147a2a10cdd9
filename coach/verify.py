"""Checks a rewrite must pass before it reaches an agent; each failure is a plain sentence, which is
also what the repair prompt tells the model."""

from __future__ import annotations

from dataclasses import dataclass

from coach.analysis import analyse, compare_facts
from coach.analysis.language import guess_language
from coach.prompting import default_max_words
from coach.schemas import Analysis, FactCheck, Level, RewriteRequest


@dataclass
class Verdict:
    violations: list[str]
    analysis: Analysis
    facts: FactCheck

    @property
    def ok(self) -> bool:
        return not self.violations


def verify(request: RewriteRequest, draft_analysis: Analysis, text: str) -> Verdict:
    context = request.context
    analysis = analyse(text, context)
    facts = compare_facts(request.draft, text, context)
    violations: list[str] = []

    if not text.strip():
        violations.append("The rewrite is empty.")
    violations += [f'The fact "{f.value}" ({f.kind}) is missing; copy it exactly.' for f in facts.missing]
    violations += [f'The fact "{c.before.value}" was changed to "{c.after.value}"; keep it exactly.' for c in facts.altered]
    violations += [f'"{f.value}" ({f.kind}) is new: the draft and context never gave it; remove it.' for f in facts.added]
    violations += [f'"{c.text}" adds a {c.kind} commitment the draft did not make; remove it.' for c in facts.new_commitments]
    violations += [f"A quoted line or the signature was changed: {line!r}; keep it exactly." for line in facts.protected_changed]

    for finding in analysis.findings:
        if finding.level is Level.error:
            violations.append(f'"{finding.match}" breaks {finding.rule}: {finding.message}')
    name_check = next((c for c in analysis.checks if c.id == "name-used"), None)
    if name_check and name_check.applicable and not name_check.passed:
        violations.append(f"The customer's name is not used: address them as {context.address_as or context.customer_name}.")

    violations += [f'The agent asked to keep "{keep}" word for word; it is missing.' for keep in request.constraints.keep if keep not in text]
    limit = request.constraints.max_words or default_max_words(request.draft)
    words = len(text.split())
    if words > limit:
        violations.append(f"The rewrite has {words} words; the limit is {limit}.")

    draft_language, rewrite_language = guess_language(request.draft), guess_language(text)
    if draft_language and rewrite_language and draft_language != rewrite_language:
        violations.append(f"The rewrite is in {rewrite_language}, the draft in {draft_language}; answer in the draft's language.")
    return Verdict(violations=violations, analysis=analysis, facts=facts)
