"""``crosswalk sync`` and ``crosswalk backfill`` against the sandbox, in process."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.cli.sync import Bars
from bot.config.env import DESCRIPTIONS, Env
from bot.config.settings import parse_settings
from bot.sync.clients import clients_for
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from tests.support.sync_world import NOW as FIXED_NOW
from tests.support.sync_world import SINCE, make_engine_for, open_store

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(generate("small", seed=3, now=NOW)) as running:
        yield running


@pytest.fixture(autouse=True)
def no_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    # PyGithub's polite pause between requests only slows a loopback test down.
    monkeypatch.setattr("bot.cli.sync.clients_for", functools.partial(clients_for, throttle=0))


def run(box: Sandbox, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    config = box.write_config(tmp_path / "crosswalk.yaml")
    full: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    full.update({**box.env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}", **(env or {})})
    return CliRunner().invoke(main, ["--config", str(config), *args], env=full)


def test_backfill_then_sync_print_what_changed_and_the_requests_per_team_and_source(
    box: Sandbox, tmp_path: Path
) -> None:
    filled = run(box, tmp_path, "backfill", "--since", "2025-01-01")
    assert filled.exit_code == 0, filled.output
    lines = filled.stdout.splitlines()
    payments = next(line for line in lines if line.startswith("payments") and "github" in line)
    assert "prs=" in payments and "requests=" in payments
    assert lines[-1].startswith("total: ") and "0 deferred, 0 failed" in lines[-1]
    # stderr is not a terminal here: no progress bar, only whole JSON log lines.
    assert "\r" not in filled.stderr and "\x1b[" not in filled.stderr
    not_json = [line for line in filled.stderr.splitlines()
                if line and not (line.startswith("{") and line.endswith("}"))]
    assert not_json == []

    again = run(box, tmp_path, "sync", "--team", "checkout")
    assert again.exit_code == 0, again.output
    rows = again.stdout.splitlines()[:-1]
    assert [row.split()[:2] for row in rows] == [["checkout", "jira"], ["checkout", "github"]]
    assert all("unchanged" in row for row in rows)
    assert "requests=1" in rows[1]  # one conditional request (the events feed), a 304


def test_an_unknown_team_or_a_bad_date_exits_2(box: Sandbox, tmp_path: Path) -> None:
    unknown = run(box, tmp_path, "sync", "--team", "nobody")
    assert unknown.exit_code == 2 and "nobody" in unknown.stderr
    bad = run(box, tmp_path, "backfill", "--since", "last week")
    assert bad.exit_code == 2 and "--since" in bad.stderr


def test_a_revoked_token_exits_1_with_one_line_naming_service_and_variable(
    box: Sandbox, tmp_path: Path
) -> None:
    env = box.env()
    box.github.revoke_token()
    result = run(box, tmp_path, "sync", env=env)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("crosswalk:")]
    assert len(errors) == 1 and "GitHub" in errors[0] and "GITHUB_TOKEN" in errors[0]
    assert "Traceback" not in result.output


def test_missing_variables_exit_2_naming_them(box: Sandbox, tmp_path: Path) -> None:
    result = run(box, tmp_path, "sync", env={"GITHUB_TOKEN": ""})
    assert result.exit_code == 2 and "GITHUB_TOKEN" in result.stderr


def test_a_source_failing_after_its_retries_is_reported_and_exits_1(
    box: Sandbox, tmp_path: Path
) -> None:
    box.github.fail_next(4, 500, path_prefix="/repos/acme/checkout-web")  # every try
    result = run(box, tmp_path, "sync")
    assert result.exit_code == 1
    failed = [row for row in result.stdout.splitlines() if " failed " in row]
    assert len(failed) == 1 and "checkout-web" in failed[0] and "HTTP 500" in failed[0]
    assert any(row.startswith("payments") and " ok " in row for row in result.stdout.splitlines())
    assert "1 source(s) failed" in result.stderr


def test_ctrl_c_stops_a_backfill_that_a_rerun_completes(box: Sandbox, tmp_path: Path) -> None:
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from bot.config.settings import load_settings
    from bot.store import Store, make_engine
    from bot.sync import SyncEngine
    from tests.support.oracle import expected_records

    config = box.write_config(tmp_path / "crosswalk.yaml")
    db = tmp_path / "cw.db"
    env = {k: v for k, v in os.environ.items() if k not in DESCRIPTIONS}
    env.update({**box.env(), "DATABASE_URL": f"sqlite:///{db}"})
    script = Path(sys.executable).with_name("crosswalk")
    child = subprocess.Popen(
        [str(script), "--config", str(config), "backfill", "--since", "2025-01-01"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
        try:
            with sqlite3.connect(db) as conn:
                if conn.execute("SELECT count(*) FROM pull_requests").fetchone()[0]:
                    break  # a first chunk of PRs is committed: the backfill is under way
        except sqlite3.OperationalError:
            continue  # no tables yet
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130, out + err
    assert "crosswalk: backfill interrupted; rerun it to resume" in err
    store = Store(make_engine(f"sqlite:///{db}"))
    settings = load_settings(config)
    expected = expected_records(box.world, jira_url=box.jira.url)
    assert 0 < len(store.team_item_keys("payments"))
    with store.transaction(read_only=True) as conn:
        stored_pulls = conn.exec_driver_sql("SELECT count(*) FROM pull_requests").scalar()
    assert stored_pulls is not None and stored_pulls < len(expected.pulls)
    issues, code = clients_for(settings, box_env(box), throttle=0)
    summary = SyncEngine(store, settings, issues, code).sync_all(
        NOW, backfill_since=datetime(2025, 1, 1, tzinfo=UTC))
    assert not summary.failed
    with store.transaction(read_only=True) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pull_requests").scalar() == len(
            expected.pulls)
        assert conn.exec_driver_sql("SELECT count(*) FROM reviews").scalar() == len(
            expected.reviews)


def box_env(box: Sandbox) -> Env:
    """The bot's environment for ``box``."""
    return Env.from_mapping(box.env())


def test_on_a_terminal_the_backfill_shows_a_bar_per_team_and_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bars = Bars(enabled=True)
    bars("payments", "jira", 120, 3, 4990)
    bars("payments", "jira", 240, 5, 4980)
    bars.close()
    err = capsys.readouterr().err
    assert "payments jira" in err and "240" in err and "requests=5" in err
    quiet = Bars(enabled=False)
    quiet("payments", "jira", 120, 3, None)
    assert capsys.readouterr().err == ""


def test_a_bar_with_a_total_shows_the_share_done_and_an_eta(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bars = Bars(enabled=True)
    assert bars.wants_totals and not Bars(enabled=False).wants_totals
    bars("payments", "jira", 100, 2, None, total=400)
    bars("payments", "jira", 200, 3, None, total=400)
    bars.close()
    err = capsys.readouterr().err
    assert "200/400" in err and "50%" in err
    assert "<" in err  # tqdm's "elapsed<remaining": the ETA


def test_the_sync_tells_the_bar_each_sources_total_and_asks_jira_cloud_once(
    tmp_path: Path,
) -> None:
    calls: list[tuple[str, int, int | None]] = []

    def recorder(team: str, source: str, items: int, requests: int, remaining: int | None,
                 total: int | None = None) -> None:
        calls.append((f"{team} {source}", items, total))

    recorder.wants_totals = True  # type: ignore[attr-defined]
    world = generate("small", seed=3, now=FIXED_NOW)
    with Sandbox(world) as box:
        settings = parse_settings(scenario_config(world))
        store = open_store(f"sqlite:///{tmp_path / 'cw.db'}")
        make_engine_for(box, settings, store, progress=recorder).sync_all(
            FIXED_NOW, backfill_since=SINCE)
        counts = box.jira.counts()
    assert sum(n for k, n in counts.items() if "approximate-count" in k) == len(settings.teams)
    for team in settings.teams:
        jira = [(items, total) for name, items, total in calls if name == f"{team} jira"]
        issues = sum(1 for i in world.jira.issues.values()
                     if i.project == settings.teams[team].projects[0])
        assert jira and all(total == issues for _, total in jira)
        assert jira[-1][0] == issues
    github = [(items, total) for name, items, total in calls
              if name.endswith("github acme/payments-api") and total is not None]
    assert github and github[-1][0] == github[-1][1] == len(world.github.repos[
        "acme/payments-api"].pulls)
