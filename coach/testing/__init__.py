"""Test doubles shared by the test suite and the benchmarks (not used in production code)."""
