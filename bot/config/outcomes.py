"""The outcome settings of a team: the targets it agreed, and when its review is posted."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.config.types import ClockTime, Duration, Percent
from bot.flow.model import Targets


class Frozen(BaseModel):
    """The base of every settings model: immutable, and unknown keys are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _hours(value: Duration | None) -> float | None:
    return None if value is None else value.calendar_seconds / 3600


class TargetSettings(Frozen):
    """What the team agreed to reach; the review and the digest show each one, met or not."""

    lead_time: Duration | None = Field(
        default=None, description="Calendar time: the median time to delivery."
    )
    handoff_delay: Duration | None = Field(
        default=None, description="Working time (1d = one working day): the median handoff delay."
    )
    release_interval: Duration | None = Field(
        default=None, description="Calendar time: the period's length divided by its releases."
    )
    change_failure_rate: Percent | None = Field(
        default=None, description='Failed releases / releases, like "15%".'
    )
    downtime: Duration | None = Field(
        default=None, description="Calendar time: the median downtime of a failed release."
    )

    def to_flow(self, working_day_seconds: float) -> Targets:
        """The targets in hours (the handoff delay in working hours)."""
        delay = self.handoff_delay
        return Targets(
            lead_time=_hours(self.lead_time),
            handoff_delay=None
            if delay is None
            else delay.working_seconds(working_day_seconds) / 3600,
            release_interval=_hours(self.release_interval),
            change_failure_rate=self.change_failure_rate,
            downtime=_hours(self.downtime),
        )


class ReviewSettings(Frozen):
    """When the outcome review is posted to the team's channel, in the team's timezone."""

    every: Literal["month", "quarter"]
    day: int = Field(default=1, ge=1, le=28, description="Day of the month (1-28).")
    time: ClockTime = Field(default="09:00", validate_default=True)
