"""Plain functions per area: typed arguments, add and flush, never commit."""
