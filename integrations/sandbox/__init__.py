"""Loopback Jira Cloud, GitHub REST and Slack Web API servers plus the scenario generator."""
