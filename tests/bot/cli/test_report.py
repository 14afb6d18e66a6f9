from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.config.settings import load_settings
from bot.flow.facts import HandoffEnd, HandoffFact
from bot.flow.model import TeamFlow, WorkItem
from bot.flow.weeks import IsoWeek
from bot.store import migrate
from bot.store.db import make_engine
from bot.store.repo import Store
from bot.usecases.reporting import team_report, team_reports, week_of

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
    assert report == expected.to_json()


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
        # Edge weeks: Python's calendar ends within a week or a timezone shift of these.
        (("report", "--week", "0001-W01"), "1971-9998"),
        (("report", "--week", "9999-W52"), "1971-9998"),
        (("report", "--week", "0000-W01"), "1971-9998"),
        (("report", "--week", "2026-W47", "--from", "2026-11-01"), "exclude each other"),
        (("report", "--to", "2026-11-01"), "--to needs --from"),
        (("report", "--from", "2026-13-01"), "--from"),
        (("report", "--from", "0001-01-01", "--to", "0001-01-07"), "1971-9998"),
        (("report", "--from", "2026-11-09", "--to", "2026-11-01"), "before --from"),
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


def test_a_period_report_is_the_same_object_with_week_null(
    setup: tuple[dict[str, str], Store, Path],
) -> None:
    env, _, _ = setup
    args = ("report", "--team", "payments", "--format", "json")
    result = invoke(env, *args, "--from", "2026-11-09", "--to", "2026-11-22")
    assert result.exit_code == 0, result.output
    period = json.loads(result.output)
    assert set(period) >= KEYS and period["week"] is None
    # Both dates inclusive, local midnight: Mon 9 Nov 00:00 to Mon 23 Nov 00:00 (London).
    assert (period["start"], period["end"]) == ("2026-11-09T00:00:00+00:00",
                                                "2026-11-23T00:00:00+00:00")
    assert period["handoffs"]["picked_up"] == 1  # Mon 16 Nov, inside the period
    assert period["handoffs"]["handed_off"] == 1  # Fri 13 Nov, inside it too
    # A period of exactly one ISO week is that week's report, with week null.
    week = json.loads(invoke(env, *args, "--week", "2026-W47").output)
    same = json.loads(invoke(env, *args, "--from", "2026-11-16", "--to", "2026-11-22").output)
    assert same == {**week, "week": None}
    assert week["handoffs"]["handed_off"] == 0  # the handoff began in W46


def test_from_without_to_runs_to_today(setup: tuple[dict[str, str], Store, Path]) -> None:
    env, _, _ = setup
    result = invoke(env, "report", "--team", "payments", "--format", "json",
                    "--from", "2026-11-01")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()  # London = UTC+0/1
    assert report["end"][:10] in {tomorrow, datetime.now(UTC).date().isoformat()}
    assert report["start"] == "2026-11-01T00:00:00+00:00"


def test_period_table_names_the_period_and_the_stages(
    setup: tuple[dict[str, str], Store, Path],
) -> None:
    env, _, _ = setup
    result = invoke(env, "report", "--team", "payments", "--from", "2026-11-09", "--to",
                    "2026-11-22")
    assert result.exit_code == 0, result.output
    assert "payments  period  (2026-11-09 to 2026-11-23" in result.output
    assert "where the time went" in result.output


def test_an_unmigrated_database_exits_1_naming_the_fix(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
           "CROSSWALK_CONFIG": str(_config(tmp_path))}
    result = invoke(env, "report", "--format", "json")
    assert result.exit_code == 1
    assert "crosswalk db upgrade" in result.output


def _load_bench() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "bench" / "report.py"
    spec = importlib.util.spec_from_file_location("crosswalk_bench_report_cli", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def bench_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, list[TeamFlow], ModuleType]]:
    """Six teams in three timezones, filled by the report bench's builder (small)."""
    bench = _load_bench()
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"
        else:
            server = request.getfixturevalue("postgres_url")
            url = stack.enter_context(bench.scratch_postgres(server))
        migrate.upgrade(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        store = Store(engine)
        yield store, bench.build(store, 6, 3_000, 600, seed=7), bench


def test_team_reports_equal_one_team_report_per_team(
    bench_store: tuple[Store, list[TeamFlow], ModuleType],
) -> None:
    store, flows, bench = bench_store
    now = bench.NOW
    for back in (0, 1, 5, 26):
        week = IsoWeek.containing(now, "UTC").shifted(-back)
        batch = team_reports(store, flows, week, now)
        single = [team_report(store, f, week_of(f, week.label, now), now) for f in flows]
        assert batch == single, week.label
        assert [r.team for r in batch] == [f.name for f in flows]
    # A week per team, and PR release lead times read through prs_released.
    weeks = [week_of(f, IsoWeek.containing(now, "UTC").shifted(-n).label, now)
             for n, f in enumerate(flows)]
    batch = team_reports(store, flows, weeks, now)
    assert batch == [team_report(store, f, w, now) for f, w in zip(flows, weeks, strict=True)]
    assert any(r.releases.change_lead_hours.count for r in batch)
    with pytest.raises(ValueError):
        team_reports(store, flows, weeks[:2], now)
