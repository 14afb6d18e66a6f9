"""Time of one team-week report and of every team's report, on SQLite and PostgreSQL.

Builds a store of ``--teams`` teams with ``--transitions`` Jira status transitions and
``--prs`` pull requests over 52 weeks: raw records (items, changelogs, PRs, reviews,
releases, containment, links) generated with a fixed seed, and the facts sync would
keep, derived from them by ``bot.flow.derive``. Then it times ``bot.usecases.reporting.team_report``
for one team-week, and ``bot.usecases.reporting.team_reports`` (what ``crosswalk report`` runs
without ``--team``) for all teams, beside a loop of ``team_report`` for comparison.
Targets: one team-week < 100 ms, all 100 teams < 5 s; a 13-week period report (one team)
at most 3x one team-week.

Usage: ``python bench/report.py [--teams 100] [--transitions 1000000] [--prs 200000]
[--backend sqlite|postgres|both] [--postgres-url URL]``. PostgreSQL gets a scratch
database (created on the server's ``postgres`` database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url

from bot.flow.model import TeamFlow
from bot.flow.periods import Period
from bot.flow.sections import Report
from bot.flow.weeks import IsoWeek
from bot.store import Store, make_engine, migrate
from bot.store import tables as t
from bot.usecases.reporting import team_report, team_reports

# Run as a script, or loaded by path from a test: the generator sits beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_data import NOW, WEEKS, TeamRaw, derive_facts, generate_team, team_flow

DEFAULT_PG = "postgresql+psycopg://crosswalk@127.0.0.1:55432/crosswalk_test"
SEED = 20261125
SAMPLES = 20
TARGET_ONE_MS, TARGET_ALL_S = 100.0, 5.0
TARGET_PERIOD_RATIO = 3.0  # a 13-week period report at most 3x one team-week


def write_team(store: Store, team: TeamFlow, raw: TeamRaw) -> None:
    """Write one team's raw records and derived facts in one transaction."""
    facts = derive_facts(team, raw)
    with store.transaction() as conn:
        store.add_team_items(team.name, [i.key for i in raw.items], conn=conn)
        store.upsert_work_items(raw.items, conn=conn)
        store.upsert_status_changes(raw.changes, conn=conn)
        store.upsert_pull_requests(raw.prs, conn=conn)
        store.upsert_reviews(raw.reviews, conn=conn)
        store.upsert_releases(raw.releases, conn=conn)
        store.upsert_containments(raw.containments, conn=conn)
        store.upsert_item_links(raw.links, conn=conn)
        store.upsert_status_spans(facts.spans, conn=conn)
        store.upsert_handoffs(facts.handoffs, conn=conn)
        store.upsert_item_facts(facts.items, conn=conn)
        store.upsert_pr_facts(facts.prs, conn=conn)
        store.upsert_release_facts(facts.releases, conn=conn)
        store.upsert_incident_facts(facts.incidents, conn=conn)


def build(store: Store, teams: int, transitions: int, prs: int, seed: int = SEED) -> list[TeamFlow]:
    """Fill ``store`` team by team (deterministic for ``seed``); return the teams."""
    flows = [team_flow(n) for n in range(teams)]
    for n, team in enumerate(flows):
        # Spread the remainders so the totals are exact.
        share = transitions // teams + (1 if n < transitions % teams else 0)
        pr_share = prs // teams + (1 if n < prs % teams else 0)
        write_team(store, team, generate_team(team, share, pr_share, seed))
    analyze(store.engine)
    return flows


def analyze(engine: Engine) -> None:
    """Refresh planner statistics after the bulk load (as operations do after a backfill)."""
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of every non-empty table."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                counts[table.name] = int(n)
    return counts


def report_weeks(timezone: str) -> list[IsoWeek]:
    """The 52 weeks of the history, oldest first, ending with the current one."""
    current = IsoWeek.containing(NOW, timezone)
    return [*current.previous(WEEKS - 1), current]


def timed_report(
    store: Store, team: TeamFlow, week: IsoWeek
) -> tuple[float, float, Report]:
    """Wall and CPU seconds of one ``team_report`` (the ``crosswalk report`` path), and it."""
    wall, cpu = time.perf_counter(), time.process_time()
    report = team_report(store, team, week, NOW)
    return time.perf_counter() - wall, time.process_time() - cpu, report


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (q in [0, 1])."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    current = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(store: Store, flows: list[TeamFlow], label: str) -> tuple[float, float]:
    """Print the timings; return (p95 of one team-week in ms, slowest all-teams seconds).

    CPU is this process's time (Python, SQLAlchemy, SQLite; not PostgreSQL's server): on
    a busy machine wall time includes waiting for a core, CPU time does not.
    """
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"[{label}] load average before timing: {load}", flush=True)
    rng = random.Random(SEED)
    timed_report(store, flows[0], report_weeks(flows[0].calendar.timezone)[-2])  # warm-up
    wall, cpu = [], []
    for _ in range(SAMPLES):
        team = rng.choice(flows)
        w, c, _ = timed_report(store, team, rng.choice(report_weeks(team.calendar.timezone)))
        wall.append(w * 1000)
        cpu.append(c * 1000)
    p95 = percentile(wall, 0.95)
    print(
        f"[{label}] one team-week ({SAMPLES} runs, random teams and weeks): wall median "
        f"{statistics.median(wall):.1f} ms, p95 {p95:.1f} ms, max {max(wall):.1f} ms; "
        f"CPU median {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms",
        flush=True,
    )
    slowest = 0.0
    for back, name in ((1, "last full week"), (26, "26 weeks back"), (0, "current week")):
        weeks = [IsoWeek.containing(NOW, f.calendar.timezone).shifted(-back) for f in flows]
        w0, c0 = time.perf_counter(), time.process_time()
        team_reports(store, flows, weeks, NOW)
        seconds, cpu_s = time.perf_counter() - w0, time.process_time() - c0
        slowest = max(slowest, seconds)
        w1, c1 = time.perf_counter(), time.process_time()
        for team, week in zip(flows, weeks, strict=True):
            timed_report(store, team, week)
        loop_s, loop_cpu = time.perf_counter() - w1, time.process_time() - c1
        print(
            f"[{label}] all {len(flows)} teams, {name} ({weeks[0].label}): team_reports wall "
            f"{seconds:.2f} s, CPU {cpu_s:.2f} s (team_report per team: wall {loop_s:.2f} s, "
            f"CPU {loop_cpu:.2f} s)",
            flush=True,
        )
    current, peak = rss_mb()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"[{label}] RSS now {current:.0f} MB, peak {peak:.0f} MB; load average {load}")
    return p95, slowest


# The statements of one ``load_week``, in its order.
READS = (
    "handoffs_touching", "handoffs_waiting_at", "spans_at", "items_delivered",
    "incidents_resolved", "first_release_at", "prs_touching", "releases_published",
    "history_spans", "history_links",
)  # fmt: skip


def profile_reads(store: Store, team: TeamFlow, week: IsoWeek, label: str) -> None:
    """Print each read's SQL-only time, rows and plan (the driver alone, no SQLAlchemy)."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        wall, cpu, _ = timed_report(store, team, week)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    sqlite = store.engine.dialect.name == "sqlite"
    print(
        f"[{label}] reads of {team.name} {week.label} (report: wall {wall * 1000:.1f} ms, "
        f"CPU {cpu * 1000:.1f} ms):",
        flush=True,
    )
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name, (statement, params) in zip(READS, captured, strict=False):
            start = time.perf_counter()
            for _ in range(5):
                rows = len(cursor.execute(statement, params).fetchall())
            ms = (time.perf_counter() - start) / 5 * 1000
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plan = [str(r[-1]).strip() for r in cursor.execute(explain + statement, params)]
            # Distinct access paths only (the span read has one range per length class).
            used = dict.fromkeys(p.split("  (cost")[0] for p in plan if "SCAN" in p.upper())
            used.update(dict.fromkeys(p.split(" (")[0] for p in plan if "SEARCH" in p))
            print(f"    {name:20s} {ms:6.2f} ms {rows:5d} rows  " + " | ".join(used))
    finally:
        raw.close()


def thirteen_weeks(timezone: str) -> Period:
    """The 13 complete weeks before the current one, as one period."""
    monday = IsoWeek.containing(NOW, timezone).monday
    return Period(monday - timedelta(weeks=13), monday - timedelta(days=1), timezone)


def measure_periods(store: Store, flows: list[TeamFlow], label: str, week_ms: float) -> str:
    """Time 13-week period reports (one team, and every team); the verdict line."""
    rng = random.Random(SEED + 13)
    wall = []
    for _ in range(SAMPLES):
        team = rng.choice(flows)
        start = time.perf_counter()
        team_report(store, team, thirteen_weeks(team.calendar.timezone), NOW)
        wall.append((time.perf_counter() - start) * 1000)
    p95 = percentile(wall, 0.95)
    start = time.perf_counter()
    team_reports(store, flows, [thirteen_weeks(f.calendar.timezone) for f in flows], NOW)
    every = time.perf_counter() - start
    print(
        f"[{label}] 13-week period report ({SAMPLES} runs): wall median "
        f"{statistics.median(wall):.1f} ms, p95 {p95:.1f} ms; all {len(flows)} teams "
        f"{every:.2f} s",
        flush=True,
    )
    ratio = p95 / week_ms if week_ms > 0 else float("inf")
    ok = "OK" if ratio <= TARGET_PERIOD_RATIO else "MISSED"
    return (
        f"[{label}] verdict: 13-week period p95 {p95:.1f} ms = {ratio:.2f}x one team-week "
        f"p95 {week_ms:.1f} ms vs <= {TARGET_PERIOD_RATIO:.0f}x {ok}"
    )


def verdict(label: str, p95_ms: float, all_s: float, teams: int) -> str:
    """One line comparing the figures with the targets."""
    one = "OK" if p95_ms < TARGET_ONE_MS else "MISSED"
    every = "OK" if all_s < TARGET_ALL_S else "MISSED"
    return (
        f"[{label}] verdict: one team-week p95 {p95_ms:.1f} ms vs < {TARGET_ONE_MS:.0f} ms "
        f"{one}; all {teams} teams (slowest week) {all_s:.2f} s vs < {TARGET_ALL_S:.0f} s "
        f"{every}"
    )


@contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server of ``base_url``, dropped afterwards."""
    base = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"crosswalk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def scratch_url(backend: str, postgres_url: str) -> Iterator[str]:
    """A fresh, empty database of ``backend``."""
    if backend == "postgres":
        with scratch_postgres(postgres_url) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="crosswalk_bench_") as tmp:
        yield f"sqlite:///{tmp}/bench.db"


def run_backend(backend: str, args: argparse.Namespace) -> None:
    """Build the store on one backend, then print build figures, timings and the verdict."""
    with scratch_url(backend, args.postgres_url) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            store = Store(engine)
            start = time.perf_counter()
            flows = build(store, args.teams, args.transitions, args.prs)
            seconds = time.perf_counter() - start
            counts = row_counts(engine)
            print(
                f"[{backend}] built in {seconds:.1f} s: "
                + ", ".join(f"{name} {n:,}" for name, n in counts.items()),
                flush=True,
            )
            p95, all_s = measure(store, flows, backend)
            for back in (1, 26):
                week = IsoWeek.containing(NOW, flows[0].calendar.timezone).shifted(-back)
                profile_reads(store, flows[len(flows) // 2], week, backend)
            period = measure_periods(store, flows, backend, p95)
            print(verdict(backend, p95, all_s, len(flows)), flush=True)
            print(period, flush=True)
        finally:
            engine.dispose()


def parse(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--transitions", type=int, default=1_000_000)
    parser.add_argument("--prs", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CROSSWALK_TEST_POSTGRES_URL") or DEFAULT_PG,
        help="any database on the server (the bench creates and drops its own)",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run one backend here, or each in a child process (so peak RSS is its own)."""
    args = parse(argv)
    if args.backend != "both":
        run_backend(args.backend, args)
        return 0
    sizes = ["--teams", str(args.teams), "--transitions", str(args.transitions)]
    for backend in ("sqlite", "postgres"):
        child = [sys.executable, __file__, *sizes, "--prs", str(args.prs), "--backend", backend]
        subprocess.run([*child, "--postgres-url", args.postgres_url], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
