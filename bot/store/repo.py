"""The ``Store``: one object the rest of Crosswalk uses for every read and write."""

from __future__ import annotations

from bot.store.alert_ledger import AlertEntry, AlertLedgerMixin
from bot.store.deployments import DeploymentsMixin
from bot.store.facts import FactsMixin
from bot.store.histories import HistoriesMixin
from bot.store.ledgers import Cursor, DigestEntry, LedgersMixin
from bot.store.lookups import ItemJourney, LookupsMixin
from bot.store.people import PeopleMixin, SlackUser, Snooze
from bot.store.sync_reads import SyncReadsMixin
from bot.store.team_windows import TeamWindowsMixin


class Store(
    LookupsMixin, FactsMixin, TeamWindowsMixin, HistoriesMixin, LedgersMixin, AlertLedgerMixin,
    PeopleMixin, DeploymentsMixin, SyncReadsMixin,
):
    """Repository over one Engine: ``Store(make_engine(url))``.

    Methods take an optional ``conn`` (from ``transaction()``) to join a transaction;
    without it each call runs in a transaction of its own. Cursor methods always take it,
    so a cursor only moves together with the page it covers.
    """


__all__ = ["AlertEntry", "Cursor", "DigestEntry", "ItemJourney", "SlackUser", "Snooze", "Store"]
