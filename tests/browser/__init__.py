"""Browser tests: the whole app in Chromium, driven the way a reviewer uses it."""
