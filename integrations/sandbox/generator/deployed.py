"""A generated team that ships by GitHub deployments instead of releases.

Its releases are generated as for every team, then each becomes a successful
``production`` deployment of the same commit at the same time (after a staging one).
On top, in its first repository: one failed deployment attempt (in progress, then
``failure``, never a success) an hour before a release, and one rollback: a redeploy of
the previous release's commit three hours after a release, which fails that release
(docs/metrics.md, "Release sources"). The intent log says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from integrations.sandbox import shipping
from integrations.sandbox.generator.intent import DeployFailureIntent, Intent, ReleaseIntent
from integrations.sandbox.generator.scenarios import TeamPlan
from integrations.sandbox.world import World

ROLLBACK_AFTER = timedelta(hours=3)


def ship_by_deployments(world: World, team: TeamPlan, intent: Intent) -> None:
    """Turn the team's releases into deployments; add a failed attempt and a rollback."""
    shipping.as_deployments(world, repos=team.repos)
    repo = team.repos[0]
    mine = sorted(
        (i for i, r in enumerate(intent.releases)
         if r.team == team.name and r.repo == repo and r.published is not None
         and not r.draft and not r.prerelease),
        key=lambda i: intent.releases[i].published or world.now,
    )
    if len(mine) < 4:
        return
    tags = world.github.repos[repo].tags
    middle = intent.releases[mine[len(mine) // 2]]
    assert middle.published is not None
    attempt_at = middle.published - timedelta(hours=1)
    shipping.deploy(world, repo, "production", attempt_at, ref=middle.tag, sha=tags[middle.tag],
                    description=f"{middle.tag} (first attempt)",
                    states=(("in_progress", attempt_at),
                            ("failure", attempt_at + timedelta(minutes=12))))
    intent.deploy_failures.append(
        DeployFailureIntent(team.name, repo, attempt_at + timedelta(minutes=12))
    )
    previous, replaced, after = (intent.releases[i] for i in mine[-4:-1])
    assert replaced.published is not None and after.published is not None
    at = replaced.published + ROLLBACK_AFTER
    if at >= after.published or at > world.now:
        return
    rollback = shipping.deploy(world, repo, "production", at, ref=previous.tag,
                               sha=tags[previous.tag], description=f"Roll back to {previous.tag}")
    index = mine[-3]
    intent.releases[index] = replace(
        replaced, failed=True, reasons=(*replaced.reasons, f"rollback {previous.tag}")
    )
    intent.releases.append(ReleaseIntent(
        team.name, repo, rollback.id, f"{previous.tag} #{rollback.id}", at, draft=False,
        prerelease=False, hotfix=False, rollback=True,
    ))
