"""Benchmarks (not tests): ``python -m bench`` prints a table."""
