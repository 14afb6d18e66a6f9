"""Pure Block Kit rendering: report and domain values in, text and blocks out."""
