from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli import main
from bot.flow.facts import HandoffEnd, HandoffFact
from bot.flow.model import WorkItem
from bot.reporting import team_report, week_of
from bot.settings import load_settings
from bot.store import migrate
from bot.store.db import make_engine
from bot.store.repo import Store

KEYS = {"team", "week", "start", "end", "timezone", "handoffs", "delivery", "pull_requests",
        "releases", "incidents", "wip"}


def _config(tmp_path: Path) -> Path:
    team = {
        "jira": {"project": "PAY"}, "github": {"repos": ["acme/api"]},
        "slack": {"channel": "C0PAYMENTS"},
        "workflow": {"handoff": ["Ready for Development"], "started": ["In Progress"],
                     "returned": ["Needs Clarification"], "done": ["Done"]},
    }
    data = {"timezone": "Europe/London",
            "teams": {"payments": team, "checkout": {**team, "jira": {"project": "CHK"}}}}
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def setup(tmp_path: Path) -> tuple[dict[str, str], Store, Path]:
    url = f"sqlite:///{tmp_path / 'crosswalk.db'}"
    migrate.upgrade(url)
    store = Store(make_engine(url))
    # A Friday 16:00 handoff picked up Monday 10:00 in week 2026-W47 (London = UTC in Nov).
    started = datetime(2026, 11, 13, 16, 0, tzinfo=UTC)
    picked = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
    item = WorkItem("PAY-1", "PAY", "Story", "Spec", "In Progress", started, picked)
    with store.transaction() as conn:
        store.upsert_work_items([item], conn=conn)
        store.add_team_items("payments", ["PAY-1"], conn=conn)
        store.upsert_handoffs(
            [HandoffFact("PAY-1", 0, started, picked, HandoffEnd.PICKED_UP)], conn=conn
        )
    config = _config(tmp_path)
    return {"DATABASE_URL": url, "CROSSWALK_CONFIG": str(config)}, store, config


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_report_json_for_one_team_is_the_report_object(
    setup: tuple[dict[str, str], Store, Path],
) -> None:
    env, store, config = setup
    result = invoke(env, "report", "--team", "payments", "--week", "2026-W47", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= KEYS
    assert report["handoffs"]["picked_up"] == 1
    # Fri 16:00–17:00 (1 h) + Mon 09:00–10:00 (1 h) = 2 working hours.
    assert report["handoffs"]["delay_working_hours"] == {"count": 1, "median": 2.0, "p85": 2.0}
    flow = load_settings(config).team("payments").to_flow()
    now = datetime.now(UTC) + timedelta(seconds=0)
    expected = team_report(store, flow, week_of(flow, "2026-W47", now), now)
    assert report == expected


def test_report_without_team_prints_a_list_of_every_team(
    setup: tuple[dict[str, str], Store, Path],
) -> None:
    env, _, _ = setup
    result = invoke(env, "report", "--week", "2026-W47", "--format", "json")
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)
    assert [r["team"] for r in reports] == ["payments", "checkout"]
    assert reports[1]["handoffs"]["delay_working_hours"]["median"] is None


def test_report_table_is_readable(setup: tuple[dict[str, str], Store, Path]) -> None:
    env, _, _ = setup
    result = invoke(env, "report", "--team", "payments", "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    assert "payments" in result.output and "2026-W47" in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("report", "--week", "2026-W60"), "--week"),
        (("report", "--week", "soon"), "--week"),
        (("report", "--team", "nope"), "nope"),
        (("report", "--format", "xml"), "xml"),
    ],
)
def test_bad_usage_exits_2_naming_the_problem(
    setup: tuple[dict[str, str], Store, Path], args: tuple[str, ...], needle: str,
) -> None:
    env, _, _ = setup
    result = invoke(env, *args)
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_an_unmigrated_database_exits_1_naming_the_fix(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
           "CROSSWALK_CONFIG": str(_config(tmp_path))}
    result = invoke(env, "report", "--format", "json")
    assert result.exit_code == 1
    assert "crosswalk db upgrade" in result.output
