"""Adapters that speak the outside APIs (Jira, GitHub) and the loopback sandbox."""
