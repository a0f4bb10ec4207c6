"""Reusable pieces of the dashboard: they take values and handlers, and hold no state."""
