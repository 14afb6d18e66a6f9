"""The report's reads are index searches, never scans of a large table (SQLite plans).

A scan of ``status_spans`` or ``handoff_facts`` would make a team-week report grow with
the whole history; these tests read the query plan instead of timing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.store import migrate
from bot.store.db import make_engine
from bot.store.repo import Store
from bot.store.windows import FEW_TEAMS

WEEK = datetime(2026, 11, 9, tzinfo=UTC)
END = WEEK + timedelta(days=7)
REPOS = {"acme/api", "acme/web"}
TEAMS = ["payments", "checkout"]
MANY = [f"team{n}" for n in range(FEW_TEAMS + 1)]
STARTED = frozenset({"In Progress", "In Review"})
BIG_TABLES = (
    "status_spans",
    "status_changes",
    "handoff_facts",
    "item_facts",
    "pr_facts",
    "release_facts",
    "incident_facts",
    "pull_requests",
)

# Each read, and the index its plan must search (the one that bounds it to the window).
READS: dict[str, tuple[Callable[[Store], Any], str]] = {
    "handoffs_started": (
        lambda s: s.handoffs_started("payments", WEEK, END),
        "ix_handoff_facts_started_at_item_key",
    ),
    "handoffs_ended": (
        lambda s: s.handoffs_ended("payments", WEEK, END),
        "ix_handoff_facts_ended_at_item_key",
    ),
    "handoffs_waiting_at": (
        lambda s: s.handoffs_waiting_at("payments", END),
        "ix_handoff_facts_ended_at_item_key",
    ),
    "spans_at": (
        lambda s: s.spans_at("payments", END, {"In Progress", "In Review"}),
        "ix_status_spans_status_length_class_start",
    ),
    "items_delivered": (
        lambda s: s.items_delivered("payments", WEEK, END),
        "ix_item_facts_delivered_at_item_key",
    ),
    "incidents_resolved": (
        lambda s: s.incidents_resolved("payments", WEEK, END),
        "ix_incident_facts_resolved",
    ),
    "prs_opened": (lambda s: s.prs_opened(REPOS, WEEK, END), "ix_pr_facts_repo_opened_at"),
    "prs_merged": (lambda s: s.prs_merged(REPOS, WEEK, END), "ix_pr_facts_repo_merged_at"),
    "prs_first_reviewed": (
        lambda s: s.prs_first_reviewed(REPOS, WEEK, END),
        "ix_pr_facts_repo_first_review_at",
    ),
    "releases_published": (
        lambda s: s.releases_published(REPOS, WEEK, END),
        "ix_release_facts_repo_published_at",
    ),
    "first_release_at": (
        lambda s: s.first_release_at(REPOS),
        "ix_release_facts_repo_published_at",
    ),
    "prs_released": (
        lambda s: s.prs_released(REPOS, WEEK, END),
        "ix_pr_facts_repo_released_at",
    ),
    # The many-teams forms behind bot.usecases.reporting.team_reports: the same indexes.
    "handoffs_started_by_team": (
        lambda s: s.handoffs_started_by_team(TEAMS, WEEK, END),
        "ix_handoff_facts_started_at_item_key",
    ),
    "handoffs_ended_by_team": (
        lambda s: s.handoffs_ended_by_team(TEAMS, WEEK, END),
        "ix_handoff_facts_ended_at_item_key",
    ),
    "handoffs_waiting_by_team": (
        lambda s: s.handoffs_waiting_by_team(TEAMS, END),
        "ix_handoff_facts_ended_at_item_key",
    ),
    "spans_by_team": (
        lambda s: s.spans_by_team(dict.fromkeys(TEAMS, STARTED), END),
        "ix_status_spans_status_length_class_start",
    ),
    "items_delivered_by_team": (
        lambda s: s.items_delivered_by_team(TEAMS, WEEK, END),
        "ix_item_facts_delivered_at_item_key",
    ),
    "incidents_resolved_by_team": (
        lambda s: s.incidents_resolved_by_team(TEAMS, WEEK, END),
        "ix_incident_facts_resolved",
    ),
    # More teams than FEW_TEAMS: one pass over the window, other teams dropped in Python.
    "handoffs_started_by_many_teams": (
        lambda s: s.handoffs_started_by_team(MANY, WEEK, END),
        "ix_handoff_facts_started_at_item_key",
    ),
    "handoffs_waiting_by_many_teams": (
        lambda s: s.handoffs_waiting_by_team(MANY, WEEK, until=END),
        "ix_handoff_facts_ended_at_item_key",
    ),
    "spans_by_many_teams": (
        lambda s: s.spans_by_team(dict.fromkeys(MANY, STARTED), WEEK, until=END),
        "ix_status_spans_status_length_class_start",
    ),
    "items_delivered_by_many_teams": (
        lambda s: s.items_delivered_by_team(MANY, WEEK, END),
        "ix_item_facts_delivered_at_item_key",
    ),
    # A quarter for one team: through its items by key, not the time index of every team.
    "handoffs_started_over_a_quarter": (
        lambda s: s.handoffs_started("payments", END - timedelta(days=91), END),
        "sqlite_autoindex_handoff_facts_1",
    ),
    "handoffs_ended_over_a_quarter": (
        lambda s: s.handoffs_ended("payments", END - timedelta(days=91), END),
        "sqlite_autoindex_handoff_facts_1",
    ),
    "items_delivered_over_a_quarter": (
        lambda s: s.items_delivered("payments", END - timedelta(days=91), END),
        "sqlite_autoindex_item_facts_1",
    ),
    # Both handoff windows of a report in one UNION: a week by the time indexes, a
    # quarter through the team's items.
    "handoffs_touching_by_team": (
        lambda s: s.handoffs_touching_by_team(TEAMS, WEEK, END),
        "ix_handoff_facts_ended_at_item_key",
    ),
    "handoffs_touching_over_a_quarter": (
        lambda s: s.handoffs_touching_by_team(["payments"], END - timedelta(days=91), END),
        "sqlite_autoindex_handoff_facts_1",
    ),
    # The four PR windows of a report in one UNION: each part searches its own index.
    "prs_touching": (
        lambda s: s.prs_touching(REPOS, END - timedelta(days=91), END),
        "ix_pr_facts_repo_first_review_at",
    ),
    "first_release_by_repo": (
        lambda s: s.first_release_by_repo(REPOS),
        "ix_release_facts_repo_published_at",
    ),
    "status_changes_of": (
        lambda s: s.status_changes_of(["PAY-1"]),
        "ix_status_changes_item_key_at",
    ),
    "merged_unreleased_prs": (
        lambda s: s.merged_unreleased_prs(REPOS),
        "ix_pr_facts_repo_released_at",
    ),
}


# Planner statistics (sqlite_stat1) of a store with 1,000,000 status changes and spans,
# 200,000 handoffs and PRs, 100,000 items in two teams: the planner chooses as it would
# there. (With an empty store's statistics it would pick any plan.)
LARGE_STORE_STATS = [
    ("status_changes", "ix_status_changes_item_key_at", "1000000 10 1"),
    ("status_changes", "pk_status_changes", "1000000 1"),
    ("status_spans", "ix_status_spans_status_start", "1000000 200000 2"),
    ("status_spans", "ix_status_spans_status_length_class_start", "1000000 200000 111112 2"),
    ("status_spans", "pk_status_spans", "1000000 10 1"),
    ("team_items", "ix_team_items_item_key", "100000 1"),
    ("team_items", "pk_team_items", "100000 50000 1"),
    ("handoff_facts", "ix_handoff_facts_started_at_item_key", "200000 1 1"),
    ("handoff_facts", "ix_handoff_facts_ended_at_item_key", "200000 1 1"),
    ("handoff_facts", "pk_handoff_facts", "200000 2 1"),
    ("item_facts", "ix_item_facts_delivered_at_item_key", "100000 1 1"),
    ("item_facts", "pk_item_facts", "100000 1"),
    ("pr_facts", "ix_pr_facts_repo_released_at", "200000 10000 10000"),
    ("pr_facts", "ix_pr_facts_repo_opened_at", "200000 10000 1"),
    ("pr_facts", "ix_pr_facts_repo_merged_at", "200000 10000 1"),
    ("pr_facts", "ix_pr_facts_repo_first_review_at", "200000 10000 1"),
    ("pr_facts", "pk_pr_facts", "200000 10000 1"),
    ("pull_requests", "ix_pull_requests_repo_state", "200000 10000 5000"),
    ("release_facts", "ix_release_facts_repo_published_at", "20000 1000 1"),
    ("release_facts", "pk_release_facts", "20000 1000 1"),
    ("incident_facts", "ix_incident_facts_resolved", "5000 1"),
    ("incident_facts", "ix_incident_facts_created", "5000 1"),
    ("incident_facts", "pk_incident_facts", "5000 1"),
    ("pull_requests", "pk_pull_requests", "200000 10000 1"),
]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A migrated SQLite store whose planner statistics say it is large."""
    url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'crosswalk.db'}"
    migrate.upgrade(url)
    setup = make_engine(url)
    with setup.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        for table, index, stat in LARGE_STORE_STATS:
            name = _sqlite_index_name(conn, table, index)
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (table, name, stat))
    setup.dispose()
    engine = make_engine(url)  # new connections load the statistics
    yield Store(engine)
    engine.dispose()


def _sqlite_index_name(conn: Any, table: str, index: str) -> str:
    """SQLite names primary-key indexes ``sqlite_autoindex_<table>_1``."""
    if not index.startswith("pk_"):
        return index
    return f"sqlite_autoindex_{table}_1"


@pytest.mark.parametrize("name", sorted(READS))
def test_report_reads_search_indexes_instead_of_scanning(sqlite_store: Store, name: str) -> None:
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(sqlite_store.engine, "before_cursor_execute", capture)
    try:
        read, index = READS[name]
        read(sqlite_store)
    finally:
        event.remove(sqlite_store.engine, "before_cursor_execute", capture)
    assert statements, "the read issued no SELECT"
    details: list[str] = []
    with sqlite_store.engine.connect() as conn:
        for statement, params in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            details.extend(str(row[-1]) for row in plan)
    scans = [d for d in details if d.startswith("SCAN") and d.split()[1] in BIG_TABLES]
    assert scans == [], details
    assert any(f"INDEX {index} " in d for d in details), details
