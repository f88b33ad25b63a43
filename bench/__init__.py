"""Benchmarks (run as scripts; not tests) and the data they need."""
