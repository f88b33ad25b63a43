"""Accounts, passwords, sessions, API tokens, login throttling and CSRF."""
