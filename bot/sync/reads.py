"""The few store reads the sync needs beyond ``Store``'s: whole-repo and by-version lookups.

Kept beside the sync (not in ``bot.store``) because only the incremental refresh uses them;
they read the same tables through the same row converters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from bot.flow.facts import PrFact
from bot.flow.model import PullRequest
from bot.store import tables as t
from bot.store.base import IN_CHUNK, chunked
from bot.store.convert import to_pull_request
from bot.store.facts import to_pr_fact


def pulls_of_repo(conn: Connection, repo: str) -> list[PullRequest]:
    """Every stored pull request of ``repo`` (release facts need reverts and titles)."""
    pr = t.pull_requests.c
    stmt = select(t.pull_requests).where(pr.repo == repo).order_by(pr.number)
    return [to_pull_request(r) for r in conn.execute(stmt)]


def merged_shas(conn: Connection, repo: str) -> dict[str, int]:
    """Merge commit sha → PR number of the stored merged pull requests of ``repo``."""
    pr = t.pull_requests.c
    stmt = select(pr.merge_commit_sha, pr.number).where(
        pr.repo == repo, pr.merged_at.is_not(None), pr.merge_commit_sha.is_not(None)
    )
    return {sha: number for sha, number in conn.execute(stmt)}


def pull_updated(conn: Connection, repo: str, numbers: Sequence[int]) -> dict[int, object]:
    """``updated_at`` of the stored pull requests of ``repo`` among ``numbers``."""
    pr = t.pull_requests.c
    out: dict[int, object] = {}
    for part in chunked(sorted(set(numbers)), IN_CHUNK):
        stmt = select(pr.number, pr.updated_at).where(pr.repo == repo, pr.number.in_(part))
        out.update({n: at for n, at in conn.execute(stmt)})
    return out


def pr_facts_of(conn: Connection, prs: Collection[tuple[str, int]]) -> list[PrFact]:
    """Stored PR facts of these ``(repo, number)`` pull requests."""
    f = t.pr_facts.c
    out: list[PrFact] = []
    by_repo: dict[str, list[int]] = {}
    for repo, number in prs:
        by_repo.setdefault(repo, []).append(number)
    for repo, numbers in sorted(by_repo.items()):
        for part in chunked(sorted(set(numbers)), IN_CHUNK):
            stmt = select(t.pr_facts).where(f.repo == repo, f.number.in_(part))
            out.extend(to_pr_fact(r) for r in conn.execute(stmt))
    return out


def items_with_versions(conn: Connection, version_ids: Collection[str]) -> list[str]:
    """Keys of items that carry any of these fix versions."""
    v = t.item_fix_versions.c
    keys: set[str] = set()
    for part in chunked(sorted(set(version_ids)), IN_CHUNK):
        keys.update(conn.execute(select(v.item_key).where(v.version_id.in_(part))).scalars())
    return sorted(keys)


def team_items_of_types(conn: Connection, team: str, types: Collection[str]) -> list[str]:
    """Keys of ``team``'s items whose issue type is one of ``types`` (its incidents)."""
    if not types:
        return []
    ti, wi = t.team_items.c, t.work_items.c
    stmt = (
        select(wi.key)
        .select_from(t.team_items.join(t.work_items, wi.key == ti.item_key))
        .where(and_(ti.team == team, wi.issue_type.in_(sorted(types))))
        .order_by(wi.key)
    )
    return list(conn.execute(stmt).scalars())


def teams_of_items(conn: Connection, keys: Collection[str]) -> dict[str, list[str]]:
    """Item key → the teams whose query returned it."""
    ti = t.team_items.c
    out: dict[str, list[str]] = {}
    for part in chunked(sorted(set(keys)), IN_CHUNK):
        stmt = select(ti.item_key, ti.team).where(ti.item_key.in_(part)).order_by(ti.team)
        for key, team in conn.execute(stmt):
            out.setdefault(key, []).append(team)
    return out


def prs_in_releases(conn: Connection, repo: str, release_ids: Collection[int]) -> list[int]:
    """Numbers of the PRs contained in these releases of ``repo``."""
    c = t.containments.c
    found: set[int] = set()
    for part in chunked(sorted(set(release_ids)), IN_CHUNK):
        stmt = select(c.pr_number).where(c.repo == repo, c.release_id.in_(part))
        found.update(conn.execute(stmt).scalars())
    return sorted(found)


def containing_releases(
    conn: Connection, repo: str, numbers: Sequence[int]
) -> dict[int, list[int]]:
    """PR number → ids of the releases of ``repo`` that contain it."""
    c = t.containments.c
    out: dict[int, list[int]] = {}
    for part in chunked(sorted(set(numbers)), IN_CHUNK):
        stmt = select(c.pr_number, c.release_id).where(c.repo == repo, c.pr_number.in_(part))
        for number, release_id in conn.execute(stmt):
            out.setdefault(number, []).append(release_id)
    return out
