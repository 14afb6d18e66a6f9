"""``crosswalk init``: write a first config from what the credentials can see, then check it.

Discovers the Jira projects and the statuses their recent issues are in (by status
category: To Do → none, In Progress → ``started``, Done → ``done``; the handoff and
returned statuses proposed by name and asked for), the GitHub repositories the token
reads, the Slack channels the bot is in, the timezone (Jira's account) and its country's
holidays. On a terminal it asks, offering what it found; with ``--yes`` and the flags it
asks nothing. It never overwrites a file without ``--force``, validates what it wrote with
the settings models, then runs ``crosswalk check`` (the same exit codes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import yaml

from bot.cli.check import exit_code, load_probes, run_check
from bot.cli.main import CliContext
from bot.config.env import Env
from bot.config.settings import parse_settings
from bot.core.errors import ConfigError, IntegrationError

HANDOFF_NAMES = re.compile(r"(?i)ready|hand.?off|selected|to.?do|refined|groomed")
RETURNED_NAMES = re.compile(r"(?i)clarif|return|needs|info|question|blocked")
STARTED_CATEGORY, DONE_CATEGORY = "indeterminate", "done"


@click.command("init")
@click.option("--team", "team_name", help="The team's name (default: the project key, lower case).")
@click.option("--jira-project", metavar="KEY", help="The team's Jira project.")
@click.option("--handoff", multiple=True, metavar="STATUS",
              help="A status where a spec waits for engineering (repeatable).")
@click.option("--returned", multiple=True, metavar="STATUS",
              help="A status where engineering sent it back to product (repeatable).")
@click.option("--repo", "repos", multiple=True, metavar="OWNER/NAME",
              help="A GitHub repository of the team (repeatable).")
@click.option("--channel", metavar="C…|#name", help="The channel product and engineering share.")
@click.option("--timezone", metavar="AREA/CITY", help="The team's timezone (default: Jira's).")
@click.option("--holidays", metavar="CC", help="Public holidays country (default: the timezone's).")
@click.option("--yes", is_flag=True, help="Ask nothing: take the flags and the proposals.")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(cli: CliContext, team_name: str | None, jira_project: str | None,
         handoff: tuple[str, ...], returned: tuple[str, ...], repos: tuple[str, ...],
         channel: str | None, timezone: str | None, holidays: str | None, yes: bool,
         force: bool) -> None:
    """Write a first config from what the credentials can see, then check it."""
    path = Path(cli.config_path)
    if path.exists() and not force:
        raise ConfigError(f"{path} exists: pass --force to overwrite it")
    ask = Asker(yes)
    env = cli.env
    team: dict[str, Any] = {}
    jira_tz = _jira_part(env, ask, team, jira_project, handoff, returned)
    _github_part(env, ask, team, repos)
    team["slack"] = {"channel": _channel(env, ask, channel)}
    tz = timezone or ask.text("Timezone of the team", jira_tz or "UTC")
    country = holidays if holidays is not None else ask.text(
        "Public holidays country code (empty: none)", country_of(tz) or "")
    name = team_name or ask.text("Team name", _default_name(team))
    data: dict[str, Any] = {"timezone": tz, "teams": {name: team}}
    if country:
        data["holidays"] = country
    settings = parse_settings(data)  # the models' own errors, naming the key (exit 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    click.echo(f"wrote {path}: team {name}")
    verdicts = run_check(settings, env, load_probes())
    for verdict in verdicts:
        click.echo(verdict.line())
    raise click.exceptions.Exit(exit_code(verdicts))


HEADER = ("# Written by `crosswalk init`; every key is explained in "
          "config/crosswalk.example.yaml.\n")


class Asker:
    """Prompts on a terminal; with ``--yes`` the default is the answer."""

    def __init__(self, yes: bool) -> None:
        self.yes = yes

    def text(self, question: str, default: str) -> str:
        """A free answer."""
        if self.yes:
            return default
        return str(click.prompt(question, default=default, show_default=True)).strip()

    def choose(self, question: str, options: Sequence[str], default: str) -> str:
        """One of ``options`` (shown numbered; a number or the value itself)."""
        if self.yes or not options:
            return default
        for n, option in enumerate(options, 1):
            click.echo(f"  {n}. {option}")
        answer = self.text(question, default)
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1]
        return answer

    def several(self, question: str, options: Sequence[str], default: Sequence[str]) -> list[str]:
        """Some of ``options``, comma-separated (numbers or values)."""
        if self.yes:
            return list(default)
        for n, option in enumerate(options, 1):
            click.echo(f"  {n}. {option}")
        answer = self.text(question, ", ".join(default))
        picked = [a.strip() for a in answer.split(",") if a.strip()]
        return [options[int(a) - 1] if a.isdigit() and 1 <= int(a) <= len(options) else a
                for a in picked]


def _jira_part(env: Env, ask: Asker, team: dict[str, Any], project: str | None,
               handoff: Sequence[str], returned: Sequence[str]) -> str | None:
    """Fill ``team``'s jira and workflow; the Jira account's timezone (None without Jira)."""
    if not env.jira_url:
        if project:
            raise ConfigError("--jira-project: JIRA_URL is not set")
        return None
    from bot.sync.clients import jira_from

    source = jira_from(env)
    projects = [key for key, _ in source.projects()]
    key = project or ask.choose("Jira project of the team", projects,
                                projects[0] if projects else "")
    if not key:
        raise ConfigError("--jira-project: the credentials see no Jira project; name one")
    # The workflows' statuses; the issues' own where the credentials may not read workflows.
    try:
        statuses = source.project_statuses(key)
    except IntegrationError:
        statuses = []
    statuses = statuses or source.statuses_in_use(key)
    team["jira"] = {"project": key}
    team["workflow"] = propose_workflow(statuses, list(handoff), list(returned), ask)
    return source.myself().time_zone or None


def propose_workflow(statuses: Sequence[tuple[str, str]], handoff: list[str],
                     returned: list[str], ask: Asker) -> dict[str, list[str]]:
    """The workflow mapping: by category, handoff and returned by name (or the flags)."""
    names = [name for name, _ in statuses]
    todo = [name for name, category in statuses if category not in (STARTED_CATEGORY,
                                                                     DONE_CATEGORY)]
    handoff = handoff or ask.several(
        "Handoff statuses (a spec waits for engineering)", names,
        [n for n in todo if HANDOFF_NAMES.search(n)][:1])
    returned = returned or ask.several(
        "Returned statuses (back with product; empty: none)", names,
        [n for n in names if RETURNED_NAMES.search(n) and n not in handoff][:1])
    if not handoff:
        raise ConfigError("--handoff: no status looks like a handoff; name the status where a "
                          f"spec waits for engineering (seen: {', '.join(names) or 'none'})")
    chosen = set(handoff) | set(returned)
    started = [n for n, c in statuses if c == STARTED_CATEGORY and n not in chosen]
    done = [n for n, c in statuses if c == DONE_CATEGORY and n not in chosen]
    workflow = {"handoff": list(handoff), "started": started or ["In Progress"],
                "done": done or ["Done"]}
    if returned:
        workflow["returned"] = list(returned)
    return workflow


def _github_part(env: Env, ask: Asker, team: dict[str, Any], repos: Sequence[str]) -> None:
    if not env.github_token and not env.github_uses_app:
        if repos:
            raise ConfigError("--repo: GITHUB_TOKEN (or a GitHub App's GITHUB_APP_ID) is not set")
        return
    chosen = list(repos)
    if not chosen and not ask.yes:
        from bot.sync.clients import github_from

        seen = github_from(env).viewer_repos()
        chosen = ask.several("Repositories of the team (numbers or owner/name)", seen[:30],
                             seen[:1])
    if chosen:
        team["github"] = {"repos": chosen}


def _channel(env: Env, ask: Asker, channel: str | None) -> str:
    if channel:
        return channel
    options: list[str] = []
    if env.slack_bot_token:
        from bot.slack.client import messenger_from_env

        messenger = messenger_from_env(env.slack_bot_token, env.slack_api_url)
        if messenger is not None:
            options = [f"#{c.name}" for c in messenger.member_channels()]
    answer = ask.choose("Channel product and engineering share (the bot must be in it)",
                        options, options[0] if options else "")
    if not answer:
        raise ConfigError("--channel: the bot is in no channel yet; invite it, or name one")
    return answer


def _default_name(team: dict[str, Any]) -> str:
    project = (team.get("jira") or {}).get("project")
    if project:
        return str(project).lower()
    repos = (team.get("github") or {}).get("repos") or ["team"]
    return re.sub(r"[^a-z0-9_-]", "-", str(repos[0]).split("/")[-1].lower())[:40] or "team"


def country_of(timezone: str) -> str | None:
    """The country of an IANA timezone (the tz database's zone.tab), when it has one."""
    for table in (Path("/usr/share/zoneinfo/zone.tab"), _tzdata_table()):
        if table is not None and table.is_file():
            for line in table.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if not line.startswith("#") and len(parts) >= 3 and parts[2] == timezone:
                    return parts[0]
    return None


def _tzdata_table() -> Path | None:
    try:
        import tzdata  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    return Path(tzdata.__file__).parent / "zoneinfo" / "zone.tab"
