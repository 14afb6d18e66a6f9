"""The flow domain: records, working calendar, linking and metrics (pure; no I/O)."""
