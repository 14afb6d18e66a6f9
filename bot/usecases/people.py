"""Configured people (emails) as Slack users, through the store's Slack user cache.

A resolved user is trusted for ``USER_TTL``; "no Slack user has this email" for
``MISSING_USER_TTL``. Without a messenger (dry runs without a token) the cache is used as
it is, stale or not; a dry run never writes the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.core.errors import NotFound
from bot.core.logs import event
from bot.core.ports import Messenger
from bot.flow.alerts import Recipient
from bot.store.people import SlackUser
from bot.usecases.stores import PeopleStore

log = logging.getLogger(__name__)

USER_TTL = timedelta(days=7)
MISSING_USER_TTL = timedelta(days=1)


class People:
    """Resolves emails to ``Recipient``s (user id + Slack tz), once per email per instance."""

    def __init__(
        self, store: PeopleStore, messenger: Messenger | None, now: datetime, *,
        dry_run: bool = False,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.now = now
        self.dry_run = dry_run
        self._seen: dict[str, SlackUser | None] = {}

    def recipients(self, emails: Iterable[str], default_tz: str) -> list[Recipient]:
        """The Slack users of ``emails`` that exist (``default_tz`` when Slack gives none)."""
        out = []
        for email in emails:
            key = email.lower()
            if key not in self._seen:
                self._seen[key] = self._lookup(key)
            user = self._seen[key]
            if user is not None and user.user_id:
                out.append(Recipient(user.user_id, user.tz or default_tz))
        return out

    def _lookup(self, email: str) -> SlackUser | None:
        cached = self.store.slack_user(email)
        if cached is not None:
            ttl = USER_TTL if cached.user_id else MISSING_USER_TTL
            if self.now - cached.fetched_at < ttl or self.messenger is None:
                return cached
        if self.messenger is None:
            return None
        try:
            person = self.messenger.lookup_user_by_email(email)
            user = SlackUser(email, person.id, person.tz, self.now)
        except NotFound:
            event(log, "people.no_slack_user", logging.WARNING,
                  note="a configured email has no Slack user")
            user = SlackUser(email, None, None, self.now)
        if not self.dry_run:
            self.store.put_slack_users([user])
        return user
