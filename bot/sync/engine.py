"""The sync engine: one pass over every selected team, per team and per source.

``SyncEngine.sync_all(now)`` is what ``crosswalk sync``, ``backfill`` and serve's poll job
call. Per team it takes the lease ``sync:<team>`` (a second sync of the same team says so
and skips it), then runs Jira, then each GitHub repository. Failures stay local:

- ``RateLimited`` defers the rest of that team's source (``sync.deferred``); serve's next
  pass skips it until ``retry_after`` has passed; nothing ever sleeps for the reset;
- ``AuthError`` is raised (one-shot commands: exit 1 naming service and variable) or, with
  ``raise_auth=False`` (serve), marks that team's source unhealthy in ``unhealthy``;
- ``NotFound``/``Unavailable`` fail that source (or repository) and the pass carries on.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.config.settings import Settings, TeamSettings
from bot.core.clock import dead_local_holder, new_holder
from bot.core.errors import AuthError, IntegrationError, RateLimited
from bot.core.logs import event
from bot.core.ports import CodeHost, IssueSource
from bot.flow.linking import extract_keys
from bot.flow.model import ItemLink
from bot.store import Store
from bot.store.ledgers import POLL_PREFIX
from bot.sync.context import TeamJob
from bot.sync.github_sync import sync_repo
from bot.sync.jira_sync import sync_jira
from bot.sync.refresh import Dirty, Refresher
from bot.sync.report import ProgressFn, SourceReport, SyncSummary, no_progress

log = logging.getLogger(__name__)
# A team's sync lease: renewed by a keep-alive thread every third of it while the sync runs,
# so a holder that died (SIGKILL, a lost machine) frees its team within a minute.
LEASE_TTL = timedelta(seconds=60)
LINKS, LINKED_PROJECTS = "links", "projects"  # sync_cursors row: projects PRs are linked by


def team_query(team: TeamSettings) -> str | None:
    """The team's JQL: its ``jql``, else ``project = "KEY"``; None without Jira."""
    if team.jira is None:
        return None
    if team.jira.jql:
        return team.jira.jql.strip()
    return f'project = "{team.jira.project}"'


T = TypeVar("T")


def poll_order(teams: list[T], holder: str) -> list[T]:
    """``teams`` rotated to start at the one ``holder`` (a replica's lease holder) picks."""
    if not teams:
        return teams
    start = zlib.crc32(holder.encode()) % len(teams)
    return teams[start:] + teams[:start]


def default_holder() -> str:
    """``sync:host:pid:random``: lets a rerun on the same host take over a killed sync's lease."""
    return new_holder("sync")


class SyncStopped(Exception):
    """Raised between pages when the engine was asked to stop (``SyncEngine.stop``)."""


@dataclass
class SyncEngine:
    """Polls Jira and GitHub into the store for the configured teams."""

    store: Store
    settings: Settings
    issues: IssueSource | None
    code: CodeHost | None
    raise_auth: bool = True  # False in serve: mark the source unhealthy and carry on
    progress: ProgressFn = no_progress
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    holder: str = field(default_factory=default_holder)
    unhealthy: dict[tuple[str, str], str] = field(default_factory=dict)
    deferred_until: dict[tuple[str, str], datetime] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        flows = {name: team.to_flow() for name, team in self.settings.teams.items()}
        self.refresher = Refresher(self.store, flows)
        self.projects = frozenset(p for team in flows.values() for p in team.projects)

    # ---- the public entry point -------------------------------------------------------

    def sync_all(
        self, now: datetime, *, team: str | None = None, backfill_since: datetime | None = None
    ) -> SyncSummary:
        """One incremental pass (or a backfill from ``backfill_since``) over the teams."""
        summary = SyncSummary()
        for settings in self.settings.selected(team):
            if self.stopping.is_set():
                break
            try:
                summary.reports += self.sync_team(settings, now, backfill_since=backfill_since)
            except SyncStopped:
                # At a page boundary: every committed page's cursor is safe; the next run
                # (here after a restart, or on another replica) carries on from it.
                event(log, "sync.stopped", team=settings.name, reason="shutting down")
                break
        return summary

    def stop(self) -> None:
        """Ask a running pass to stop after the page it is on (from another thread)."""
        self.stopping.set()

    def poll(self) -> SyncSummary:
        """Serve's poll job (``Jobs(poll=engine.poll)``): one pass at the clock's now, logged.

        Every replica's scheduler fires it; each team is polled by the first replica to
        take its ``poll:<team>`` lease, held for (just under) the poll interval and never
        released, so a team is polled once per interval across the cluster. Each replica
        walks the teams from its own starting team (``poll_order``), so replicas firing
        together share the teams out instead of queueing behind one another's leases.
        """
        now = self.clock()
        interval = timedelta(seconds=self.settings.poll_interval.calendar_seconds)
        hold = max(interval - timedelta(seconds=5), timedelta(seconds=1))
        summary = SyncSummary()
        for team in poll_order(list(self.settings.teams.values()), self.holder):
            if self.stopping.is_set():
                break
            if not self.store.try_lease(POLL_PREFIX + team.name, self.holder, hold, now):
                event(log, "poll.skipped", team=team.name, reason="polled by another replica")
                continue
            summary.reports += self.sync_all(now, team=team.name).reports
        for report in summary.reports:
            event(log, "sync.source_done", team=report.team, source=report.source,
                  status=report.status, requests=report.requests, **report.changed)
        return summary

    def sync_team(
        self, team: TeamSettings, now: datetime, *, backfill_since: datetime | None = None
    ) -> list[SourceReport]:
        """One team's pass under its lease."""
        lease = f"sync:{team.name}"
        if not self._take_lease(lease):
            event(log, "sync.skipped", team=team.name, reason="another sync holds the lease")
            return [SourceReport(team.name, "*", "skipped",
                                 message="another sync of this team is running; skipped")]
        alive = threading.Event()
        threading.Thread(target=self._keep_alive, args=(lease, alive), daemon=True,
                         name=f"lease-{team.name}").start()
        try:
            job = TeamJob(
                store=self.store, refresher=self.refresher, flow=self.refresher.teams[team.name],
                jql=team_query(team), projects=self.projects, now=now,
                since=backfill_since or now - timedelta(
                    seconds=self.settings.initial_history.calendar_seconds),
                backfill=backfill_since is not None, progress=self.progress,
                heartbeat=lambda: self._between_pages(lease),
            )
            reports: list[SourceReport] = []
            if job.jql is not None and self.issues is not None:
                reports.append(self._jira(job, self.issues, now))
            job = replace(job, projects=self.projects | self._query_projects())
            self._link_new_projects(team.name, job.projects, now)
            if team.repos and self.code is not None:
                reports += self._github(job, self.code, team.repos, now)
            # Every fact the pages queued, derived once (with what earlier passes left).
            self.refresher.flush(team.name)
            return reports
        finally:
            alive.set()
            self.store.release_lease(lease, self.holder)

    # ---- sources ------------------------------------------------------------------------

    def _jira(self, job: TeamJob, source: IssueSource, now: datetime) -> SourceReport:
        report = SourceReport(job.team, "jira")
        if self._still_deferred(job.team, "jira", now, report):
            return report
        try:
            sync_jira(job, source, report)
        except IntegrationError as error:
            self._failed(job.team, "jira", error, report, now)
            return report
        self.unhealthy.pop((job.team, "jira"), None)
        self._health(job.team, "jira", None, now)
        if not report.changed:
            report.status = "unchanged"
        return report

    def _github(
        self, job: TeamJob, host: CodeHost, repos: tuple[str, ...], now: datetime
    ) -> list[SourceReport]:
        reports = []
        deferred: RateLimited | None = None
        for repo in repos:
            report = SourceReport(job.team, f"github {repo}")
            reports.append(report)
            if deferred is None and self._still_deferred(job.team, "github", now, report):
                continue
            if deferred is not None:
                report.status, report.message = "deferred", "deferred with the team's poll"
                report.retry_after = deferred.retry_after
                continue
            try:
                sync_repo(job, host, repo, report)
            except RateLimited as error:
                deferred = error
                self._failed(job.team, "github", error, report, now)
                continue
            except IntegrationError as error:
                self._failed(job.team, "github", error, report, now)
                if isinstance(error, AuthError):
                    break  # the same token serves every repository
                continue
            if not report.changed:
                report.status = "unchanged"
        if deferred is None and not any(r.status == "failed" for r in reports):
            self.unhealthy.pop((job.team, "github"), None)
            self._health(job.team, "github", None, now)
        return reports

    def _still_deferred(self, team: str, source: str, now: datetime, report: SourceReport) -> bool:
        until = self.deferred_until.get((team, source))
        if until is None or now >= until:
            self.deferred_until.pop((team, source), None)
            return False
        report.status = "deferred"
        report.message = f"rate limited until {until.isoformat(timespec='seconds')}"
        report.retry_after = (until - now).total_seconds()
        return True

    def _failed(
        self, team: str, source: str, error: IntegrationError, report: SourceReport,
        now: datetime,
    ) -> None:
        report.message = error.message
        if isinstance(error, RateLimited):
            report.status, report.retry_after = "deferred", error.retry_after
            self.deferred_until[(team, source)] = now + timedelta(seconds=error.retry_after)
            event(log, "sync.deferred", logging.WARNING, team=team, source=source,
                  retry_after=round(error.retry_after))
            return
        report.status = "failed"
        event(log, "sync.failed", logging.WARNING, team=team, source=source,
              kind=type(error).__name__, reason=error.message)
        self._health(team, source, error.message, now)
        if isinstance(error, AuthError):
            if self.raise_auth:
                raise error
            self.unhealthy[(team, source)] = error.message

    def _health(self, team: str, source: str, error: str | None, now: datetime) -> None:
        """Keep the store's record of failing sources (``/healthz`` on every replica)."""
        try:
            if error is None:
                self.store.clear_source_failure(team, source)
            else:
                self.store.record_source_failure(team, source, error, now)
        except Exception as exc:  # noqa: BLE001 (the pass's own outcome matters more)
            event(log, "sync.health_not_recorded", logging.WARNING, team=team, source=source,
                  error=type(exc).__name__)

    def _query_projects(self) -> frozenset[str]:
        """Projects of the items that teams reading Jira by JQL have mirrored.

        Linking looks for keys of configured projects; a team configured with ``jql`` names
        no project, so the projects its query returned count as configured too.
        """
        jql_teams = [name for name, team in self.settings.teams.items()
                     if team.jira is not None and team.jira.project is None]
        if not jql_teams:
            return frozenset()
        return self.store.projects_of_teams(jql_teams)

    def _link_new_projects(self, team: str, projects: frozenset[str], now: datetime) -> None:
        """Link the stored PRs that name keys of projects linking did not know when they
        were stored: a project a JQL team's query returned for the first time."""
        with self.store.transaction(read_only=True) as conn:  # every poll: no write lock
            cursor = self.store.get_cursor(conn, "", LINKS, LINKED_PROJECTS)
        known = (set(json.loads(cursor.value)) if cursor is not None and cursor.value
                 else set(self.projects))
        new = frozenset(projects - known)
        if not new:
            return
        with self.store.transaction() as conn:
            dirty = Dirty()
            for repo in sorted({r for s in self.settings.teams.values() for r in s.repos}):
                pulls = self.store.pulls_of_repo(repo, conn=conn)
                links = [ItemLink(key, repo, pr.number) for pr in pulls
                         for key in sorted(extract_keys(pr.title, pr.head_ref, pr.body, new))]
                self.store.upsert_item_links(links, conn=conn)
                dirty.items.update(link.item_key for link in links)
                dirty.add_prs(repo, sorted({link.pr_number for link in links}))
            self.refresher.defer(conn, team, dirty, now)
            self.store.set_cursor(conn, "", LINKS, LINKED_PROJECTS, json.dumps(sorted(projects)),
                                  now=now)
            event(log, "sync.relinked", team=team, projects=",".join(sorted(new)),
                  items=len(dirty.items))

    # ---- the lease ---------------------------------------------------------------------

    def _take_lease(self, name: str) -> bool:
        if self.store.try_lease(name, self.holder, LEASE_TTL, self.clock()):
            return True
        holder = self.store.lease_holder(name)
        if holder is not None and dead_local_holder(holder):
            # The holder was killed on this host: its lease would only block until expiry.
            event(log, "sync.lease_taken_over", team=name.partition(":")[2])
            self.store.release_lease(name, holder)
            return self.store.try_lease(name, self.holder, LEASE_TTL, self.clock())
        return False

    def _keep_alive(self, lease: str, done: threading.Event) -> None:
        """Renew ``lease`` every third of its life until ``done`` (a page may take long)."""
        while not done.wait(LEASE_TTL.total_seconds() / 3):
            try:
                self._renew(lease)
            except Exception as exc:  # noqa: BLE001 (the next page's renewal tries again)
                event(log, "sync.lease_renew_failed", logging.WARNING, lease=lease,
                      error=type(exc).__name__)

    def _between_pages(self, lease: str) -> None:
        """After every committed page: stop here when asked, else renew the team's lease."""
        if self.stopping.is_set():
            raise SyncStopped
        self._renew(lease)

    def _renew(self, name: str) -> None:
        self.store.try_lease(name, self.holder, LEASE_TTL, self.clock())
