"""Slack surfaces: the only package that imports ``slack_sdk`` and ``slack_bolt``."""
