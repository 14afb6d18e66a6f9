"""Every command meets a broken database with one line naming the cause: no traceback.

An unreachable PostgreSQL, an unsupported or malformed URL, and an SQLite file in a
directory that cannot be written: exit 1 for a database that fails, 2 for a URL that is
wrong; the password never shows.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
CONFIG = str(ROOT / "config" / "crosswalk.example.yaml")
SECRET = "pa55-s3cret"
COMMANDS = (
    ("db", "upgrade"),
    ("report",),
    ("review",),
    ("sync",),
    ("backfill", "--since", "2026-11-01"),
    ("digest", "--dry-run"),
    ("alerts", "--dry-run"),
)
# Services that answer nothing: the database fails first, or the command never gets far.
SERVICES = {"JIRA_URL": "http://127.0.0.1:9", "JIRA_EMAIL": "a@example.com",
            "JIRA_API_TOKEN": "jira-token", "GITHUB_TOKEN": "gh-token"}


def run(url: str, args: tuple[str, ...]) -> tuple[int, str]:
    env = {**SERVICES, "DATABASE_URL": url, "CROSSWALK_CONFIG": CONFIG}
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_an_unreachable_postgresql_is_one_line_naming_the_cause(args: tuple[str, ...]) -> None:
    code, out = run(f"postgresql+psycopg://crosswalk:{SECRET}@127.0.0.1:1/crosswalk", args)
    assert code == 1, out
    assert "Traceback" not in out and SECRET not in out
    [line] = [x for x in out.splitlines() if x.startswith("crosswalk: database")]
    assert "Connection refused" in line and "127.0.0.1" in line
    assert "is the database server running" in line


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize(
    ("url", "needle"),
    [
        (f"mysql://crosswalk:{SECRET}@127.0.0.1/crosswalk", "'mysql' databases are not supported"),
        ("nonsense", "not a database URL"),
    ],
)
def test_a_wrong_database_url_is_bad_config(args: tuple[str, ...], url: str, needle: str) -> None:
    code, out = run(url, args)
    assert code == 2, out
    assert out.strip().splitlines() == [out.strip().splitlines()[0]]  # one line
    assert needle in out and "DATABASE_URL" in out and SECRET not in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
@pytest.mark.parametrize("args", COMMANDS[:3], ids=lambda a: a[0])
def test_an_unwritable_sqlite_directory_names_the_fix(
    tmp_path: Path, args: tuple[str, ...],
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        code, out = run(f"sqlite:///{locked / 'cw.db'}", args)
    finally:
        locked.chmod(stat.S_IRWXU)
    assert code == 1, out
    assert "directory exists and is writable" in out and "Traceback" not in out


@pytest.mark.parametrize("args", COMMANDS[:3], ids=lambda a: a[0])
def test_a_missing_sqlite_directory_names_the_fix(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, out = run(f"sqlite:///{tmp_path / 'no' / 'such' / 'cw.db'}", args)
    assert code == 1, out
    assert "unable to open database file" in out
    assert "directory exists and is writable" in out and "Traceback" not in out
