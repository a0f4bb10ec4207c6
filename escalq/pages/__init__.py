"""Page functions, each registered at its escalq.sitemap entry by `@page` (escalq.pages.registry).

Importing this package imports every page module, so each registers itself; escalq/escalq.py adds them.
"""

from escalq.pages import account, admin, audit, detail, login, metrics, policies, queue

__all__ = ["account", "admin", "audit", "detail", "login", "metrics", "policies", "queue"]
