"""The ``crosswalk`` command line: the composition root's front door.

Adding a command (sync, backfill, digest, alerts, report, serve, demo, sandbox, ...):

1. Write it as a plain ``click.Command`` in your own module, e.g. ``bot/sync/command.py``::

       @click.command("sync")
       @click.option("--team")
       @click.pass_obj
       def sync(cli: CliContext, team: str | None) -> None:
           \"\"\"One incremental poll of Jira and GitHub into the store.\"\"\"
           settings = cli.settings()
           cli.require_env("sync", settings)        # exits 2 naming each missing variable
           ...

2. Add one line to ``LAZY_COMMANDS`` below: name → ("module:attribute", one-line help). The
   module is imported only when the command runs, so ``crosswalk --help`` stays fast and no
   import cycle can form. (``main.add_command(cmd)`` works too, for a module already imported.)

Raise ``bot.core.errors.ConfigError`` for bad config/usage (exit 2) and ``IntegrationError`` when a
service fails (exit 1): the group prints the message, never a traceback. ``CliContext`` holds
the ``Env`` read from ``os.environ`` here, once; nothing below the CLI reads the environment.
"""

from __future__ import annotations

import importlib
import logging
import os
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bot import __version__
from bot.config.env import Env, mask_url, require_for
from bot.core.errors import ConfigError, IntegrationError
from bot.core.logs import configure_logging, redact_streams, register_secret

if TYPE_CHECKING:  # the settings models (pydantic, holidays) load with the first config read
    from bot.config.settings import Settings

log = logging.getLogger(__name__)

# name -> ("module:attribute", one-line help shown by `crosswalk --help`); one line each.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("bot.cli.sandbox:sandbox", "Run the loopback Jira/GitHub/Slack sandbox"),
    "digest": ("bot.cli.slack:digest", "Post (or print) the weekly digest"),
    "alerts": ("bot.cli.slack:alerts", "Evaluate alert rules now; post what is new"),
    "serve": ("bot.cli.serve:serve", "Slack app (HTTP or Socket Mode) + scheduler"),
    "sync": ("bot.cli.sync:sync", "One incremental poll of Jira and GitHub into the store"),
    "backfill": ("bot.cli.sync:backfill", "Load history since a date; resumable"),
    "report": ("bot.cli.report:report", "The metrics of a week or any period, JSON or a table"),
    "review": ("bot.cli.review:review", "A period against a baseline, with the team's targets"),
    "demo": ("bot.cli.demo:demo", "The whole flow against the built-in sandbox; no accounts"),
    "init": ("bot.cli.init:init", "Write a first config from what the credentials can see"),
}


@dataclass
class CliContext:
    """What every command gets via ``@click.pass_obj``: the env and the config path."""

    env: Env
    config_path: str
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The validated settings (loaded on first use; ``ConfigError`` when invalid)."""
        if self._settings is None:
            from bot.config.settings import load_settings  # not needed by --help

            self._settings = load_settings(self.config_path)
        return self._settings

    def require_env(self, command: str, settings: Settings, *, dry_run: bool = False) -> None:
        """Exit 2 naming every variable ``command`` needs with ``settings`` and lacks."""
        require_for(command, settings, self.env, dry_run=dry_run)


class CrosswalkGroup(click.Group):
    """A group that loads ``LAZY_COMMANDS`` on demand and maps our errors to exit codes."""

    def __init__(
        self, *args: Any, lazy: Mapping[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy if lazy is not None else {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name][0]} is not a click command")
        if command is not None and not any(p.name == "config_path" for p in command.params):
            # Every command takes --config too: `crosswalk check --config x.yaml` reads naturally.
            command.params.append(_config_option())
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text of lazy commands comes from the table, so --help imports nothing.
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self.commands:
                rows.append((name, self.lazy[name][1]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=80)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            _fail(exc.message, 2)
        except IntegrationError as exc:
            _fail(exc.message, 1)
        except Exception as exc:
            if not _is_database_error(exc):
                raise
            # Whatever command met it: one line naming the database and the cause.
            from bot.cli.db import describe_database_error

            cli = ctx.find_object(CliContext)
            url = cli.env.database_url if cli is not None else ""
            _fail(f"database: {describe_database_error(exc, url)}", 1)


def _is_database_error(exc: BaseException) -> bool:
    # By module, so that `crosswalk --help` need not import SQLAlchemy to name its errors.
    if isinstance(exc, sqlite3.Error):
        return True
    return any(k.__module__.startswith("sqlalchemy.") for k in type(exc).__mro__)


def _set_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    cli = ctx.find_object(CliContext)
    if value is not None and cli is not None:
        cli.config_path = value


def _config_option() -> click.Option:
    return click.Option(
        ["--config", "config_path"],
        metavar="PATH",
        expose_value=False,
        callback=_set_config,
        help="YAML config (default: $CROSSWALK_CONFIG or config/crosswalk.yaml).",
    )


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"crosswalk: {message}", err=True)
    raise click.exceptions.Exit(code)


@click.group(
    cls=CrosswalkGroup,
    lazy=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="crosswalk")
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    default=None,
    help="YAML config (default: $CROSSWALK_CONFIG or config/crosswalk.yaml).",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Lowest level of log lines written to stderr.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """Crosswalk: one delivery flow for product and engineering, told in Slack."""
    env = Env.from_mapping(os.environ)
    configure_logging(sys.stderr.isatty(), log_level)
    for secret in env.secrets():
        register_secret(secret)
    if ctx.invoked_subcommand != "sandbox":  # the sandbox prints its own fake tokens on purpose
        redact_streams()  # what a command prints passes the same redaction as the logs
    ctx.obj = CliContext(env=env, config_path=config_path or env.crosswalk_config)


@main.command("check", short_help="Validate config and environment; a verdict per line.")
@click.pass_obj
def check(cli: CliContext) -> None:
    """Validate the config and environment; one verdict per team and service."""
    from bot.cli.check import config_failures, exit_code, load_probes, run_check
    from bot.config.loading import SettingsError

    try:
        settings = cli.settings()
    except SettingsError as exc:
        verdicts = config_failures(cli.config_path, exc)
    else:
        click.echo(f"ok   config {cli.config_path}: {len(settings.teams)} team(s)")
        verdicts = run_check(settings, cli.env, load_probes())
    for verdict in verdicts:
        click.echo(verdict.line())
    code = exit_code(verdicts)
    if code:
        failed = sum(1 for verdict in verdicts if not verdict.ok)
        click.echo(f"crosswalk: check found {failed} problem(s)", err=True)
    raise click.exceptions.Exit(code)


@main.group("db")
def db() -> None:
    """Database maintenance (migrations)."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(cli: CliContext) -> None:
    """Apply the database migrations to DATABASE_URL."""
    from bot.store.migrate import upgrade  # here, so that the rest of the CLI needs no store

    upgrade(cli.env.database_url)
    click.echo(f"database at {mask_url(cli.env.database_url)} is up to date")
