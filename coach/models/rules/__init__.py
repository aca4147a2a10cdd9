"""The rules engine: a deterministic rewriter that serves when no LLM is configured or the LLM fails.

It edits like a careful colleague: swaps slang and blame for plain words, turns dead ends ("it's
company policy", "I don't know") into next steps, greets the customer by name, acknowledges how
they feel, and never touches a fact, a quoted line or the signature. Its wording lives in
`knowledge/phrases/*.yaml`.
"""

from coach.models.rules.backend import RulesBackend
from coach.models.rules.phrases import PhraseError, load_phrases

__all__ = ["PhraseError", "RulesBackend", "load_phrases"]
