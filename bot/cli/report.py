"""``crosswalk report``: the metrics of a week or any period, as JSON or as a table.

The report object and every metric in it are explained in docs/metrics.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.cli.db import database_errors, open_store
from bot.cli.main import CliContext
from bot.core.errors import ConfigError
from bot.flow.model import TeamFlow
from bot.flow.periods import Span, period_of
from bot.flow.table import render_tables
from bot.usecases.reporting import team_reports, week_of

WEEK_HELP = "ISO week YYYY-Www in each team's timezone (default: the current week)."
FROM_HELP = "First day of a period (YYYY-MM-DD, in each team's timezone; excludes --week)."
TO_HELP = "Last day of the period, inclusive (default with --from: today)."


@click.command("report")
@click.option("--team", help="One team (default: every team).")
@click.option("--week", "week_label", metavar="YYYY-Www", help=WEEK_HELP)
@click.option("--from", "first", metavar="DATE", help=FROM_HELP)
@click.option("--to", "last", metavar="DATE", help=TO_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
    help="json: the report object of docs/metrics.md (a list without --team); table: for people.",
)
@click.pass_obj
def report(
    cli: CliContext,
    team: str | None,
    week_label: str | None,
    first: str | None,
    last: str | None,
    fmt: str,
) -> None:
    """Print the flow metrics of a week, or of any period with --from/--to."""
    settings = cli.settings()
    teams = settings.selected(team)
    now = datetime.now(UTC)
    flows = [t.to_flow() for t in teams]
    weeks = spans_of(flows, week_label, first, last, now)
    store = open_store(cli.env.database_url)
    with database_errors(cli.env.database_url):
        # Every team at once: one query per report field, not one per field and team.
        reports = team_reports(store, flows, weeks, now)
    if fmt == "json":
        payload: Any = reports[0].to_json() if team is not None else [r.to_json() for r in reports]
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(render_tables(reports), nl=False)


def spans_of(
    flows: list[TeamFlow],
    week_label: str | None,
    first: str | None,
    last: str | None,
    now: datetime,
) -> list[Span]:
    """Each team's week (``--week``, default: the current one) or period (``--from/--to``)."""
    if week_label is not None and (first is not None or last is not None):
        raise ConfigError("--week and --from/--to exclude each other: give one of them")
    if last is not None and first is None:
        raise ConfigError("--to needs --from (the first day of the period)")
    spans: list[Span] = []
    for flow in flows:
        tz = flow.calendar.timezone
        if first is None:
            try:
                spans.append(week_of(flow, week_label, now))
            except ValueError as exc:
                raise ConfigError(f"--week: {exc}") from None
            continue
        today = now.astimezone(ZoneInfo(tz)).date()
        try:
            spans.append(period_of(first, last, today, tz))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return spans
