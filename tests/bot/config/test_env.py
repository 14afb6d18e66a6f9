"""The environment: defaults, validation, what each command requires, secrets never shown."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.config.env import Env, mask_url, require_for, required_env
from bot.config.settings import Settings, load_settings, parse_settings
from bot.core.errors import ConfigError
from bot.core.logs import redact, register_secret

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "crosswalk.example.yaml"
FULL = {
    "JIRA_URL": "https://acme.atlassian.net",
    "JIRA_EMAIL": "bot@acme.example",
    "JIRA_API_TOKEN": "jira-token-6f1c9e",
    "GITHUB_TOKEN": "ghp_0123456789abcdefghijABCDEFGHIJ",
    "SLACK_BOT_TOKEN": "xoxb-1-2-secretsecret",
    "SLACK_SIGNING_SECRET": "signing-secret-77aa",
}


@pytest.fixture(scope="module")
def example() -> Settings:
    return load_settings(EXAMPLE)


def team_with(**parts: Any) -> Settings:
    team: dict[str, Any] = {"slack": {"channel": "C0X"}}
    team.update(copy.deepcopy(parts))
    if "jira" in team:
        team["workflow"] = {"handoff": ["A"], "started": ["B"], "done": ["C"]}
    return parse_settings({"teams": {"x": team}})


def test_defaults_of_the_runtime_contract() -> None:
    env = Env.from_mapping({})
    assert env.crosswalk_config == "config/crosswalk.yaml"
    assert env.database_url == "sqlite:///crosswalk.db"
    assert env.github_api_url == "https://api.github.com"
    assert env.slack_api_url == "https://slack.com/api/"
    assert env.port == 3000
    assert env.jira_url is None


def test_values_are_read_and_empty_ones_count_as_unset() -> None:
    env = Env.from_mapping({"PORT": "8080", "GITHUB_TOKEN": "  ", "DATABASE_URL": ""})
    assert env.port == 8080
    assert env.github_token is None
    assert env.database_url == "sqlite:///crosswalk.db"


def test_malformed_values_are_all_named() -> None:
    with pytest.raises(ConfigError) as caught:
        Env.from_mapping({"PORT": "http", "JIRA_URL": "acme.atlassian.net"})
    lines = str(caught.value).splitlines()
    assert lines == [
        "JIRA_URL: expected an http(s) URL, got 'acme.atlassian.net'",
        "PORT: expected a port number (1-65535), got 'http'",
    ]


def test_require_names_each_missing_variable() -> None:
    env = Env.from_mapping({"JIRA_URL": "https://acme.atlassian.net"})
    env.require("JIRA_URL")
    with pytest.raises(ConfigError) as caught:
        env.require("JIRA_URL", "JIRA_EMAIL", "GITHUB_TOKEN")
    message = str(caught.value)
    assert "JIRA_EMAIL: missing environment variable" in message
    assert "GITHUB_TOKEN: missing environment variable" in message
    assert "JIRA_URL" not in message


def test_repr_and_str_never_show_secrets() -> None:
    env = Env.from_mapping(
        {**FULL, "JIRA_PAT": "pat-abcdef", "DATABASE_URL": "postgresql+psycopg://cw:hunter22@db/cw"}
    )
    for text in (repr(env), str(env), f"{env}"):
        for secret in (*FULL.values(), "pat-abcdef", "hunter22"):
            if secret.startswith("https://") or "@" in secret:
                continue  # URL and email are not secrets
            assert secret not in text
    assert "JIRA_API_TOKEN='***'" in repr(env)
    assert "postgresql+psycopg://cw:***@db/cw" in repr(env)
    assert set(env.secrets()) >= {FULL["JIRA_API_TOKEN"], FULL["SLACK_SIGNING_SECRET"], "hunter22"}


@pytest.mark.parametrize(("url", "masked", "password"), [
    ("postgresql://u:pw-1234@h/d", "postgresql://u:***@h/d", "pw-1234"),
    ("postgresql://user:pa/ss:w0rd@h:5432/d", "postgresql://user:***@h:5432/d", "pa/ss:w0rd"),
    ("postgresql://user:p%40ss%2Fw0rd@h/d", "postgresql://user:***@h/d", "p@ss/w0rd"),
    ("postgresql://:s3cr3t-x@h/d", "postgresql://:***@h/d", "s3cr3t-x"),
    ("postgresql://h/d?user=u&password=qu3ry-pw&sslmode=require",
     "postgresql://h/d?user=u&password=***&sslmode=require", "qu3ry-pw"),
], ids=["plain", "slash-and-colon", "percent-encoded", "no-user", "query"])
def test_every_database_password_form_is_masked_and_registered(
    url: str, masked: str, password: str
) -> None:
    # issue #14: ":pw@", "user:pa/ss@" and "?password=" forms were neither masked nor
    # registered for redaction
    assert mask_url(url) == masked
    secrets = Env.from_mapping({"DATABASE_URL": url}).secrets()
    assert password in secrets
    assert password not in redact_for_test(url, secrets)


def redact_for_test(text: str, secrets: list[str]) -> str:
    """What the log and stream redaction leave of ``text`` once ``secrets`` are registered."""
    for secret in secrets:
        register_secret(secret)
    return redact(text)


def test_mask_url_hides_only_the_password() -> None:
    assert mask_url("postgresql+psycopg://u:p4ss@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    assert mask_url("sqlite:///crosswalk.db") == "sqlite:///crosswalk.db"


def test_sync_needs_jira_and_github_when_teams_use_them(example: Settings) -> None:
    assert required_env("sync", example) == [
        "JIRA_URL",
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "GITHUB_TOKEN",
    ]
    assert required_env("backfill", team_with(github={"repos": ["a/b"]})) == ["GITHUB_TOKEN"]
    assert required_env("sync", team_with(jira={"project": "AB"})) == [
        "JIRA_URL",
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
    ]


def test_jira_pat_replaces_email_and_token() -> None:
    env = Env.from_mapping({"JIRA_PAT": "pat-abcdef"})
    settings = team_with(jira={"project": "AB"})
    assert required_env("sync", settings, env) == ["JIRA_URL", "JIRA_PAT"]


def test_serve_needs_slack_too_and_digest_only_when_posting(example: Settings) -> None:
    assert required_env("serve", example)[-2:] == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    assert required_env("digest", example) == ["SLACK_BOT_TOKEN"]
    assert required_env("alerts", example, dry_run=True) == []
    assert required_env("report", example) == []
    assert required_env("demo", example) == []
    with pytest.raises(ValueError, match="unknown command"):
        required_env("deploy", example)


def test_require_for_names_every_missing_variable(example: Settings) -> None:
    env = Env.from_mapping({"JIRA_URL": "https://acme.atlassian.net"})
    with pytest.raises(ConfigError) as caught:
        require_for("serve", example, env)
    named = [line.split(":")[0] for line in str(caught.value).splitlines()]
    assert named == [
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "GITHUB_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
    ]
    require_for("serve", example, Env.from_mapping(FULL))  # complete: no error
