"""Numeric evaluation and finite-difference checks (numpy)."""
