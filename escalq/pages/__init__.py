"""Page functions; routes are registered in escalq/escalq.py."""
