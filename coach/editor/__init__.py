"""The deterministic editor: writes the reply when no model is configured, and on every model fallback.

It works on whole sentences (coach.editor.sentences), never cuts words out of the middle of one, adds
no promise, and leaves a visible placeholder where only the agent knows what to say. Its wording is data,
in `knowledge/phrases/bank/*.yaml`.

    from coach.editor import edit
    result = edit(request, analysis)   # text, changes (ids and spans), placeholders, needs_words, notes
"""

from coach.editor.editor import PLACEHOLDER, Edit, edit, find_placeholders, register_for
from coach.editor.layout import is_greeting, is_signoff, read_layout, split_greeting
from coach.editor.phrasebank import Bank, PhraseBankError, load_bank

__all__ = ["PLACEHOLDER", "Bank", "Edit", "find_placeholders", "PhraseBankError", "edit", "is_greeting", "is_signoff", "load_bank", "read_layout", "register_for", "split_greeting"]
