"""Raw records: upserts are idempotent, update changed fields, and read back as records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.flow.model import (
    Containment,
    FixVersion,
    ItemLink,
    PullRequest,
    Release,
    Review,
    ReviewState,
    StatusChange,
    WorkItem,
)
from bot.store import tables as t
from bot.store.base import BATCH_SIZE
from bot.store.repo import Store

T0 = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)


def _count(store: Store, table: object) -> int:
    with store.transaction(read_only=True) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _item(key: str = "PAY-1", **changes: object) -> WorkItem:
    item = WorkItem(
        key=key,
        project="PAY",
        issue_type="Story",
        summary="Refunds <b>& more",
        status="Ready for Development",
        created=T0,
        updated=T0 + timedelta(hours=1),
        fix_versions=("10001",),
        url=f"https://jira.example/browse/{key}",
    )
    return replace(item, **changes)  # type: ignore[arg-type]


def _pr(number: int = 7, **changes: object) -> PullRequest:
    pr = PullRequest(
        repo="acme/api",
        number=number,
        title="PAY-1 refunds",
        body="",
        head_ref="pay-1-refunds",
        author="bob",
        author_is_bot=False,
        state="open",
        draft=False,
        created_at=T0,
        updated_at=T0,
        requested_reviewers=("carol", "dave"),
        url=f"https://github.example/acme/api/pull/{number}",
    )
    return replace(pr, **changes)  # type: ignore[arg-type]


def test_work_item_upsert_twice_leaves_one_row_with_the_new_fields(store: Store) -> None:
    store.upsert_work_items([_item()])
    changed = _item(status="In Progress", fix_versions=("10002", "10003"), resolved=T0)
    store.upsert_work_items([changed])
    store.upsert_work_items([changed])
    assert _count(store, t.work_items) == 1
    assert store.work_items(["PAY-1", "PAY-404"]) == [changed]


def test_status_changes_reread_from_a_changelog_are_idempotent(store: Store) -> None:
    changes = [
        StatusChange("PAY-1", f"{h}:0", T0 + timedelta(minutes=h), "A", "B") for h in range(5)
    ]
    store.upsert_status_changes(changes)
    store.upsert_status_changes([*changes, replace(changes[0], to_status="C")])
    assert _count(store, t.status_changes) == 5
    back = store.status_changes_of(["PAY-1"])
    assert back[0].to_status == "C"
    assert back[1:] == changes[1:]


def test_bulk_upsert_spans_several_batches(store: Store) -> None:
    n = BATCH_SIZE * 2 + 17
    changes = [
        StatusChange(f"PAY-{i % 50}", f"{i}:0", T0 + timedelta(seconds=i), None, "Open")
        for i in range(n)
    ]
    assert store.upsert_status_changes(changes) == n
    assert store.upsert_status_changes(changes) == n
    assert _count(store, t.status_changes) == n


def test_pull_requests_round_trip_and_update(store: Store) -> None:
    store.upsert_pull_requests([_pr(), _pr(8, author="dependabot[bot]", author_is_bot=True)])
    merged = _pr(
        state="closed",
        merged_at=T0 + timedelta(days=1),
        closed_at=T0 + timedelta(days=1),
        merge_commit_sha="abc",
        requested_reviewers=(),
    )
    store.upsert_pull_requests([merged])
    assert _count(store, t.pull_requests) == 2
    assert store.pull_requests("acme/api", [7, 8, 9])[0] == merged
    assert store.pull_requests("acme/api", [8])[0].requested_reviewers == ("carol", "dave")


def test_reviews_fix_versions_containments_and_links_are_idempotent(store: Store) -> None:
    review = Review("acme/api", 7, 900, "carol", False, ReviewState.COMMENTED, T0)
    approved = replace(review, state=ReviewState.APPROVED)
    version = FixVersion("10001", "PAY", "1.0", False, None)
    shipped = replace(version, released=True, release_date=date(2026, 11, 12))
    link = ItemLink("PAY-1", "acme/api", 7)
    containment = Containment("acme/api", 55, 7)
    for _ in range(2):
        store.upsert_reviews([review])
        store.upsert_reviews([approved])
        store.upsert_fix_versions([version, shipped])
        store.upsert_item_links([link, link])
        store.upsert_containments([containment])
    assert store.reviews_of("acme/api", [7]) == [approved]
    assert store.fix_versions(["10001"]) == [shipped]
    assert store.links_of_items(["PAY-1"]) == [link]
    assert store.links_of_prs([("acme/api", 7)]) == [link]
    assert store.containments_of("acme/api") == [containment]


def test_replacing_pr_links_drops_keys_no_longer_mentioned(store: Store) -> None:
    store.upsert_item_links([ItemLink("PAY-1", "acme/api", 7), ItemLink("PAY-2", "acme/api", 7)])
    store.replace_pr_links("acme/api", 7, [ItemLink("PAY-2", "acme/api", 7)])
    assert store.links_of_prs([("acme/api", 7)]) == [ItemLink("PAY-2", "acme/api", 7)]


def test_replacing_a_pages_links_touches_only_its_prs(store: Store) -> None:
    def link(key: str, repo: str, number: int) -> ItemLink:
        return ItemLink(key, repo, number)

    store.upsert_item_links([link("PAY-1", "acme/api", 7), link("PAY-2", "acme/api", 8),
                             link("PAY-3", "acme/api", 9), link("PAY-4", "acme/web", 7)])
    # PR 7 now names PAY-5 only, PR 8 names nothing; PR 9 and acme/web are not on the page.
    store.replace_links_of_prs("acme/api", [7, 8], [link("PAY-5", "acme/api", 7)])
    found = store.links_of_prs([("acme/api", n) for n in (7, 8, 9)] + [("acme/web", 7)])
    assert set(found) == {link("PAY-5", "acme/api", 7), link("PAY-3", "acme/api", 9),
                          link("PAY-4", "acme/web", 7)}


def test_release_upsert_updates_and_a_reused_tag_replaces_the_old_release(store: Store) -> None:
    draft = Release("acme/api", 1, "v1.0", "v1.0", True, False, T0, None)
    published = replace(draft, draft=False, published_at=T0 + timedelta(hours=2))
    store.upsert_releases([draft])
    store.upsert_releases([published])
    assert store.releases_of("acme/api") == [published]
    recreated = replace(published, release_id=2, created_at=T0 + timedelta(days=1))
    store.upsert_releases([recreated])
    assert store.releases_of("acme/api") == [recreated]


def test_team_items_are_recorded_once_per_team(store: Store) -> None:
    store.add_team_items("payments", ["PAY-2", "PAY-1", "PAY-1"])
    store.add_team_items("payments", ["PAY-1"])
    store.add_team_items("web", ["PAY-1"])
    assert store.team_item_keys("payments") == ["PAY-1", "PAY-2"]
    assert store.team_item_keys("web") == ["PAY-1"]
