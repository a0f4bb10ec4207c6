"""escalq: the escalation queue between AI agents and humans."""
