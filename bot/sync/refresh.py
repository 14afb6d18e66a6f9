"""Incremental recomputation of derived facts from what a sync page changed.

Each committed page queues what it changed (``Refresher.defer``: a ``Dirty`` set, as JSON,
in the page's own transaction), and the team's pass recomputes the union once at its end
(``Refresher.flush``, one transaction that also empties the queue). A record that several
pages touch (an item, then its pull requests, then the release that ships them) is derived
once per pass, not once per page; a pass that dies or is stopped between its pages and its
flush leaves the queue behind, and the team's next pass recomputes it, so no fact is lost.

What is recomputed when:

- **a pull request changed** (listed with a new ``updated_at``, or its reviews or
  containment changed): its ``PrFact``; then every item linked to it, before or after
  the change (handoff pickup, delivery time);
- **a release changed** (new, edited, published) or new containment found: the
  ``PrFact`` of every PR in those releases; then their linked items; then the team's
  incident attribution and the release facts of the team's repositories;
- **a merged revert PR** or **an incident item changed**: the team's incident facts and
  the release facts of its repositories;
- **an item changed** (new ``updated``, new status change) or **a fix version changed**:
  the item's status spans, handoffs (start, end, pickup PR) and ``ItemFact`` (first
  handoff, delivered time); its ``IncidentFact`` when it is an incident.

Everything else is left alone, so a poll that changed nothing recomputes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.flow.derive import (
    attribute_incident,
    delivered_from_github,
    delivered_from_jira,
    derive_handoffs,
    derive_item_fact,
    derive_pr_fact,
    derive_release_facts,
    derive_spans,
)
from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, StatusSpan
from bot.flow.model import PullRequest, Release, Review, StatusChange, TeamFlow
from bot.store import PENDING_SOURCE, Connection, Store


@dataclass(slots=True)
class Dirty:
    """What a page changed, to be recomputed before its transaction commits."""

    items: set[str] = field(default_factory=set)
    prs: dict[str, set[int]] = field(default_factory=dict)  # repo -> numbers
    release_teams: set[str] = field(default_factory=set)  # incidents + release facts

    def add_prs(self, repo: str, numbers: set[int] | list[int]) -> None:
        """Mark pull requests of ``repo``."""
        if numbers:
            self.prs.setdefault(repo, set()).update(numbers)

    def __bool__(self) -> bool:
        return bool(self.items or self.prs or self.release_teams)

    def update(self, other: Dirty) -> None:
        """Add everything ``other`` marks."""
        self.items |= other.items
        for repo, numbers in other.prs.items():
            self.add_prs(repo, numbers)
        self.release_teams |= other.release_teams

    def to_json(self) -> str:
        """This set as JSON (sorted, so equal sets give equal text)."""
        return json.dumps({"items": sorted(self.items),
                           "prs": {repo: sorted(n) for repo, n in sorted(self.prs.items())},
                           "release_teams": sorted(self.release_teams)})

    @classmethod
    def from_json(cls, text: str) -> Dirty:
        """The set ``to_json`` wrote."""
        data = json.loads(text)
        return cls(set(data["items"]), {repo: set(n) for repo, n in data["prs"].items()},
                   set(data["release_teams"]))


@dataclass(frozen=True, slots=True)
class Refresher:
    """Recomputes facts for a ``Dirty`` set, with every team's flow at hand."""

    store: Store
    teams: Mapping[str, TeamFlow]

    def teams_of_repo(self, repo: str) -> set[str]:
        """Teams whose repositories include ``repo``."""
        return {name for name, team in self.teams.items() if repo in team.repos}

    def defer(self, conn: Connection, team: str, dirty: Dirty, now: datetime) -> None:
        """Queue ``dirty`` for ``team``'s flush, in the transaction of the page that made it."""
        if dirty:
            scope = f"pending:{uuid.uuid4().hex}"
            self.store.set_cursor(conn, team, PENDING_SOURCE, scope, dirty.to_json(), now=now)

    def flush(self, team: str) -> Dirty:
        """Recompute everything queued for ``team`` once, and empty its queue (one
        transaction: the facts and the emptied queue commit together). An empty queue, the
        usual case of a poll, is seen by a read alone: no write lock is taken."""
        if not self.store.pending_refreshes(team):
            return Dirty()
        with self.store.transaction() as conn:
            union = Dirty()
            for text in self.store.pending_refreshes(team, conn=conn):
                union.update(Dirty.from_json(text))
            if union:
                self.apply(conn, team, union)
                self.store.clear_pending_refreshes(team, conn=conn)
        return union

    def apply(self, conn: Connection, team: str, dirty: Dirty) -> None:
        """Recompute PR facts, then item facts, then incidents and release facts."""
        for repo, numbers in sorted(dirty.prs.items()):
            self._prs(conn, repo, sorted(numbers), dirty)
        if dirty.items:
            self._items(conn, team, sorted(dirty.items), dirty)
        for name in sorted(dirty.release_teams):
            if name in self.teams:
                self._releases(conn, self.teams[name])

    # ---- pull requests -----------------------------------------------------------------

    def _prs(self, conn: Connection, repo: str, numbers: list[int], dirty: Dirty) -> None:
        prs = self.store.pull_requests(repo, numbers, conn=conn)
        reviews = self.store.reviews_of(repo, numbers, conn=conn)
        containing = self.store.containing_releases(repo, numbers, conn=conn)
        releases = {r.release_id: r for r in self.store.releases_of(repo, conn=conn)}
        reviews_of: dict[int, list[Review]] = {}
        for review in reviews:  # each PR reads its own, not every review of the page
            reviews_of.setdefault(review.pr_number, []).append(review)
        facts = []
        for pr in prs:
            rels = [releases[i] for i in containing.get(pr.number, []) if i in releases]
            facts.append(derive_pr_fact(pr, reviews_of.get(pr.number, ()), rels))
        self.store.upsert_pr_facts(facts, conn=conn)
        links = self.store.links_of_prs([(repo, n) for n in numbers], conn=conn)
        dirty.items.update(link.item_key for link in links)

    # ---- items -------------------------------------------------------------------------

    def _owner(self, owners: list[str]) -> TeamFlow | None:
        """Whose workflow and repositories derive an item: of the teams whose query returned
        it, the first in the config (whichever team's sync is running, so the facts of an
        item two teams share never depend on which synced last)."""
        return next((flow for name, flow in self.teams.items() if name in owners), None)

    def _items(self, conn: Connection, team: str, keys: list[str], dirty: Dirty) -> None:
        owners = self.store.teams_of_items(keys, conn=conn)
        items = self.store.work_items(keys, conn=conn)
        changes_of: dict[str, list[StatusChange]] = {}
        for change in self.store.status_changes_of(keys, conn=conn):
            changes_of.setdefault(change.item_key, []).append(change)
        links = self.store.links_of_items(keys, conn=conn)
        pulls: dict[tuple[str, int], PullRequest] = {}
        for repo in sorted({link.repo for link in links}):
            numbers = [link.pr_number for link in links if link.repo == repo]
            for p in self.store.pull_requests(repo, numbers, conn=conn):
                pulls[(p.repo, p.number)] = p
        facts = self.store.pr_facts_of(list(pulls), conn=conn)
        released = {f"{f.repo}#{f.number}": f.released_at for f in facts}
        linked: dict[str, list[PullRequest]] = {}
        for link in links:
            pr = pulls.get((link.repo, link.pr_number))
            if pr is not None:
                linked.setdefault(link.item_key, []).append(pr)
        versions = {
            v.version_id: v
            for v in self.store.fix_versions(
                sorted({v for i in items for v in i.fix_versions}), conn=conn
            )
        }
        team_releases: dict[str, list[Release]] = {}
        handoffs: list[HandoffFact] = []
        spans: list[StatusSpan] = []
        item_facts: list[ItemFact] = []
        incidents: list[IncidentFact] = []
        done: list[str] = []
        for item in items:
            flow = self._owner(owners.get(item.key, []))
            if flow is None:
                continue  # no configured team's query returned it (yet)
            done.append(item.key)
            changes = changes_of.get(item.key, [])
            mine = [p for p in linked.get(item.key, []) if p.repo in flow.repos]
            item_handoffs = derive_handoffs(item, changes, mine, flow.workflow)
            handoffs += item_handoffs
            spans += derive_spans(item, changes)
            if flow.release_source == "jira":
                delivered = delivered_from_jira(item, versions, flow.calendar.timezone)
            else:
                delivered = delivered_from_github(item, mine, released, flow.workflow)
            item_facts.append(derive_item_fact(item, item_handoffs, delivered))
            if item.issue_type in flow.incident_types:
                if flow.name not in team_releases:
                    team_releases[flow.name] = self._team_releases(conn, flow)
                incidents.append(attribute_incident(item, team_releases[flow.name]))
                dirty.release_teams.add(flow.name)
        self.store.replace_item_timelines(done, handoffs, spans, conn=conn)
        self.store.upsert_item_facts(item_facts, conn=conn)
        self.store.upsert_incident_facts(incidents, conn=conn)

    # ---- releases and incidents --------------------------------------------------------

    def _team_releases(self, conn: Connection, flow: TeamFlow) -> list[Release]:
        return [r for repo in flow.repos for r in self.store.releases_of(repo, conn=conn)]

    def _incidents(self, conn: Connection, flow: TeamFlow) -> list[IncidentFact]:
        """The team's incident items, each attributed to the release before it."""
        releases = self._team_releases(conn, flow)
        keys = self.store.team_items_of_types(flow.name, flow.incident_types, conn=conn)
        return [attribute_incident(i, releases) for i in self.store.work_items(keys, conn=conn)]

    def _releases(self, conn: Connection, flow: TeamFlow) -> None:
        """The team's incident facts, and the release facts of its repositories.

        A repository several teams list is judged once, the same for all of them: with the
        hotfix pattern and failure window of the first team in the config that lists it,
        against the incidents of every team that lists it (a release that failed, failed
        for everyone who shipped in it).
        """
        incidents = self._incidents(conn, flow)
        self.store.upsert_incident_facts(incidents, conn=conn)
        of_team = {flow.name: incidents}
        for repo in flow.repos:
            mine = self.store.releases_of(repo, conn=conn)
            if not mine:
                continue
            sharing = [t for t in self.teams.values() if repo in t.repos]
            judge = sharing[0] if sharing else flow
            against: dict[str, IncidentFact] = {}
            for team in [flow, *sharing]:
                if team.name not in of_team:
                    of_team[team.name] = self._incidents(conn, team)
                for incident in of_team[team.name]:
                    against.setdefault(incident.item_key, incident)
            facts = derive_release_facts(
                mine,
                self.store.pulls_of_repo(repo, conn=conn),
                self.store.containments_of(repo, conn=conn),
                list(against.values()),
                judge.hotfix_pattern,
                judge.failure_window,
            )
            self.store.upsert_release_facts(facts, conn=conn)
