"""``crosswalk report``: the metrics of DESIGN.md, machine-readable (JSON) or as a table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from bot.cli.db import database_errors, open_store
from bot.cli.main import CliContext
from bot.core.errors import ConfigError
from bot.flow.table import render_tables
from bot.usecases.reporting import team_reports, week_of

WEEK_HELP = "ISO week YYYY-Www in each team's timezone (default: the current week)."


@click.command("report")
@click.option("--team", help="One team (default: every team).")
@click.option("--week", "week_label", metavar="YYYY-Www", help=WEEK_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
    help="json: DESIGN.md's report object (a list without --team); table: for people.",
)
@click.pass_obj
def report(cli: CliContext, team: str | None, week_label: str | None, fmt: str) -> None:
    """Print the flow metrics of a week."""
    settings = cli.settings()
    teams = settings.selected(team)
    now = datetime.now(UTC)
    flows = [t.to_flow() for t in teams]
    try:
        weeks = [week_of(flow, week_label, now) for flow in flows]
    except ValueError as exc:
        raise ConfigError(f"--week: {exc}") from None
    store = open_store(cli.env.database_url)
    with database_errors(cli.env.database_url):
        # Every team at once: one query per report field, not one per field and team.
        reports: list[dict[str, Any]] = team_reports(store, flows, weeks, now)
    if fmt == "json":
        payload: Any = reports[0] if team is not None else reports
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(render_tables(reports), nl=False)
