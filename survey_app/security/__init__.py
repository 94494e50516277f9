"""Passwords, masking of personal data and the hash-chained audit log."""
