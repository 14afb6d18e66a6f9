"""``crosswalk review``: the review object as JSON, a table, bad usage, and ``--post`` once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import TOKEN, new_store, top_level
from tests.support.review_world import review_config, seed

ARGS = ("review", "--team", "payments", "--format", "json",
        "--from", "2026-11-01", "--to", "2026-11-30")


@pytest.fixture
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    store, url = new_store(tmp_path, tmp_path_factory.getbasetemp())
    seed(store)
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(review_config(), sort_keys=False))
    yield {"DATABASE_URL": url, "CROSSWALK_CONFIG": str(path)}
    store.engine.dispose()


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_review_json_is_the_period_against_the_same_length_before(env: dict[str, str]) -> None:
    result = invoke(env, *ARGS)
    assert result.exit_code == 0, result.output
    review = json.loads(result.output)
    assert set(review) >= {"team", "timezone", "current", "baseline", "targets"}
    assert (review["team"], review["timezone"]) == ("payments", "Europe/London")
    current, baseline = review["current"], review["baseline"]
    assert current["week"] is None and baseline["week"] is None
    assert (current["start"], current["end"]) == ("2026-11-01T00:00:00+00:00",
                                                  "2026-12-01T00:00:00+00:00")
    # The baseline is the 30 days before: 2 Oct to 31 Oct.
    assert (baseline["start"], baseline["end"]) == ("2026-10-02T00:00:00+01:00",
                                                    "2026-11-01T00:00:00+00:00")
    assert current["releases"]["count"] == 4 and baseline["releases"]["count"] == 1
    targets = {t["name"]: t for t in review["targets"]}
    assert targets["release_interval"] == {"name": "release_interval", "target": 336.0,
                                           "actual": 180.0, "met": True}  # 720 h / 4
    assert targets["lead_time"] == {"name": "lead_time", "target": 120.0, "actual": 72.0,
                                    "met": True}
    assert targets["change_failure_rate"]["actual"] == 0.0


def test_vs_dates_choose_the_baseline(env: dict[str, str]) -> None:
    result = invoke(env, *ARGS, "--vs-from", "2026-09-01", "--vs-to", "2026-10-31")
    assert result.exit_code == 0, result.output
    baseline = json.loads(result.output)["baseline"]
    assert baseline["start"][:10] == "2026-09-01" and baseline["releases"]["count"] == 2


def test_review_table_reads_before_and_now(env: dict[str, str]) -> None:
    result = invoke(env, "review", "--team", "payments", "--from", "2026-11-01",
                    "--to", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert "payments  review  2026-11-01 to 2026-11-30 vs 2026-10-02 to 2026-10-31" in result.output
    line = next(x for x in result.output.splitlines() if "Release interval" in x)
    # 2-31 Oct is 30 days and the hour London gains on 25 Oct: 721 h for its one release.
    assert line.split() == ["Release", "interval", "(h)", "721.0", "180.0", "better", "<=",
                            "336.0", "met"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("review", "--to", "2026-11-30"), "--to needs --from"),
        (("review", "--from", "2026-11-30", "--to", "2026-11-01"), "before --from"),
        (("review", "--from", "2026-11-01", "--vs-from", "someday"), "--vs-from"),
        (("review", "--from", "0001-01-01"), "1971-9998"),
        (("review", "--team", "nope"), "nope"),
    ],
)
def test_bad_usage_exits_2_naming_the_problem(
    env: dict[str, str], args: tuple[str, ...], needle: str,
) -> None:
    result = invoke(env, *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_post_sends_the_review_once(env: dict[str, str], server: SlackServer) -> None:
    slack = {**env, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": server.url + "/api/"}
    first = invoke(slack, *ARGS, "--post")
    assert first.exit_code == 0, first.output
    assert "review of 2026-11-01..2026-11-30 posted" in first.output
    again = invoke(slack, *ARGS, "--post")
    assert again.exit_code == 0, again.output
    assert "already_posted" in again.output
    assert len(top_level(server)) == 1
