"""coach: rewrites support agents' draft replies so the customer feels treated as a person.

    import coach
    result = coach.rewrite("hey mate, your order #48213 is late lol", customer_name="Sarah")
    print(result.rewrite, result.engine)
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["rewrite", "analyse"]


def __getattr__(name: str) -> Any:
    # Imported on first use so `import coach` (and `coach lint`) stay fast.
    if name == "rewrite":
        from coach.pipeline import rewrite

        return rewrite
    if name == "analyse":
        from coach.analysis import analyse

        return analyse
    raise AttributeError(f"module 'coach' has no attribute {name!r}")
