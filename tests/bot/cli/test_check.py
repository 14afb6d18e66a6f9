"""``check`` verdicts, the probe hook and exit codes (plain values, no CLI)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.cli.check import Probe, Verdict, exit_code, load_probes, run_check
from bot.config.env import Env
from bot.config.settings import Settings, load_settings
from bot.core.errors import AuthError

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "crosswalk.example.yaml"
FULL = Env.from_mapping(
    {
        "JIRA_URL": "https://acme.atlassian.net",
        "JIRA_PAT": "pat-0123456789",
        "GITHUB_TOKEN": "ghp_0123456789abcdefghijABCDEFGHIJ",
        "SLACK_BOT_TOKEN": "xoxb-1-2-secretsecret",
        "SLACK_SIGNING_SECRET": "signing-secret-77aa",
        "SLACK_APP_TOKEN": "xapp-1-abc",
    }
)


def settings() -> Settings:
    return load_settings(EXAMPLE)


def lines(verdicts: Iterable[Verdict]) -> list[str]:
    return [verdict.line() for verdict in verdicts]


def test_all_well_without_probes_is_exit_0_and_says_so() -> None:
    verdicts = run_check(settings(), FULL, {})
    assert lines(verdicts) == [
        "ok   team payments: jira project PAY, 2 repos, channel C0PAYMENTS",
        "ok   team growth: jira jql, 1 repo, channel #growth",
        "ok   team storefront: jira project STO, 1 repo, channel #storefront",
        "ok   jira: https://acme.atlassian.net, PAT",
        "ok   github: https://api.github.com, token set",
        "ok   slack: https://slack.com/api/, Socket Mode",
        "ok   database: sqlite:///crosswalk.db",
        "skip reachability: not checked: no probe registered yet for jira, github, slack, database",
    ]
    assert exit_code(verdicts) == 0


def test_missing_env_is_exit_2_and_lists_every_variable() -> None:
    verdicts = run_check(settings(), Env.from_mapping({}), {})
    failed = [line for line in lines(verdicts) if line.startswith("FAIL")]
    assert failed == [
        "FAIL jira: missing JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN"
        " (or JIRA_URL and JIRA_PAT for Server/Data Center)",
        "FAIL github: missing GITHUB_TOKEN (or GITHUB_APP_ID for a GitHub App)",
        "FAIL slack: missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET",
    ]
    assert exit_code(verdicts) == 2


def test_bad_database_url_fails_without_showing_its_password() -> None:
    env = Env.from_mapping({"DATABASE_URL": "mysql://u:hunter22@db/x"})
    (database,) = [v for v in run_check(settings(), env, {}) if v.subject == "database"]
    assert database.status == "FAIL"
    assert "hunter22" not in database.detail and "DATABASE_URL" in database.detail


def test_probes_run_for_configured_services_with_complete_env() -> None:
    calls: list[str] = []

    def good(_settings: Settings, _env: Env) -> Iterable[Verdict]:
        calls.append("github")
        return [Verdict("github", "ok", "reached acme/payments-api")]

    def rejected(_settings: Settings, _env: Env) -> Iterable[Verdict]:
        raise AuthError("jira", "credentials rejected (check JIRA_PAT)")

    def crashing(_settings: Settings, _env: Env) -> Iterable[Verdict]:
        raise RuntimeError("bug")

    probes: dict[str, Probe] = {"github": good, "jira": rejected, "slack": crashing}
    verdicts = run_check(settings(), FULL, probes)
    text = lines(verdicts)
    assert "ok   github: reached acme/payments-api" in text
    assert "FAIL jira: jira: credentials rejected (check JIRA_PAT)" in text
    assert "FAIL slack: probe crashed (RuntimeError)" in text
    assert text[-1] == "skip reachability: not checked: no probe registered yet for database"
    assert calls == ["github"]
    assert exit_code(verdicts) == 1  # a service failed; the config is fine


def test_probe_is_skipped_when_its_env_is_incomplete() -> None:
    def never(_settings: Settings, _env: Env) -> Iterable[Verdict]:
        raise AssertionError("must not run")

    verdicts = run_check(settings(), Env.from_mapping({}), {"slack": never})
    assert "skip slack: not probed: environment incomplete" in lines(verdicts)
    assert exit_code(verdicts) == 2


def test_load_probes_imports_module_attribute_specs() -> None:
    probes = load_probes({"x": "bot.cli.check:exit_code"})
    assert probes["x"] is exit_code  # type: ignore[comparison-overlap]  # any attribute loads
