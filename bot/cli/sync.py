"""``crosswalk sync`` and ``crosswalk backfill``: one pass of the sync engine from the CLI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

import click
from tqdm import tqdm

from bot.cli.main import CliContext
from bot.config.settings import Settings
from bot.core.errors import ConfigError
from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from bot.sync import SyncEngine, SyncSummary
from bot.sync.clients import clients_for
from bot.sync.report import ProgressFn


def _engine(cli: CliContext, command: str, progress: ProgressFn | None = None) -> SyncEngine:
    settings: Settings = cli.settings()
    cli.require_env(command, settings)
    url = cli.env.database_url
    upgrade(url)  # idempotent; a fresh store gets its tables
    issues, code = clients_for(settings, cli.env)
    engine = SyncEngine(Store(make_engine(url)), settings, issues, code)
    if progress is not None:
        engine.progress = progress
    return engine


def _finish(summary: SyncSummary) -> None:
    """Print the summary; exit 1 when a source failed (deferred ones complete next time)."""
    for line in summary.lines():
        click.echo(line)
    if summary.failed:
        click.echo(f"crosswalk: {len(summary.failed)} source(s) failed; see above", err=True)
        raise click.exceptions.Exit(1)


@contextmanager
def _interruptible(what: str) -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        # Every committed page is kept with its cursor: rerunning resumes from there.
        click.echo(f"crosswalk: {what} interrupted; rerun it to resume", err=True)
        raise click.exceptions.Exit(130) from None


@click.command("sync")
@click.option("--team", help="Only this team (default: every team).")
@click.pass_obj
def sync(cli: CliContext, team: str | None) -> None:
    """One incremental poll of Jira and GitHub into the store."""
    engine = _engine(cli, "sync")
    engine.settings.selected(team)  # an unknown team fails before any request
    with _interruptible("sync"):
        _finish(engine.sync_all(datetime.now(UTC), team=team))


class Bars:
    """One tqdm bar per team and source on stderr: items (of the total, with an ETA, where
    the source says how many: Jira's count, the changed PRs of a repository), requests and
    budget left.

    Only on a terminal: redirected to a file or a log collector, stderr carries the JSON log
    lines (``sync.page_committed`` says the same), never a bar's carriage returns.
    """

    def __init__(self, enabled: bool | None = None) -> None:
        self.bars: dict[tuple[str, str], Any] = {}  # tqdm bars
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.wants_totals = self.enabled  # a total costs Jira Cloud one request: only for a bar

    def __call__(
        self, team: str, source: str, items: int, requests: int, remaining: int | None,
        total: int | None = None,
    ) -> None:
        if not self.enabled:
            return
        bar = self.bars.get((team, source))
        if bar is None:
            bar = tqdm(desc=f"{team} {source}", unit=" items", file=sys.stderr, leave=True,
                       dynamic_ncols=True, mininterval=0.2)
            self.bars[(team, source)] = bar
        if total is not None and total >= items and bar.total != total:
            bar.total = total  # with a total, tqdm shows the share done and an ETA
        bar.update(max(items - bar.n, 0))
        post = {"requests": requests}
        if remaining is not None:
            post["remaining"] = remaining
        bar.set_postfix(post, refresh=False)

    def close(self) -> None:
        """Close every bar (their last state stays on screen)."""
        for bar in self.bars.values():
            bar.close()


def _since(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--since: expected a date like 2026-01-31, got {value!r}") from None
    return datetime.combine(day, time(0, 0), UTC)


@click.command("backfill")
@click.option("--since", "since", required=True, metavar="DATE",
              help="Load everything updated since this date (YYYY-MM-DD, UTC).")
@click.option("--team", help="Only this team (default: every team).")
@click.pass_obj
def backfill(cli: CliContext, since: str, team: str | None) -> None:
    """Load history since DATE; resumable after Ctrl-C or a crash."""
    start = _since(since)
    bars = Bars()
    engine = _engine(cli, "backfill", bars)
    engine.settings.selected(team)
    try:
        with _interruptible("backfill"):
            summary = engine.sync_all(datetime.now(UTC), team=team, backfill_since=start)
    finally:
        bars.close()
    _finish(summary)
