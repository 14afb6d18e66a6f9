"""What a team's release is: GitHub releases, deployments, tags or Jira fixVersions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from bot.config.outcomes import Frozen
from bot.config.types import Duration, Regex, StatusName
from bot.flow.model import Shipping


def _at(key: str, message: str) -> PydanticCustomError:
    """A model-level problem reported at ``<model path>.<key>`` (a dotted path)."""
    return PydanticCustomError("at_key", message, {"key": key})


class ReleaseSettings(Frozen):
    """What counts as a release and as a failed one."""

    source: Literal["github", "deployments", "tags", "jira"] = Field(
        default="github",
        description="github (releases), deployments (GitHub deployments), tags or jira"
        " (fixVersions).",
    )
    environments: tuple[StatusName, ...] = Field(
        default=("production",), min_length=1,
        description="deployments: the production environments (case-insensitive).",
    )
    tag_pattern: Regex | None = Field(
        default=None, description="tags (required): a tag is a release when its name matches."
    )
    hotfix_pattern: Regex = Field(
        default="(?i)hotfix",
        description="Matched on tag or name (a deployment: ref or description; a tag: name or"
        " message).",
    )
    failure_window: Duration = Field(
        default=Duration(72, "h"), description="Calendar time after a release in which it can fail."
    )

    @model_validator(mode="after")
    def _needs_pattern(self) -> ReleaseSettings:
        if self.source == "tags" and self.tag_pattern is None:
            raise _at("tag_pattern", 'required key is missing (source is "tags")')
        return self

    def shipping(self) -> Shipping:
        """How the team's repositories ship on GitHub (jira teams read GitHub releases)."""
        if self.source == "deployments":
            return Shipping("deployment", self.environments)
        if self.source == "tags":
            return Shipping("tag", tag_pattern=self.tag_pattern)
        return Shipping()



class HasReleases(Protocol):
    """A team as far as its releases go."""

    @property
    def releases(self) -> ReleaseSettings: ...

    @property
    def repos(self) -> tuple[str, ...]: ...


def one_shipping_per_repo(teams: Mapping[str, HasReleases]) -> None:
    """A repository ships one way: teams sharing it must agree on what its release is."""
    seen: dict[str, tuple[str, Shipping]] = {}
    for name, team in teams.items():
        if team.releases.source == "jira":
            continue  # reads fixVersions, whatever the repository ships by
        shipping = team.releases.shipping()
        for repo in team.repos:
            first = seen.setdefault(repo.lower(), (name, shipping))
            if first[1].key != shipping.key:
                raise _at(
                    f"teams.{name}.releases",
                    f"{repo} is also in team {first[0]!r}, whose releases are read differently;"
                    " teams sharing a repository need the same source, environments and"
                    " tag_pattern",
                )
