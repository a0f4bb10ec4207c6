"""RQ job functions, the scheduler and the worker entry point."""
