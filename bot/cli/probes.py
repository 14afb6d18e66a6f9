"""Reachability probes of ``crosswalk check``: can each service be reached, and can the given
credentials read what each team configured? One verdict per thing checked.

Registered in ``bot.cli.check.PROBES``. A probe raising an ``IntegrationError`` (the service
itself unreachable, the credentials rejected) becomes one FAIL line naming the service;
a missing project, repository or channel is a FAIL line of its own and the rest go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot.cli.check import Verdict
from bot.config.env import Env
from bot.config.settings import Settings
from bot.core.errors import IntegrationError
from bot.core.ports import CodeHost
from bot.flow.model import Shipping
from bot.slack.client import messenger_from_env
from bot.slack.scopes import missing_scopes
from bot.sync.clients import github_from, jira_from

if TYPE_CHECKING:
    from integrations.github import GitHubHost

TIMEOUT = 10.0
LOW_BUDGET = 100  # below this many GitHub requests left, say so (a sync would defer)


def jira_probe(settings: Settings, env: Env) -> Iterator[Verdict]:
    """Jira ``myself``, then each team's project."""
    source = jira_from(env, timeout=TIMEOUT)
    me = source.myself()
    yield Verdict("jira", "ok", f"reachable; signed in as {me.display_name or me.account_id} "
                                f"(timezone {me.time_zone})")
    for team in settings.teams.values():
        if team.jira is None:
            continue
        subject = f"team {team.name} jira"
        if team.jira.project is None:
            yield Verdict(subject, "skip", "custom jql: no project to check")
            continue
        try:
            name = source.check_project(team.jira.project)
            search = source.check_search(team.jira.project)
        except IntegrationError as error:
            yield Verdict(subject, "FAIL", f"project {team.jira.project}: {error.message}")
        else:
            yield Verdict(subject, "ok", f"project {team.jira.project} ({name}) readable; "
                                         f"{search}")


def github_probe(settings: Settings, env: Env) -> Iterator[Verdict]:
    """GitHub ``/user`` and the rate limit, then each team's repositories."""
    host = github_from(env, timeout=TIMEOUT)
    try:
        me = host.whoami()
        budget = f"rate limit {me.remaining}/{me.limit} left"
        if 0 <= me.remaining < LOW_BUDGET:
            reset = me.reset.isoformat(timespec="minutes")
            yield Verdict("github", "FAIL", f"signed in as {me.login}, but {budget} "
                                            f"(resets {reset}); a sync now would defer")
        else:
            yield Verdict("github", "ok", f"reachable; signed in as {me.login}; {budget}")
        for team in settings.teams.values():
            for repo in team.repos:
                subject = f"team {team.name} github"
                try:
                    full = host.check_repo(repo)
                except IntegrationError as error:
                    yield Verdict(subject, "FAIL", f"repository {repo}: {error.message}")
                else:
                    yield Verdict(subject, "ok", f"repository {full} readable")
                    yield _events_verdict(host, subject, repo)
                    yield _shipping_verdict(host, subject, repo, team.releases.shipping())
    finally:
        host.close()


def _events_verdict(host: CodeHost, subject: str, repo: str) -> Verdict:
    """Whether the repository's events feed answers: then a quiet poll is one free 304."""
    try:
        feed = host.poll_activity(repo, None)
    except IntegrationError as error:
        return Verdict(subject, "FAIL", f"repository {repo} events feed: {error.message}")
    if feed.etag is None:
        return Verdict(subject, "ok", f"repository {repo} has no events feed: every poll "
                                      "checks its listings (3 free requests, not 1)")
    return Verdict(subject, "ok", f"repository {repo} events feed answers: a poll without "
                                  "changes is 1 free request")


def _shipping_verdict(
    host: GitHubHost, subject: str, repo: str, how: Shipping
) -> Verdict:
    """Whether the token reads what the team's releases are (and its environments exist)."""
    try:
        return Verdict(subject, "ok", f"repository {repo}: {host.check_shipping(repo, how)}")
    except IntegrationError as error:
        return Verdict(subject, "FAIL", f"repository {repo}: {error.message}")


def slack_probe(settings: Settings, env: Env) -> Iterator[Verdict]:
    """Slack ``auth.test``, then each team's channel."""
    messenger = messenger_from_env(env.slack_bot_token, env.slack_api_url)
    if messenger is None:
        yield Verdict("slack", "FAIL", "SLACK_BOT_TOKEN is not set")
        return
    me = messenger.auth_test()
    where = me.team or me.team_id
    yield Verdict("slack", "ok", f"reachable; bot {me.user_id} in workspace {where}")
    lacking = missing_scopes(me.scopes)
    if lacking:
        yield Verdict("slack", "FAIL", f"the bot token lacks the scopes {', '.join(lacking)}: "
                      "add them under OAuth & Permissions (or recreate the app from "
                      "config/slack-app-manifest.yaml), then reinstall the app")
    elif me.scopes is None:
        yield Verdict("slack", "ok", "Slack did not say the token's scopes: not checked")
    else:
        yield Verdict("slack", "ok", "the bot token has every scope Crosswalk needs")
    for team in settings.teams.values():
        channel = team.slack.channel
        subject = f"team {team.name} slack"
        try:
            found = messenger.channel_status(channel)
        except IntegrationError as error:
            yield Verdict(subject, "FAIL", f"channel {channel}: {error.message}")
            continue
        if found is None:
            yield Verdict(subject, "FAIL", f"channel {channel} not found (a private channel is "
                          "invisible until the bot is in it: /invite @Crosswalk there)")
        elif not found.is_member:
            yield Verdict(subject, "FAIL", f"the bot is not in #{found.name} ({found.id}), so it "
                          f"cannot post there: /invite @Crosswalk in #{found.name}")
        else:
            yield Verdict(subject, "ok", f"channel #{found.name} ({found.id}): the bot is a "
                          "member and can post")


def database_probe(settings: Settings, env: Env) -> Iterator[Verdict]:
    """The database answers, and its schema is at the package's newest migration."""
    from alembic.script import ScriptDirectory

    from bot.cli.db import describe_database_error
    from bot.store import migrate

    url = env.database_url
    try:
        at = migrate.current(url)
    except Exception as exc:  # noqa: BLE001 (a probe reports, never raises)
        yield Verdict("database", "FAIL", describe_database_error(exc, url), probe=True)
        return
    scripts = ScriptDirectory.from_config(migrate.alembic_config(url))
    head = scripts.get_current_head()
    known = {rev.revision for rev in scripts.walk_revisions()}
    if at is None:
        yield Verdict("database", "ok", "reachable and empty: `crosswalk serve` (or `crosswalk "
                      "db upgrade`) creates the schema", probe=True)
    elif at not in known:
        yield Verdict("database", "FAIL", f"schema at {at}, newer than this version of "
                      "Crosswalk knows: run the version that upgraded it", probe=True)
    elif at != head:
        yield Verdict("database", "ok", f"reachable; schema at {at}, {head} is newer: "
                      "`crosswalk serve` (or `crosswalk db upgrade`) applies it", probe=True)
    else:
        yield Verdict("database", "ok", f"reachable; schema up to date ({at})", probe=True)
