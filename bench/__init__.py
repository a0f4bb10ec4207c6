"""Speed goals, measured on synthetic data: `make bench` (never part of `make test`)."""
