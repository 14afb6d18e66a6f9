"""Links between pull requests and Jira items: keys found in a PR's title, branch or body."""

from __future__ import annotations

import re
from collections.abc import Collection

KEY_PATTERN = re.compile(r"[A-Z][A-Z0-9]+-\d+")


def extract_keys(title: str, head_ref: str, body: str, projects: Collection[str]) -> set[str]:
    """Every Jira key of a configured project in the title, head branch and body."""
    wanted = set(projects)
    found: set[str] = set()
    for text in (title, head_ref, body or ""):
        for match in KEY_PATTERN.finditer(text):
            key = match.group(0)
            if key.rsplit("-", 1)[0] in wanted:
                found.add(key)
    return found
