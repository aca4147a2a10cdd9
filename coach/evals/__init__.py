"""Evaluations: retrieval quality, lint accuracy, rewrite quality."""
