"""Reflex states: one per page, thin, calling services."""
