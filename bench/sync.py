"""Requests, time and memory of a backfill and of a no-change poll, against the sandbox.

The sandbox runs in this process; each sync runs in a child process (so its peak RSS is
the sync's own, not the sandbox World's). Usage: ``python bench/sync.py [SIZE]``
(Jira items; default 10,000, which generates about 5,000 pull requests).

Lower bound of a backfill's requests: one per 100 listed objects (Jira issues per team,
PRs, releases and tags per repository), one reviews request per changed PR, one compare
per consecutive pair of eligible releases, one versions request per Jira project. What
a backfill spends beyond that is counted in the requests used, not in the bound: one
events-feed request per repository (to keep its ETag), one keys-only membership listing
per team, and the Jira client's start-up requests.

The backfill runs as production does, with pull requests and their reviews through
GraphQL (target: REST + GraphQL requests <= 0.15x the REST lower bound, GraphQL points
within a token's 5,000 an hour); then once more on the REST path alone, as a server without
GraphQL makes it (target <= 1.05x the bound).

Then two passes without changes: the no-change poll (one conditional request per
repository, on its events feed) and the hourly recheck of the listings (three).

Last, release sources: a smaller scenario whose releases are shipped as production
deployments (with staging noise and GitHub's inactive statuses), then as annotated tags.
Lower bound of each backfill's GitHub requests on the REST path: one per 100 listed
objects (PRs; production deployments per environment, or tag refs), one reviews request
per PR, one statuses request per production deployment (or one tag-object request per
matching tag), one compare per consecutive pair of releases (target <= 1.05x the bound,
the events feed's one request per repository counted in the bound). Their no-change poll
must be free: every request a 304 (the deployments listing is asked even when the feed is
quiet, as the feed never shows deployments).
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
SINCE = "2024-01-01"
RECHECK_HOURS = 1.5  # past bot.sync.github_sync.RECHECK: the listings are checked again
# The sync's own CPU per Jira item of this 10k backfill when issue #15 was filed (REST path,
# facts derived on every page, links written one PR at a time): 16.8 s for 10,073 items,
# measured on the bench machine of bench/RESULTS.md (2 cores) by this script at commit
# 18c043f. CPU seconds differ between machines: on other hardware, check that commit out
# and run its bench/sync.py 10000 to re-measure this figure before comparing.
BEFORE_CPU_MS_PER_ITEM = 1.67
BEFORE_COMMIT = "18c043f"
CPU_TARGET = 0.6  # of BEFORE_CPU_MS_PER_ITEM


def child(config: str, url: str, since: str, hours_later: str = "0") -> None:
    """Run one pass (a backfill when ``since`` is set) ``hours_later`` than now; print its
    figures as JSON."""
    from bot.config.env import Env
    from bot.config.settings import load_settings
    from bot.store import Store, make_engine
    from bot.store.migrate import upgrade
    from bot.sync import SyncEngine
    from bot.sync.clients import clients_for

    settings = load_settings(config)
    upgrade(url)
    issues, code = clients_for(settings, Env.from_mapping(os.environ), throttle=0)
    engine = SyncEngine(Store(make_engine(url)), settings, issues, code)
    start, cpu = time.perf_counter(), time.process_time()
    backfill = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    now = datetime.now(UTC) + timedelta(hours=float(hours_later))
    summary = engine.sync_all(now, backfill_since=backfill)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,  # the sync's own; the rest is waiting
        "peak_rss_mb": peak_rss_mb(),
        "requests_counted": summary.requests,
        "failed": len(summary.failed), "deferred": len(summary.deferred),
    }))


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not ``ru_maxrss``: Linux carries the parent's high-water
    mark across fork/exec into it, and the parent here holds the whole sandbox World."""
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def lower_bound(world: object) -> dict[str, int]:
    """The least requests a backfill of ``world`` can make, by kind."""
    from integrations.sandbox.github.common import eligible_releases

    w: object = world
    jira = w.jira  # type: ignore[attr-defined]
    github = w.github  # type: ignore[attr-defined]
    per_project = Counter(issue.project for issue in jira.issues.values())
    shippers = [t for t in w.teams if t.release_source == "jira"]  # type: ignore[attr-defined]
    bound = {"jira search": sum(math.ceil(n / 100) or 1 for n in per_project.values()),
             "jira versions": len(shippers)}  # only fixVersions teams list versions
    bound["github listings"] = sum(
        max(1, math.ceil(len(r.pulls) / 100)) + max(1, math.ceil(len(r.releases) / 100))
        + max(1, math.ceil(len(r.tags) / 100)) for r in github.repos.values())
    bound["github reviews"] = sum(len(r.pulls) for r in github.repos.values())
    bound["github compare"] = sum(max(len(eligible_releases(r)) - 1, 0)
                                  for r in github.repos.values())
    return bound


def run_child(
    box: object, config: Path, url: str, since: str, hours_later: float = 0
) -> dict[str, float]:
    """One pass in a child process; its JSON figures."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "GITHUB_"))}
    env.update(box.env())  # type: ignore[attr-defined]
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, __file__, "--child", str(config), url, since,
                          str(hours_later)],
                         env=env, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main(size: int) -> None:
    """Generate, backfill, poll again; print the table."""
    from integrations.sandbox.generator.organisation import generate
    from integrations.sandbox.runner import Sandbox

    started = time.perf_counter()
    world = generate("default", seed=7, size=size, now=NOW)
    items = len(world.jira.issues)
    pulls = sum(len(r.pulls) for r in world.github.repos.values())
    repos = len(world.github.repos)
    print(f"scenario: {items} items, {pulls} PRs, {repos} repositories, {len(world.teams)} "
          f"teams (generated in {time.perf_counter() - started:.1f} s)")
    bound = lower_bound(world)
    # 5,000 reviews requests exceed GitHub's 5,000/h: with the real budget the backfill defers
    # (sync.deferred) and the next pass after the reset completes it. Measure it in one pass.
    world.github.rate_limit = 1_000_000
    with tempfile.TemporaryDirectory() as tmp, Sandbox(world) as box:
        config = box.write_config(Path(tmp) / "crosswalk.yaml")
        url = f"sqlite:///{tmp}/bench.db"
        fill = run_child(box, config, url, SINCE)
        jira_used = len(box.jira.requests)
        github_used = len(box.github.requests)
        graphql_used = sum(1 for r in box.github.requests if r.route == "/graphql")
        points = sum(cost for _, cost in box.github.graphql.queries)
        used = jira_used + github_used
        floor = sum(bound.values())
        github_floor = floor - bound["jira search"] - bound["jira versions"]
        kinds = ", ".join(f"{k} {v}" for k, v in bound.items())
        print(f"REST lower bound: {floor} requests   [{kinds}]")
        print(f"backfill (GraphQL): {used} requests (jira {jira_used}, github {github_used} of "
              f"which {graphql_used} GraphQL) = {used / floor:.3f}x the REST bound "
              f"(target <= 0.15x); GitHub alone {github_used / github_floor:.3f}x its bound; "
              f"GraphQL points {points} (target <= 5000 an hour)")
        print(f"backfill: {fill['seconds']:.1f} s wall ({fill['cpu_seconds']:.1f} s CPU in the "
              f"sync, the rest waiting on the in-process sandbox), "
              f"{items / fill['seconds']:.0f} items/s, "
              f"peak RSS {fill['peak_rss_mb']:.0f} MB, failed {fill['failed']:.0f}, "
              f"deferred {fill['deferred']:.0f}")
        per_item = 1000 * fill["cpu_seconds"] / items
        print(f"backfill CPU per item: {per_item:.2f} ms vs {BEFORE_CPU_MS_PER_ITEM:.2f} ms when "
              f"issue #15 was filed (commit {BEFORE_COMMIT}, same machine) = "
              f"{per_item / BEFORE_CPU_MS_PER_ITEM:.2f}x "
              f"(target <= {CPU_TARGET}x)")
        for label, hours in (("no-change poll", 0.0), ("hourly recheck", RECHECK_HOURS)):
            box.jira.reset_log()
            box.github.reset_log()
            poll = run_child(box, config, url, "", hours)
            gh = box.github.requests
            not_304 = sum(1 for r in gh if r.status != 304)
            searches = sum(1 for r in box.jira.requests if "search" in r.path)
            print(f"{label}: {len(gh) / repos:.2f} GitHub requests per repository "
                  f"(all conditional: {all(r.conditional for r in gh)}, non-304: {not_304}, "
                  f"rate limit spent: {sum(r.status == 200 for r in gh)}), "
                  f"{searches / len(world.teams):.2f} Jira searches per team, "
                  f"{poll['seconds']:.1f} s ({poll['cpu_seconds']:.1f} s CPU in the sync), "
                  f"peak RSS {poll['peak_rss_mb']:.0f} MB")
        box.jira.reset_log()
        box.github.reset_log()
        box.github.graphql.disable()  # a GitHub Enterprise Server without GraphQL
        rest = run_child(box, config, f"sqlite:///{tmp}/bench-rest.db", SINCE)
        rest_used = len(box.jira.requests) + len(box.github.requests)
        print(f"backfill (REST fallback): {rest_used} requests vs lower bound {floor} = "
              f"{rest_used / floor:.3f}x (target <= 1.05x), {rest['seconds']:.1f} s wall "
              f"({rest['cpu_seconds']:.1f} s CPU in the sync, "
              f"{1000 * rest['cpu_seconds'] / items:.2f} ms per item)")
    sources(min(size, 2_000))


def source_bound(world: object, source: str) -> dict[str, int]:
    """The least GitHub requests a REST backfill of ``world`` shipping by ``source`` makes."""
    repos = list(world.github.repos.values())  # type: ignore[attr-defined]
    bound = {"events": len(repos),
             "pulls": sum(max(1, math.ceil(len(r.pulls) / 100)) for r in repos),
             "reviews": sum(len(r.pulls) for r in repos)}
    if source == "deployments":
        prod = [[d for d in r.deployments if d.environment == "production"] for r in repos]
        bound["deployments"] = sum(max(1, math.ceil(len(p) / 100)) for p in prod)
        bound["statuses"] = sum(len(p) for p in prod)
        bound["compare"] = sum(max(sum(d.state in ("success", "inactive") for d in p) - 1, 0)
                               for p in prod)
    else:
        bound["tag refs"] = sum(max(1, math.ceil(len(r.tags) / 100)) for r in repos)
        bound["tag objects"] = sum(len(r.tags) for r in repos)
        bound["compare"] = sum(max(len(r.tags) - 1, 0) for r in repos)
    return bound


def sources(size: int) -> None:
    """Backfill and no-change poll of a deployments-shipping and a tags-shipping scenario."""
    from dataclasses import replace

    from integrations.sandbox import shipping
    from integrations.sandbox.generator.organisation import generate
    from integrations.sandbox.runner import Sandbox

    for source in ("deployments", "tags"):
        world = generate("default", seed=7, size=size, now=NOW)
        if source == "deployments":
            shipping.as_deployments(world)
            world.teams = [replace(t, release_source="deployments") for t in world.teams]
        else:
            shipping.as_tags(world)
            world.teams = [replace(t, release_source="tags", tag_pattern=r"^v\d+\.\d+\.\d+$")
                           for t in world.teams]
        world.github.rate_limit = 1_000_000
        bound = source_bound(world, source)
        floor = sum(bound.values())
        with tempfile.TemporaryDirectory() as tmp, Sandbox(world) as box:
            box.github.graphql.disable()  # the REST path, as the bound counts it
            config = box.write_config(Path(tmp) / "crosswalk.yaml")
            url = f"sqlite:///{tmp}/bench.db"
            fill = run_child(box, config, url, SINCE)
            used = len(box.github.requests)
            kinds = ", ".join(f"{k} {v}" for k, v in bound.items())
            print(f"{source} backfill (REST): {used} GitHub requests vs lower bound {floor} = "
                  f"{used / floor:.3f}x (target <= 1.05x)   [{kinds}]; "
                  f"{fill['seconds']:.1f} s wall, failed {fill['failed']:.0f}")
            box.github.reset_log()
            run_child(box, config, url, "", 0.0)
            gh = box.github.requests
            not_304 = sum(1 for r in gh if r.status != 304)
            print(f"{source} no-change poll: {len(gh)} GitHub requests for "
                  f"{len(world.github.repos)} repositories, non-304: {not_304} (target 0)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:6])
    elif sys.argv[1:2] == ["--sources"]:
        sources(int(sys.argv[2]) if len(sys.argv) > 2 else 2_000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
