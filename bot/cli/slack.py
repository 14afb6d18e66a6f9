"""``crosswalk digest`` and ``crosswalk alerts``: the Slack use-cases on demand.

``digest [--team T] [--week YYYY-Www] [--dry-run]`` posts each team's digest (the most recent
complete ISO week in the team's timezone unless ``--week`` says otherwise) once: a rerun
prints "already posted". ``alerts [--dry-run]`` evaluates the alert rules now and sends what
is new. ``--dry-run`` prints what would be posted and writes nothing (no ledger, no cache).
Exit codes: 0 ok, 1 Slack or the database failed, 2 bad config or usage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from bot.cli.db import database_errors
from bot.cli.main import CliContext
from bot.config.env import Env
from bot.core.errors import ConfigError, IntegrationError
from bot.flow.weeks import IsoWeek
from bot.slack.client import Messenger, messenger_from_env
from bot.store.db import make_engine
from bot.store.repo import Store
from bot.usecases.alerts import CHANNEL, AlertService
from bot.usecases.digest import DigestOutcome, DigestService


def messenger_from(env: Env) -> Messenger | None:
    """The Slack messenger when a bot token is set."""
    return messenger_from_env(env.slack_bot_token, env.slack_api_url)


@click.command("digest")
@click.option("--team", help="Only this team (default: every team).")
@click.option("--week", metavar="YYYY-Www",
              help="The ISO week to report (default: the most recent complete week).")
@click.option("--dry-run", is_flag=True, help="Print the Block Kit JSON and text; post nothing.")
@click.pass_obj
def digest(cli: CliContext, team: str | None, week: str | None, dry_run: bool) -> None:
    """Post (or print) the weekly digest."""
    settings = cli.settings()
    cli.require_env("digest", settings, dry_run=dry_run)
    names = [settings.team(team).name] if team else list(settings.teams)
    weeks = {name: _week(week, settings.team(name).calendar.timezone) for name in names}
    now = datetime.now(UTC)  # the CLI is the edge where wall-clock time enters
    url = cli.env.database_url
    failed = 0
    printed: list[dict[str, Any]] = []
    with database_errors(url):
        store = Store(make_engine(url))
        service = DigestService(store, None if dry_run else messenger_from(cli.env), settings)
        for name in names:
            try:
                outcome = service.post(name, weeks[name], dry_run=dry_run, now=now)
            except IntegrationError as exc:
                click.echo(f"crosswalk: digest of {name}: {exc.message}", err=True)
                failed += 1
                continue
            if dry_run:
                printed.append(_as_json(outcome))
            else:
                click.echo(_line(outcome))
    if dry_run:
        click.echo(json.dumps(printed[0] if len(printed) == 1 else printed, indent=2,
                              ensure_ascii=False))
    if failed:
        raise click.exceptions.Exit(1)


@click.command("alerts")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and write nothing.")
@click.pass_obj
def alerts(cli: CliContext, dry_run: bool) -> None:
    """Evaluate the alert rules now; post what is new."""
    settings = cli.settings()
    cli.require_env("alerts", settings, dry_run=dry_run)
    now = datetime.now(UTC)
    url = cli.env.database_url
    with database_errors(url):
        service = AlertService(Store(make_engine(url)), messenger_from(cli.env), settings)
        results = service.run(now, dry_run=dry_run)
    for sent in results:
        where = "channel " + (sent.channel or "") if sent.recipient == CHANNEL else sent.recipient
        held = f" until {sent.held_until.isoformat()}" if sent.held_until else ""
        click.echo(f"{sent.status:<10} {sent.alert_key} level {sent.level} → {where}{held}")
        if dry_run and sent.text:
            click.echo(f"           {sent.text}")
    if not results:
        click.echo("no alerts due")
    if any(sent.status == "failed" for sent in results):
        raise click.exceptions.Exit(1)


def _week(label: str | None, timezone: str) -> IsoWeek | None:
    if label is None:
        return None
    try:
        return IsoWeek.parse(label, timezone)
    except ValueError as exc:
        raise ConfigError(f"--week: {exc}") from None


def _as_json(outcome: DigestOutcome) -> dict[str, Any]:
    return {"team": outcome.team, "week": outcome.week, "channel": outcome.channel,
            "text": outcome.text, "blocks": outcome.blocks}


def _line(outcome: DigestOutcome) -> str:
    head = f"digest of {outcome.team} for {outcome.week}"
    if outcome.status == "posted":
        chart = "with chart" if outcome.chart_file_id else "without chart"
        return f"{head}: posted in {outcome.channel} (ts {outcome.message_ts}, {chart})"
    if outcome.status == "already_posted":
        return f"{head}: already posted (ts {outcome.message_ts}); nothing sent"
    return f"{head}: being posted by another run; nothing sent"
