"""PyGithub's HTTP session without per-request environment lookups.

requests consults the process environment on every request (proxy variables, ``NO_PROXY``,
CA bundles) when a session's ``trust_env`` is on: about 170 µs a request, for nothing when
no such variable is set. PyGithub builds its session itself, once per connection (kept for
every request after); this swaps in a connection class whose session has ``trust_env`` off.
The CLI decides (``Env.trust_env``): when a proxy or CA-bundle variable is set, nothing
changes and requests honours them as usual.
"""

from __future__ import annotations

from typing import Any

from github import Github

# PyGithub keeps the connection class of a requester in this name-mangled attribute (2.x).
_CONNECTION_CLASS = "_Requester__connectionClass"


def skip_environment(gh: Github) -> bool:
    """Make ``gh``'s future connections skip the environment; False when PyGithub's layout
    is not the one known (then requests behaves as by default: correct, only slower)."""
    requester = gh.requester
    base: Any = getattr(requester, _CONNECTION_CLASS, None)
    if not isinstance(base, type) or not hasattr(base, "request"):
        return False

    class WithoutEnvironment(base):  # type: ignore[misc]  # base is PyGithub's class
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.session.trust_env = False

    setattr(requester, _CONNECTION_CLASS, WithoutEnvironment)
    return True
