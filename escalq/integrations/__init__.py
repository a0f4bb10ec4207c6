"""Thin clients for the outside world: HTTP, Slack, email and the LLM."""
