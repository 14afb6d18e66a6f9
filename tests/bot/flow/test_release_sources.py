"""Deployments and tags as releases: rollbacks, failed attempts, what a hotfix is matched on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.flow.metrics import release_section
from bot.flow.model import Deployment, Shipping


def _deployed(world: Any, rollback_at: str) -> Any:
    world.pr(60, "PAY-60 feature", "2026-11-05 10:00", "2026-11-06 10:00")
    world.release(400, "main #400", "2026-11-09 10:00", prs=(60,), kind="deployment",
                  sha="a" * 40, ref="main", name="Deploy v1")
    world.pr(61, "PAY-61 feature", "2026-11-09 11:00", "2026-11-09 12:00")
    world.release(401, "main #401", "2026-11-10 10:00", prs=(61,), kind="deployment",
                  sha="b" * 40, ref="main", name="Deploy v2")
    # The previous commit deployed again: a rollback, which contains no pull request.
    world.release(402, "main #402", rollback_at, kind="deployment", sha="a" * 40,
                  ref="main", name="Roll back", rollback=True)
    return world


def test_a_rollback_within_the_failure_window_fails_the_release_it_replaced(world: Any) -> None:
    facts = {f.release_id: f for f in _deployed(world, "2026-11-10 13:00").facts().releases}
    assert facts[401].failed and facts[401].failure_reasons == ("rollback main #402",)
    assert not facts[400].failed  # the rollback replaced #401, not the one it went back to
    assert not facts[402].failed and not facts[402].is_hotfix
    week = world.report("2026-W46")["releases"]
    assert (week["count"], week["failed"], week["change_failure_rate"]) == (3, 1, 1 / 3)


def test_a_rollback_after_the_failure_window_fails_nothing(world: Any) -> None:
    facts = {f.release_id: f for f in _deployed(world, "2026-11-13 11:00").facts().releases}
    assert [f.release_id for f in facts.values() if f.failed] == []


def test_a_pull_request_is_released_by_the_first_release_that_contains_it(world: Any) -> None:
    facts = {(p.repo, p.number): p for p in _deployed(world, "2026-11-10 13:00").facts().prs}
    assert facts[("acme/payments-api", 61)].release_id == 401


def test_a_deployment_hotfix_is_matched_on_its_ref_and_description(world: Any) -> None:
    world.release(500, "hotfix/login #500", "2026-11-09 10:00", kind="deployment",
                  sha="c" * 40, ref="hotfix/login", name="Deploy")
    world.release(501, "main #501", "2026-11-09 12:00", kind="deployment", sha="d" * 40,
                  ref="main", name="Urgent HOTFIX for checkout")
    # The label holds the ref, but only the ref and the description are matched.
    world.release(502, "main #502", "2026-11-09 14:00", kind="deployment", sha="e" * 40,
                  ref="main", name="Deploy")
    hot = {f.release_id: f.is_hotfix for f in world.facts().releases}
    assert hot == {500: True, 501: True, 502: False}


def test_a_tag_hotfix_is_matched_on_its_name_and_message(world: Any) -> None:
    world.release(600, "v1.2.1-hotfix", "2026-11-09 10:00", kind="tag", sha="f" * 40,
                  name="v1.2.1-hotfix")
    world.release(601, "v1.3.0", "2026-11-09 12:00", kind="tag", sha="0" * 40,
                  name="Hotfix for the ledger export")
    world.release(602, "v1.4.0", "2026-11-09 14:00", kind="tag", sha="1" * 40, name="v1.4.0")
    hot = {f.release_id: f.is_hotfix for f in world.facts().releases}
    assert hot == {600: True, 601: True, 602: False}


def test_failed_attempts_count_in_the_week_of_their_last_status() -> None:
    start = datetime(2026, 11, 9, tzinfo=UTC)
    end = datetime(2026, 11, 16, tzinfo=UTC)
    attempts = [datetime(2026, 11, 8, 23, 59, tzinfo=UTC), start,
                datetime(2026, 11, 15, 23, 59, tzinfo=UTC), end]
    assert release_section((), (), start, end, attempts).deploy_failures == 2
    assert release_section((), (), start, end).deploy_failures == 0


def test_only_a_successful_deployment_is_a_release() -> None:
    at = datetime(2026, 11, 9, 10, tzinfo=UTC)
    done = Deployment("acme/api", 7, "production", "a" * 40, "v1.0", "Deploy v1.0", at, at,
                      "success", at)
    release = done.as_release()
    assert (release.kind, release.release_id, release.sha, release.ref) == (
        "deployment", 7, "a" * 40, "v1.0")
    assert release.eligible and release.published_at == at and release.compared_by == "a" * 40
    assert release.hotfix_texts == ("v1.0", "Deploy v1.0")
    assert Deployment("acme/api", 8, "production", "b" * 40, "main", "", at, at,
                      "pending").final is False


def test_what_counts_as_a_release_has_a_key_that_changes_with_it() -> None:
    keys = {
        Shipping().key,
        Shipping("deployment", ("production",)).key,
        Shipping("deployment", ("production", "prod-eu")).key,
        Shipping("tag", tag_pattern=r"^v\d+").key,
        Shipping("tag", tag_pattern=r"^release-").key,
    }
    assert len(keys) == 5
    assert Shipping("deployment", ("b", "a")).key == Shipping("deployment", ("a", "b")).key
