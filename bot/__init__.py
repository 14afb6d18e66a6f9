"""Crosswalk: one delivery flow for product and engineering, told in Slack."""

from __future__ import annotations

__version__ = "0.1.0"
