"""``crosswalk check``: one verdict line per team and per configured service.

Config and environment verdicts are computed here. Reachability is the integrations'
business: each registers a *probe* in ``PROBES`` (service name → ``"module:function"``), a
callable ``(settings, env) -> Iterable[Verdict]`` that raises nothing but may raise an
``IntegrationError``, which becomes a FAIL verdict. A probe runs only when its service is
configured and its environment is complete.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.config.env import GITHUB, GITHUB_APP, SLACK_APP, Env, jira_env, mask_url
from bot.config.loading import SettingsError
from bot.config.settings import Settings
from bot.core.errors import IntegrationError

log = logging.getLogger(__name__)

Status = Literal["ok", "FAIL", "skip"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """One line of ``check``'s output."""

    subject: str  # "team payments", "jira", ...
    status: Status
    detail: str
    probe: bool = False  # a reachability verdict (a FAIL there is exit code 1, not 2)

    @property
    def ok(self) -> bool:
        """Whether this verdict is not a failure."""
        return self.status != "FAIL"

    def line(self) -> str:
        """``ok   team payments: jira project PAY, 2 repos, channel C0PAYMENTS``."""
        return f"{self.status:<4} {self.subject}: {self.detail}"


Probe = Callable[[Settings, Env], Iterable[Verdict]]

# Reachability probes by service, imported only when `check` runs. Integrations add theirs:
#   "jira": "integrations.jira.probe:probe",
PROBES: dict[str, str] = {
    "jira": "bot.cli.probes:jira_probe",
    "github": "bot.cli.probes:github_probe",
    "slack": "bot.cli.probes:slack_probe",
    "database": "bot.cli.probes:database_probe",
}


def load_probes(specs: Mapping[str, str] = PROBES) -> dict[str, Probe]:
    """Import the probes named ``"module:function"`` in ``specs``."""
    probes: dict[str, Probe] = {}
    for service, spec in specs.items():
        module, _, attr = spec.partition(":")
        probes[service] = getattr(importlib.import_module(module), attr)
    return probes


def config_failures(source: str, error: SettingsError) -> list[Verdict]:
    """One FAIL verdict per problem of an invalid config."""
    return [Verdict(f"config {source}", "FAIL", problem) for problem in error.problems]


def team_verdict(team_name: str, settings: Settings) -> Verdict:
    """What the team is wired to."""
    team = settings.teams[team_name]
    parts = []
    if team.jira is not None:
        parts.append(f"jira project {team.jira.project}" if team.jira.project else "jira jql")
    if team.repos:
        parts.append(f"{len(team.repos)} repo" + ("s" if len(team.repos) != 1 else ""))
    parts.append(f"channel {team.slack.channel}")
    return Verdict(f"team {team_name}", "ok", ", ".join(parts))


def _missing(env: Env, names: Iterable[str]) -> str:
    return "missing " + ", ".join(env.missing(*names))


def service_verdicts(settings: Settings, env: Env) -> list[Verdict]:
    """Environment verdicts for each service the config uses, and the database URL."""
    verdicts = []
    if settings.uses_jira:
        names = jira_env(env)
        if env.missing(*names):
            hint = "" if env.jira_uses_pat else " (or JIRA_URL and JIRA_PAT for Server/Data Center)"
            verdicts.append(Verdict("jira", "FAIL", _missing(env, names) + hint))
        else:
            auth = "PAT" if env.jira_uses_pat else "email + API token"
            verdicts.append(Verdict("jira", "ok", f"{mask_url(env.jira_url or '')}, {auth}"))
    if settings.uses_github:
        names = GITHUB_APP if env.github_uses_app else GITHUB
        if env.missing(*names):
            hint = "" if env.github_uses_app else " (or GITHUB_APP_ID for a GitHub App)"
            verdicts.append(Verdict("github", "FAIL", _missing(env, names) + hint))
        else:
            auth = f"GitHub App {env.github_app_id}" if env.github_uses_app else "token set"
            verdicts.append(Verdict("github", "ok", f"{env.github_api_url}, {auth}"))
    if env.missing(*SLACK_APP):
        verdicts.append(Verdict("slack", "FAIL", _missing(env, SLACK_APP)))
    else:
        mode = "Socket Mode" if env.slack_app_token else f"HTTP on port {env.port}"
        verdicts.append(Verdict("slack", "ok", f"{env.slack_api_url}, {mode}"))
    url = env.database_url
    if url.startswith(("sqlite:", "postgresql")):
        verdicts.append(Verdict("database", "ok", mask_url(url)))
    else:
        got = mask_url(url)
        detail = f"DATABASE_URL: expected sqlite:///... or postgresql+psycopg://..., got {got}"
        verdicts.append(Verdict("database", "FAIL", detail))
    return verdicts


def _run_probe(service: str, probe: Probe, settings: Settings, env: Env) -> list[Verdict]:
    try:
        return [Verdict(v.subject, v.status, v.detail, probe=True) for v in probe(settings, env)]
    except IntegrationError as exc:  # its text is safe to show by contract
        return [Verdict(service, "FAIL", str(exc), probe=True)]
    except Exception as exc:  # one broken probe must not hide the other verdicts
        log.error("check.probe_crashed", extra={"fields": {"service": service}}, exc_info=True)
        return [Verdict(service, "FAIL", f"probe crashed ({type(exc).__name__})", probe=True)]


def run_check(settings: Settings, env: Env, probes: Mapping[str, Probe]) -> list[Verdict]:
    """Every verdict: teams, services' environment, then reachability where a probe exists."""
    verdicts = [team_verdict(name, settings) for name in settings.teams]
    services = service_verdicts(settings, env)
    verdicts += services
    unprobed = []
    for service in services:
        probe = probes.get(service.subject)
        if probe is None:
            unprobed.append(service.subject)
        elif service.ok:
            verdicts += _run_probe(service.subject, probe, settings, env)
        else:
            verdicts.append(Verdict(service.subject, "skip", "not probed: environment incomplete"))
    if unprobed:
        names = ", ".join(unprobed)
        detail = f"not checked: no probe registered yet for {names}"
        verdicts.append(Verdict("reachability", "skip", detail))
    return verdicts


def exit_code(verdicts: Iterable[Verdict]) -> int:
    """0 when all is well, 2 for a config or environment problem, 1 for a failed service."""
    failed = [verdict for verdict in verdicts if not verdict.ok]
    if any(not verdict.probe for verdict in failed):
        return 2
    return 1 if failed else 0
