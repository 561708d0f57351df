"""Benchmarks of the webmail against a private Dovecot (see docs/benchmarks.md)."""
