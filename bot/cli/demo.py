"""``crosswalk demo``: the whole product on the built-in sandbox, no accounts needed.

It generates the ``demo`` scenario (team payments: quarterly releases, specs waiting weeks
for pickup, a hotfix after every release; team checkout: a two-week cadence and prompt
pickups), starts the loopback Jira, GitHub and Slack servers, then runs what production
runs — sync, report, weekly digests with their chart, alerts, a slash command and App Home —
against a fresh SQLite store, printing what each step did and what landed in Slack.
Everything the bot posted is also written, as Slack shows it, to crosswalk-demo/index.html
in the working directory (bot/cli/demo_page.py). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from click.core import ParameterSource

from bot.cli.demo_page import PAGE_DIR, SlashReply, write_demo_page
from bot.cli.slack import messenger_from
from bot.config.env import Env
from bot.config.settings import Settings, load_settings
from bot.core.logs import register_secret
from bot.flow.table import render_review_tables, render_tables
from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from bot.sync.clients import clients_for
from bot.sync.engine import SyncEngine
from bot.usecases.alerts import AlertService
from bot.usecases.digest import DigestService, scheduled_week
from bot.usecases.reporting import team_report
from bot.usecases.review import default_review
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.slack.state import SlackMessage

RULE = "─" * 78


@click.command("demo")
@click.option("--seed", default=7, show_default=True, help="Seed of the generated organisation.")
@click.option(
    "--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Keep the store, config and charts here (default: a new temporary directory).",
)
@click.pass_context
def demo(ctx: click.Context, seed: int, workdir: Path | None) -> None:
    """Run the whole flow against the built-in sandbox; no accounts needed."""
    parent = ctx.parent
    if parent is None or parent.get_parameter_source("log_level") is ParameterSource.DEFAULT:
        # The demo narrates on stdout; its info log lines would only interleave with that.
        logging.getLogger().setLevel(logging.WARNING)
    workdir = workdir or Path(tempfile.mkdtemp(prefix="crosswalk-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    now = demo_now(datetime.now(UTC))
    world = generate("demo", seed=seed, now=now)
    with Sandbox(world) as sandbox:
        database_url = f"sqlite:///{workdir / 'crosswalk-demo.db'}"
        env = Env.from_mapping({**sandbox.env(), "DATABASE_URL": database_url})
        for secret in env.secrets():
            register_secret(secret)
        config = sandbox.write_config(workdir / "crosswalk.yaml")
        settings = load_settings(config)
        _title("1. A sandbox organisation on loopback: Jira, GitHub and Slack")
        click.echo(f"   {sandbox.summary()}")
        click.echo(f"   config {config}")
        click.echo(f"   store  {database_url}")

        upgrade(database_url)
        store = Store(make_engine(database_url))
        _sync(store, settings, env, now)
        week = _report(store, settings, now)
        _review(store, settings, now)
        _digests(store, settings, env, sandbox, workdir, now)
        _alerts(store, settings, env, sandbox, now)
        replies = _slack(store, settings, env, sandbox, now)
        page = _page(sandbox, replies)
        _title("What next")
        # The executable that runs now: works whether or not its virtualenv is activated.
        me = shlex.quote(str(Path(sys.executable).parent / "crosswalk"))
        store_env = f"DATABASE_URL={shlex.quote(database_url)}"
        conf = shlex.quote(str(config))
        click.echo(
            f"   Everything the bot posted: {page}\n"
            "   Every number above has one definition: docs/metrics.md.\n"
            "   The store and config are kept; the report above as JSON:\n"
            f"     {store_env} {me} report --config {conf} --week {week} --format json\n"
            "   The before/after review:\n"
            f"     {store_env} {me} review --config {conf}\n"
            f"   To explore the sandbox yourself: {me} sandbox --scenario demo\n"
            "   For your own Jira, GitHub and Slack: config/crosswalk.example.yaml and README.md."
        )


def demo_now(real_now: datetime) -> datetime:
    """The demo's clock: the latest weekday 11:00 in London at or before ``real_now``.

    The demo is a simulation; running it at working time shows what a team sees at work
    (channel alerts go out; DMs to people in other timezones are held for their hours).
    """
    london = ZoneInfo("Europe/London")
    day = real_now.astimezone(london).date()
    while True:
        candidate = datetime.combine(day, time(11, 0), london)
        if candidate.weekday() < 5 and candidate <= real_now:
            return candidate.astimezone(UTC)
        day -= timedelta(days=1)


def _title(text: str) -> None:
    click.echo(f"\n{text}\n{RULE}")


def _sync(store: Store, settings: Settings, env: Env, now: datetime) -> None:
    _title("2. Sync: one incremental pass over Jira and GitHub into the store")
    issues, code = clients_for(settings, env, throttle=0.0)
    engine = SyncEngine(store, settings, issues, code, clock=lambda: now)
    summary = engine.sync_all(now)
    for line in summary.lines():
        click.echo(f"   {line}")


def _report(store: Store, settings: Settings, now: datetime) -> str:
    flows = [team.to_flow() for team in settings.teams.values()]
    weeks = [scheduled_week(flow, now) for flow in flows]
    _title(f"3. The report of the last complete week ({weeks[0].label}), as `crosswalk report`")
    reports = [team_report(store, f, w, now) for f, w in zip(flows, weeks, strict=True)]
    for line in render_tables(reports).splitlines():
        click.echo(f"   {line}")
    return weeks[0].label


def _review(store: Store, settings: Settings, now: datetime) -> None:
    _title("   Before and after: the last 13 weeks against the 13 before, as `crosswalk review`")
    flows = [team.to_flow() for team in settings.teams.values()]
    reviews = [default_review(store, f, now) for f in flows]
    for line in render_review_tables(reviews).splitlines():
        click.echo(f"   {line}")


def _digests(
    store: Store, settings: Settings, env: Env, sandbox: Sandbox, workdir: Path, now: datetime,
) -> None:
    _title("4. Weekly digests, posted once to each team's shared channel (with a chart)")
    service = DigestService(store, messenger_from(env), settings, clock=lambda: now)
    for team in settings.teams.values():
        outcome = service.run_due(team.name)
        click.echo(f"   {team.name} {outcome.week}: {outcome.status}")
        if outcome.message_ts is None:
            continue
        posted = [m for m in sandbox.slack.messages_in(team.slack.channel)
                  if m.ts == outcome.message_ts]
        for message in posted:
            _print_message(message)
        if outcome.chart_file_id:
            chart = workdir / f"{team.name}-{outcome.week}.png"
            chart.write_bytes(sandbox.slack.file_bytes(outcome.chart_file_id))
            click.echo(f"   chart saved to {chart}")
        again = service.run_due(team.name)
        click.echo(f"   {team.name}: a second run says {again.status!r} (exactly once)")


def _alerts(store: Store, settings: Settings, env: Env, sandbox: Sandbox, now: datetime) -> None:
    _title("5. Alerts: waits past their thresholds, in working time")
    sent = AlertService(store, messenger_from(env), settings, clock=lambda: now).run(now)
    if not sent:
        click.echo("   nothing is over a threshold right now")
    users = sandbox.world.slack.users
    for alert in sent:
        who = "channel" if alert.recipient == "channel" else (
            f"DM to {users[alert.recipient].real_name}" if alert.recipient in users
            else alert.recipient
        )
        when = f" (held until {alert.held_until:%a %H:%M} UTC, outside their hours)" \
            if alert.held_until else ""
        first = alert.text.splitlines()[0] if alert.text else alert.alert_key
        click.echo(f"   {alert.status:<5} {who}: {first}{when}")


def _slack(
    store: Store, settings: Settings, env: Env, sandbox: Sandbox, now: datetime,
) -> list[SlashReply]:
    from bot.slack.demo import run_slash_and_home  # Slack surfaces stay in their ring

    _title("6. Slack: a slash command and App Home, through the real Bolt app")
    team = next(iter(settings.teams.values()))
    waiting = store.open_handoffs(team.name)
    texts = ["summary", *([f"item {waiting[0].item_key}"] if waiting else [])]
    replies = []
    for shown in run_slash_and_home(store, settings, env, sandbox, now, texts):
        click.echo(f"   {shown.title} →")
        for line in _block_lines(shown.blocks) or shown.text.splitlines():
            click.echo(f"   │ {line}")
        if shown.response_id:
            replies.append(SlashReply(shown.response_id, shown.channel, shown.user, shown.title))
    return replies


def _page(sandbox: Sandbox, replies: list[SlashReply]) -> Path:
    """``crosswalk-demo/index.html`` in the working directory: every post, as Slack shows it."""
    try:
        return write_demo_page(sandbox.world, PAGE_DIR, replies)
    except OSError as exc:
        raise click.ClickException(
            f"could not write {PAGE_DIR / 'index.html'}: {exc.strerror or exc}") from exc


def _print_message(message: SlackMessage) -> None:
    click.echo(f"   ┌ #{message.channel} ts={message.ts}")
    for line in _block_lines(message.blocks) or message.text.splitlines():
        click.echo(f"   │ {line}")
    click.echo("   └")


def _block_lines(blocks: Iterable[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in {"header", "section"}:
            text = block.get("text")
            if isinstance(text, dict):
                lines += str(text.get("text", "")).splitlines()
            for field in block.get("fields") or []:
                lines += str(field.get("text", "")).splitlines()
        elif kind == "context":
            lines += [str(e.get("text", "")) for e in block.get("elements", []) if "text" in e]
        elif kind == "image":
            lines.append(f"[chart image: {json.dumps(block.get('slack_file', {}))}]")
    return lines
