"""Witness: planted random tokens appear in no log record, error message or CLI output,
across the failure paths of a sync (401, 5xx, timeouts, 429s, a spent budget)."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.config.env import DESCRIPTIONS
from bot.config.settings import parse_settings
from bot.core.errors import IntegrationError
from bot.sync.clients import clients_for
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from tests.support.sync_world import NOW, SINCE, make_engine_for, open_store


@pytest.fixture
def planted() -> Iterator[tuple[Sandbox, list[str]]]:
    world = generate("small", seed=5, now=NOW)
    tokens = [f"jira-{secrets.token_hex(12)}", f"ghp_{secrets.token_hex(18)}",
              f"xoxb-{secrets.token_hex(10)}"]
    world.jira.api_token, world.github.token, world.slack.bot_token = tokens
    with Sandbox(world) as box:
        yield box, tokens


def _texts(records: list[logging.LogRecord]) -> Iterator[str]:
    for record in records:
        yield record.getMessage()
        yield repr(record.args)
        yield repr(getattr(record, "fields", ""))
        if record.exc_info and record.exc_info[1] is not None:
            yield repr(record.exc_info[1])
            yield str(record.exc_info[1])
        yield str(record.exc_text or "")


def test_planted_tokens_never_reach_logs_errors_or_cli_output(
    planted: tuple[Sandbox, list[str]], tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box, tokens = planted
    settings = parse_settings(scenario_config(box.world))
    store = open_store(f"sqlite:///{tmp_path / 'cw.db'}")
    shown: list[str] = []
    caplog.set_level(logging.DEBUG)
    # 5xx, 429 and timeouts, retried to the end.
    box.jira.fail_next(1, 500)
    box.jira.fail_next(1, 429, retry_after=0)
    box.github.fail_next(1, 502, delay=1.5)
    box.github.trigger_secondary_limit(0)
    summary = make_engine_for(box, settings, store, timeout=1.0).sync_all(
        NOW, backfill_since=SINCE)
    shown += summary.lines()
    # Retries exhausted: failed sources, with their messages.
    box.jira.fail_next(8, 503)
    box.github.fail_next(16, 500)
    summary = make_engine_for(box, settings, store).sync_all(NOW)
    assert summary.failed
    shown += summary.lines()
    # A spent budget: deferred.
    box.github.exhaust_rate_limit(600)
    shown += make_engine_for(box, settings, store).sync_all(NOW).lines()
    box.github.set_rate_limit(5000, 2_000_000_000)
    # Rejected credentials (the world's tokens are replaced; ours are still the planted ones).
    env = box.env()
    for server in (box.jira, box.github):
        server.revoke_token()
        try:
            make_engine_for(box, settings, store, env=env).sync_all(NOW)
        except IntegrationError as error:
            shown += [str(error), repr(error), error.detail]
    # The CLI's own output on the same paths.
    monkeypatch.setattr("bot.cli.sync.clients_for", functools.partial(clients_for, throttle=0))
    config = box.write_config(tmp_path / "crosswalk.yaml")
    cli_env: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    cli_env.update({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}"})
    for args in (["sync"], ["backfill", "--since", "2025-01-01"], ["check"]):
        result = CliRunner().invoke(main, ["--config", str(config), *args], env=cli_env)
        assert result.exit_code == 1, result.output
        shown += [result.stdout, result.stderr]

    everything = "\n".join([*shown, *_texts(caplog.records)])
    assert "GITHUB_TOKEN" in everything and "JIRA_API_TOKEN" in everything  # paths were hit
    for token in tokens:
        assert token not in everything
