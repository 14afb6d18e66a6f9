"""The console script leaves without the interpreter's teardown, yet exits as ``sys.exit`` would:
same status, whole output, exit handlers run, running threads waited for."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Buffered streams, as a user's shell has them (a PYTHONUNBUFFERED=1 would hide a lost flush).
BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def python(code: str, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("env", BUFFERED)
    return subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True, text=True, timeout=60, **kwargs)


def crosswalk(*args: str, entry: str = "from bot.cli.entry import run; run()",
              **kwargs: object) -> subprocess.CompletedProcess[str]:
    return python(f"import sys; sys.argv[0] = 'crosswalk'; {entry}", *args, **kwargs)


def test_the_console_script_is_the_entry() -> None:
    text = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'crosswalk = "bot.cli.entry:run"' in text


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["report", "--help"]])
def test_same_output_and_status_as_the_click_group(args: list[str]) -> None:
    fast = crosswalk(*args)
    usual = crosswalk(*args, entry="from bot.cli.main import main; main()")
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        usual.returncode, usual.stdout, usual.stderr)
    assert fast.returncode == 0 and fast.stdout


def test_a_failing_command_keeps_its_status_and_message(tmp_path: Path) -> None:
    bad = tmp_path / "crosswalk.yaml"
    bad.write_text("teams: [\n", encoding="utf-8")
    done = crosswalk("report", "--config", str(bad), env={**BUFFERED, "CROSSWALK_CONFIG": ""})
    assert done.returncode == 2
    assert "not valid YAML" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_error_exits_2() -> None:
    done = crosswalk("no-such-command")
    assert done.returncode == 2
    assert "No such command" in done.stderr


def test_teardown_is_skipped_but_exit_handlers_run_and_output_is_whole() -> None:
    done = python("""
        import atexit, os, sys
        from bot.cli.entry import leave

        class Noisy:
            def __del__(self):
                os.write(2, b"torn down")

        kept = Noisy()
        atexit.register(lambda: print("handler ran", file=sys.stderr))
        for _ in range(1000):
            sys.stdout.write("x" * 999)  # the tail stays in the buffer until a flush
        leave(3)
    """)
    assert done.returncode == 3
    assert done.stdout == "x" * 999_000
    assert "handler ran" in done.stderr
    assert "torn down" not in done.stderr  # a normal exit prints it (see the next test)


def test_a_normal_exit_would_tear_down() -> None:
    done = python("""
        import os, sys
        class Noisy:
            def __del__(self):
                os.write(2, b"torn down")
        kept = Noisy()
        sys.exit(0)
    """)
    assert "torn down" in done.stderr


def test_a_running_thread_is_waited_for() -> None:
    done = python("""
        import threading, time
        from bot.cli.entry import leave

        def late():
            time.sleep(0.3)
            print("thread finished", flush=True)

        threading.Thread(target=late).start()
        leave(0)
    """)
    assert done.returncode == 0
    assert done.stdout == "thread finished\n"


@pytest.mark.parametrize(("code", "status", "stderr"), [
    ("None", 0, ""), ("5", 5, ""), ("'went wrong'", 1, "went wrong\n"),
])
def test_exit_codes_mean_what_sys_exit_means(code: str, status: int, stderr: str) -> None:
    done = python(f"from bot.cli.entry import leave; leave({code})")
    assert (done.returncode, done.stderr) == (status, stderr)


def test_output_that_cannot_be_flushed_fails_as_python_does() -> None:
    unflushable = ("import os, sys; from bot.cli.entry import leave; "
                   "sys.stdout.write('x' * 100); os.close(1); ")
    fast = python(unflushable + "leave(0)")
    usual = python(unflushable + "sys.exit(0)")
    assert fast.returncode == usual.returncode == 120


def test_a_sqlite_store_is_whole_in_its_file_after_leaving(tmp_path: Path) -> None:
    db = tmp_path / "crosswalk.db"
    done = python("""
        import sys
        from sqlalchemy import text
        from bot.cli.entry import leave
        from bot.store import make_engine

        engine = make_engine("sqlite:///" + sys.argv[1])  # WAL mode
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        leave(0)
    """, str(db))
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "crosswalk.db-wal").exists()  # checkpointed as it closed
    copy = tmp_path / "backup.db"
    copy.write_bytes(db.read_bytes())  # the file alone, as a backup would take it
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
