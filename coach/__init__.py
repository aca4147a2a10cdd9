"""coach: rewrites support agents' draft replies so the customer feels treated as a person."""

__version__ = "0.1.0"
