"""Benchmarks: ``make bench`` (or ``.venv/bin/python -m bench [--only NAME]``). See docs/benchmarks.md."""
