"""Time of one team-week report and of all teams' reports, on SQLite and PostgreSQL.

Builds a store of 100 teams with 1,000,000 status transitions (as derived spans and
handoffs) and 200,000 pull requests, generated directly as facts, then times
``load_week_data`` + ``build_report``. Targets: one team-week < 100 ms, all 100 < 5 s.

Usage: ``python bench/report.py [--scale 0.1] [--sqlite-only]``; PostgreSQL runs when
``CROSSWALK_TEST_POSTGRES_URL`` is set (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.flow.facts import (
    HandoffEnd,
    HandoffFact,
    IncidentFact,
    ItemFact,
    PrFact,
    ReleaseFact,
    StatusSpan,
)
from bot.flow.model import CalendarSpec, TeamFlow, Workflow
from bot.flow.report import build_report
from bot.flow.source import load_week_data
from bot.flow.weeks import IsoWeek
from bot.store import Store, migrate
from bot.store.db import make_engine

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HISTORY = timedelta(weeks=104)
TEAMS = 100
PATH = ["Backlog", "Ready for Development", "In Progress", "In Review", "Done"]
WORKFLOW = Workflow(
    handoff=frozenset({"Ready for Development"}),
    started=frozenset({"In Progress", "In Review"}),
    returned=frozenset({"Needs Clarification"}),
    done=frozenset({"Done"}),
)


def team_flow(n: int) -> TeamFlow:
    """Team ``n``: project T<n>, two repositories, London calendar with GB holidays."""
    return TeamFlow(
        name=f"team{n:03d}",
        projects=(f"T{n:03d}",),
        repos=(f"acme/t{n:03d}-api", f"acme/t{n:03d}-web"),
        workflow=WORKFLOW,
        calendar=CalendarSpec("Europe/London", holidays="GB"),
        incident_types=("Incident",),
    )


def _at(rng: random.Random) -> datetime:
    return NOW - HISTORY + timedelta(seconds=rng.uniform(0, HISTORY.total_seconds()))


def fill_team(store: Store, team: TeamFlow, items: int, prs: int, rng: random.Random) -> None:
    """Generate one team's facts (4 transitions per item) and write them in one transaction."""
    spans: list[StatusSpan] = []
    handoffs: list[HandoffFact] = []
    item_facts: list[ItemFact] = []
    keys: list[str] = []
    for i in range(items):
        key = f"{team.projects[0]}-{i + 1}"
        keys.append(key)
        t = _at(rng)
        times = [t]
        for _ in range(4):
            t = t + timedelta(hours=rng.expovariate(1 / 30))
            times.append(t)
        # Items whose later steps lie in the future stop where "now" is.
        steps = [x for x in times if x <= NOW]
        for seq, start in enumerate(steps):
            end = steps[seq + 1] if seq + 1 < len(steps) else None
            spans.append(StatusSpan(key, seq, PATH[seq], start, end))
        if len(steps) >= 2:
            picked = steps[2] if len(steps) > 2 else None
            handoffs.append(
                HandoffFact(key, 0, steps[1], picked, HandoffEnd.PICKED_UP if picked else None)
            )
        delivered = steps[4] + timedelta(hours=rng.uniform(1, 48)) if len(steps) == 5 else None
        delivered = delivered if delivered is not None and delivered <= NOW else None
        item_facts.append(ItemFact(key, steps[1] if len(steps) > 1 else None, delivered))
    releases: list[ReleaseFact] = []
    for r, repo in enumerate(team.repos):
        day = NOW - HISTORY + timedelta(days=r + 1, hours=14)
        n = 0
        while day < NOW:
            n += 1
            hot = rng.random() < 0.1
            failed = rng.random() < 0.15
            releases.append(
                ReleaseFact(
                    repo,
                    n,
                    f"v{n}{'-hotfix' if hot else ''}",
                    day,
                    hot,
                    failed,
                    ("incident",) if failed else (),
                    rng.uniform(0.5, 8) if failed else None,
                )
            )
            day += timedelta(days=rng.choice([3, 4, 7]))
    by_repo = {repo: [x for x in releases if x.repo == repo] for repo in team.repos}
    pr_facts: list[PrFact] = []
    for n in range(prs):
        repo = team.repos[n % 2]
        opened = _at(rng)
        merged = opened + timedelta(hours=rng.expovariate(1 / 20))
        merged_at = merged if merged <= NOW and rng.random() < 0.9 else None
        review = opened + timedelta(hours=rng.expovariate(1 / 6))
        first_review = review if review <= NOW and rng.random() < 0.85 else None
        if merged_at is not None and first_review is not None and first_review > merged_at:
            first_review = None
        rel = next((x for x in by_repo[repo] if merged_at and x.published_at > merged_at), None)
        pr_facts.append(
            PrFact(
                repo,
                n + 1,
                rng.random() < 0.05,
                opened,
                merged_at,
                first_review,
                rel.release_id if rel else None,
                rel.published_at if rel else None,
            )
        )
    incidents = []
    for n in range(50):
        created = _at(rng)
        resolved = created + timedelta(hours=rng.expovariate(1 / 5))
        key = f"{team.projects[0]}-INC{n}"
        keys.append(key)
        incidents.append(
            IncidentFact(key, created, resolved if resolved <= NOW else None, team.repos[0], None)
        )
    with store.engine.begin() as conn:
        store.add_team_items(team.name, keys, conn=conn)
        store.upsert_status_spans(spans, conn=conn)
        store.upsert_handoffs(handoffs, conn=conn)
        store.upsert_item_facts(item_facts, conn=conn)
        store.upsert_pr_facts(pr_facts, conn=conn)
        store.upsert_release_facts(releases, conn=conn)
        store.upsert_incident_facts(incidents, conn=conn)


def report(store: Store, team: TeamFlow, week: IsoWeek) -> dict[str, object]:
    """One team-week report through the store (one read-only transaction)."""
    with store.transaction(read_only=True) as conn:
        data = load_week_data(store, team, week, NOW, conn=conn)
    return build_report(team, week, NOW, data)


def run(url: str, label: str, scale: float) -> None:
    """Fill a fresh store at ``url``, then print the timings."""
    migrate.upgrade(url)
    store = Store(make_engine(url))
    rng = random.Random(7)
    teams = [team_flow(n) for n in range(TEAMS)]
    items, prs = int(2500 * scale), int(2000 * scale)
    start = time.perf_counter()
    for team in teams:
        fill_team(store, team, items, prs, rng)
    fill = time.perf_counter() - start
    print(
        f"[{label}] filled {TEAMS} teams: {TEAMS * items * 4:,} transitions, "
        f"{TEAMS * prs:,} PRs in {fill:.1f} s",
        flush=True,
    )
    current = IsoWeek.containing(NOW, "Europe/London")
    past = current.shifted(-10)
    for week in (current, past):
        report(store, teams[0], week)  # warm caches (calendar, holidays, pool)
        samples = []
        for team in teams[:20]:
            t0 = time.perf_counter()
            report(store, team, week)
            samples.append(time.perf_counter() - t0)
        print(
            f"[{label}] one team-week ({week.label}): median "
            f"{statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms "
            f"(target < 100 ms)",
            flush=True,
        )
        t0 = time.perf_counter()
        for team in teams:
            report(store, team, week)
        print(
            f"[{label}] all {TEAMS} teams ({week.label}): "
            f"{time.perf_counter() - t0:.2f} s (target < 5 s)",
            flush=True,
        )
    store.engine.dispose()


@contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database, dropped afterwards."""
    base = make_url(base_url)
    name = f"cw_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
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


def main(argv: list[str]) -> int:
    """Run the benchmark on SQLite, then PostgreSQL when configured."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "sqlite", args.scale)
    pg = os.environ.get("CROSSWALK_TEST_POSTGRES_URL", "")
    if pg and not args.sqlite_only:
        with scratch_postgres(pg) as url:
            run(url, "postgresql", args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
