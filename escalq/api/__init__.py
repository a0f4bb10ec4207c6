"""The agents' REST API, mounted on the Reflex backend under /api."""
