"""``crosswalk review``: a period against a baseline period, with the team's targets.

Defaults: the last 13 complete ISO weeks, against the 13 weeks before them. ``--from/--to``
choose the period; ``--vs-from/--vs-to`` the baseline (left out: the same length just
before the period). ``--post`` posts it to each team's channel. docs/metrics.md explains
the object and each figure.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.cli.db import database_errors, open_store
from bot.cli.main import CliContext
from bot.config.settings import Settings
from bot.core.errors import ConfigError, IntegrationError
from bot.flow.model import TeamFlow
from bot.flow.periods import Period, parse_date, period_of
from bot.flow.review import baseline_of, default_periods
from bot.flow.table import render_review_tables
from bot.store.repo import Store
from bot.usecases.review import team_reviews


@click.command("review")
@click.option("--team", help="One team (default: every team).")
@click.option("--from", "first", metavar="DATE", help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "last", metavar="DATE", help="Last day of the period (default: today).")
@click.option("--vs-from", "vs_first", metavar="DATE", help="First day of the baseline.")
@click.option("--vs-to", "vs_last", metavar="DATE", help="Last day of the baseline.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
    help="json: the review object of docs/metrics.md (a list without --team); table: for people.",
)
@click.option("--post", is_flag=True, help="Also post the review to each team's channel.")
@click.pass_obj
def review(
    cli: CliContext,
    team: str | None,
    first: str | None,
    last: str | None,
    vs_first: str | None,
    vs_last: str | None,
    fmt: str,
    post: bool,
) -> None:
    """Compare a period with a baseline period, against the team's targets."""
    settings = cli.settings()
    if post:
        cli.require_env("digest", settings, dry_run=False)
    teams = settings.selected(team)
    now = datetime.now(UTC)
    flows = [t.to_flow() for t in teams]
    pairs = [periods_of(f, first, last, vs_first, vs_last, now) for f in flows]
    store = open_store(cli.env.database_url)
    with database_errors(cli.env.database_url):
        reviews = team_reviews(
            store, flows, [p[0] for p in pairs], [p[1] for p in pairs], now
        )
    if fmt == "json":
        payload: Any = reviews[0] if team is not None else reviews
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(render_review_tables(reviews), nl=False)
    if post:
        _post(cli, settings, store, reviews, now)


def periods_of(
    flow: TeamFlow,
    first: str | None,
    last: str | None,
    vs_first: str | None,
    vs_last: str | None,
    now: datetime,
) -> tuple[Period, Period]:
    """The period and the baseline of ``flow`` from the options (defaults: 13 + 13 weeks)."""
    tz = flow.calendar.timezone
    if last is not None and first is None:
        raise ConfigError("--to needs --from (the first day of the period)")
    try:
        if first is None:
            current, baseline = default_periods(now, tz)
        else:
            today = now.astimezone(ZoneInfo(tz)).date()
            current = period_of(first, last, today, tz)
            baseline = current.before()
        if vs_first is not None or vs_last is not None:
            baseline = baseline_of(current, _day(vs_first, "--vs-from"), _day(vs_last, "--vs-to"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return current, baseline


def _day(text: str | None, option: str) -> date | None:
    return None if text is None else parse_date(text, option)


def _post(cli: CliContext, settings: Settings, store: Store, reviews: list[dict[str, Any]],
          now: datetime) -> None:
    from bot.cli.slack import messenger_from
    from bot.usecases.review import ReviewService

    messenger = messenger_from(cli.env)
    service = ReviewService(store, messenger, settings)
    failed = 0
    for found in reviews:
        try:
            outcome = service.post_review(found, now=now)
        except IntegrationError as exc:
            click.echo(f"crosswalk: review of {found['team']}: {exc.message}", err=True)
            failed += 1
            continue
        where = f" in {outcome.channel} (ts {outcome.message_ts})" if outcome.message_ts else ""
        click.echo(f"{found['team']}: review of {outcome.period} {outcome.status}{where}")
    if failed:
        raise click.exceptions.Exit(1)
