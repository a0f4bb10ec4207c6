"""The `escalq` command line."""
