"""Micro-benchmarks; `coach bench` runs them."""
