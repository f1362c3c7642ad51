"""Pure domain of the indicators service (no I/O, no frameworks)."""
