"""Deployments to production environments, as last seen: the raw record of the
``deployments`` release source (its successes are stored as releases too)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from bot.flow.model import Deployment
from bot.store import tables as t
from bot.store.base import StoreBase, upsert

_D = t.deployments.c


class DeploymentsMixin(StoreBase):
    """Reads and writes of ``deployments``."""

    def upsert_deployments(
        self, deployments: Iterable[Deployment], *, conn: Connection | None = None
    ) -> int:
        """Insert or update deployments (idempotent)."""
        rows = [
            {
                "repo": d.repo,
                "deployment_id": d.deployment_id,
                "environment": d.environment,
                "sha": d.sha,
                "ref": d.ref,
                "description": d.description,
                "created_at": d.created_at,
                "updated_at": d.updated_at,
                "outcome": d.outcome,
                "outcome_at": d.outcome_at,
            }
            for d in deployments
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.deployments, rows)

    def deployments_of(self, repo: str, *, conn: Connection | None = None) -> list[Deployment]:
        """Every stored deployment of ``repo``, oldest first."""
        stmt = select(t.deployments).where(_D.repo == repo).order_by(_D.deployment_id)
        with self._use(conn, write=False) as c:
            return [_to_deployment(row) for row in c.execute(stmt)]

    def forget_deployments(self, repo: str, *, conn: Connection | None = None) -> None:
        """Drop the deployments of ``repo`` (its release source changed)."""
        with self._use(conn, write=True) as c:
            c.execute(delete(t.deployments).where(_D.repo == repo))

    def deploy_failures(
        self, repos: Collection[str], start: datetime, end: datetime,
        *, conn: Connection | None = None,
    ) -> list[tuple[str, datetime]]:
        """``(repo, last status time)`` of failed attempts of ``repos`` in ``[start, end)``."""
        if not repos:
            return []
        stmt = (
            select(_D.repo, _D.outcome_at)
            .where(_D.repo.in_(sorted(repos)), _D.outcome == "failed",
                   _D.outcome_at >= start, _D.outcome_at < end)
            .order_by(_D.outcome_at, _D.repo, _D.deployment_id)
        )
        with self._use(conn, write=False) as c:
            return [(row.repo, row.outcome_at) for row in c.execute(stmt)]


def _to_deployment(row: Any) -> Deployment:
    return Deployment(
        repo=row.repo, deployment_id=row.deployment_id, environment=row.environment,
        sha=row.sha, ref=row.ref, description=row.description, created_at=row.created_at,
        updated_at=row.updated_at, outcome=row.outcome, outcome_at=row.outcome_at,
    )
