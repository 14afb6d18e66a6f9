"""GitHub App installation tokens: PyGithub's AppInstallationAuth against the sandbox.

The sandbox checks the app's RS256 JWT with the app's public key, issues an installation
token that expires, refuses ``/user`` to it, and lists the installation's repositories.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.cli.main import main
from bot.config.env import DESCRIPTIONS
from bot.config.settings import parse_settings
from bot.core.errors import ConfigError, IntegrationError
from bot.sync import SyncEngine
from integrations.github import GitHubConfig, GitHubHost, Policy
from integrations.github.app_auth import AppCredentials, app_credentials
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.github import apps
from integrations.sandbox.runner import Sandbox, scenario_config
from tests.support.sync_records import stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for, open_store

APP_ID, INSTALLATION = "424242", 7_000_001
ACCESS = f"POST {apps.ACCESS_TOKENS}"


def keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


PRIVATE, PUBLIC = keypair()


@pytest.fixture
def box() -> Iterator[Sandbox]:
    world = generate("small", seed=3, now=NOW)
    world.github.apps[APP_ID] = PUBLIC
    world.github.installations[INSTALLATION] = APP_ID
    with Sandbox(world) as running:
        yield running


def app_host(box: Sandbox, key: str = PRIVATE) -> GitHubHost:
    config = GitHubConfig(token="", api_url=box.github.url, timeout=5, throttle=0,
                          app=AppCredentials(APP_ID, INSTALLATION, key))
    return GitHubHost(config, policy=Policy(tries=2, base_delay=0.01, max_wait=1.0))


def test_a_sync_as_an_app_installation_stores_what_a_token_stores(
    box: Sandbox, tmp_path: Path
) -> None:
    settings = parse_settings(scenario_config(box.world))
    by_token = open_store(f"sqlite:///{tmp_path / 'token.db'}")
    make_engine_for(box, settings, by_token).sync_all(NOW, backfill_since=SINCE)
    box.github.reset_log()
    by_app = open_store(f"sqlite:///{tmp_path / 'app.db'}")
    summary = SyncEngine(by_app, settings, None, app_host(box), clock=lambda: NOW).sync_all(
        NOW, backfill_since=SINCE)
    assert not summary.failed, summary.lines()
    assert stored_records(by_app).pulls == stored_records(by_token).pulls
    assert stored_records(by_app).releases == stored_records(by_token).releases
    counts = box.github.counts()
    assert counts[ACCESS] == 1  # one installation token, reused until it nears expiry
    assert {r.status for r in box.github.requests} <= {200, 201, 304}


def test_a_token_near_its_expiry_is_renewed(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PyGithub renews a token within 20 seconds of its expiry: a 10-second token is renewed
    # before each use, and every request still succeeds.
    monkeypatch.setattr(apps, "TOKEN_LIFETIME", timedelta(seconds=10))
    host = app_host(box)
    for repo in ("acme/payments-api", "acme/checkout-web"):
        assert host.check_repo(repo) == repo
    assert box.github.counts()[ACCESS] == 2


def test_an_installation_is_no_user_so_the_account_is_the_app(box: Sandbox) -> None:
    host = app_host(box)
    me = host.whoami()
    assert me.login == f"GitHub App {APP_ID} (installation {INSTALLATION})"
    assert me.limit == 5000
    assert sorted(host.viewer_repos()) == sorted(box.world.github.repos)


def test_a_wrong_private_key_is_refused_and_never_logged(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    other, _ = keypair()
    host = app_host(box, key=other)
    with caplog.at_level(logging.DEBUG), pytest.raises(IntegrationError):
        host.check_repo("acme/payments-api")
    body = next(line for line in other.splitlines() if not line.startswith("-----"))
    assert body not in caplog.text
    assert not [r for r in box.github.requests if r.route and r.route != apps.ACCESS_TOKENS]


def test_app_credentials_name_the_variable_that_is_wrong(tmp_path: Path) -> None:
    assert app_credentials({}) is None
    with pytest.raises(ConfigError, match=r"^GITHUB_APP_INSTALLATION_ID: expected the numeric"):
        app_credentials({"GITHUB_APP_ID": APP_ID})
    with pytest.raises(ConfigError, match=r"^GITHUB_APP_PRIVATE_KEY \(or .*\): missing"):
        app_credentials({"GITHUB_APP_ID": APP_ID, "GITHUB_APP_INSTALLATION_ID": "5"})
    with pytest.raises(ConfigError, match=r"^GITHUB_APP_PRIVATE_KEY_FILE: cannot read"):
        app_credentials({"GITHUB_APP_ID": APP_ID, "GITHUB_APP_INSTALLATION_ID": "5",
                         "GITHUB_APP_PRIVATE_KEY_FILE": str(tmp_path / "absent.pem")})
    path = tmp_path / "app.pem"
    path.write_text(PRIVATE, encoding="utf-8")
    read = app_credentials({"GITHUB_APP_ID": APP_ID, "GITHUB_APP_INSTALLATION_ID": "5",
                            "GITHUB_APP_PRIVATE_KEY_FILE": str(path)})
    assert read is not None and read.private_key == PRIVATE.strip()
    assert PRIVATE.strip() not in repr(read)


def test_check_with_app_credentials_signs_in_as_the_app(box: Sandbox, tmp_path: Path) -> None:
    path = box.write_config(tmp_path / "crosswalk.yaml")
    key = tmp_path / "app.pem"
    key.write_text(PRIVATE, encoding="utf-8")
    env: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    env.update({**box.env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}"})
    env.update({"GITHUB_TOKEN": None, "GITHUB_APP_ID": APP_ID,
                "GITHUB_APP_INSTALLATION_ID": str(INSTALLATION),
                "GITHUB_APP_PRIVATE_KEY_FILE": str(key)})
    result = CliRunner().invoke(main, ["--config", str(path), "check"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"ok   github: {box.github.url}, GitHub App {APP_ID}" in lines
    assert any(line.startswith(f"ok   github: reachable; signed in as GitHub App {APP_ID} "
                               f"(installation {INSTALLATION})") for line in lines)
    assert "ok   team payments github: repository acme/payments-api readable" in lines
