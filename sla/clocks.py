"""Provisional SLA clocks, computed on read from a request's timestamps (pure, no ORM).

The SLA issue replaces this with the business-hours engine and stored clocks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

AT_RISK_SHARE = 0.25

# Used when no SlaTier row exists for a priority: (tier name, first response, resolution) in minutes.
DEFAULT_TARGETS = {
    "critical": ("Tier 1", 60, 4 * 60),
    "high": ("Tier 2", 4 * 60, 8 * 60),
    "medium": ("Tier 3", 8 * 60, 24 * 60),
    "low": ("Tier 4", 24 * 60, 72 * 60),
}


@dataclass(frozen=True)
class Targets:
    tier: str
    first_response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True)
class SlaSummary:
    tier: str
    response_target: datetime
    resolution_target: datetime
    response_status: str
    resolution_status: str


def clock_status(*, started: datetime, target: datetime, done_at: datetime | None, paused: bool, now: datetime) -> str:
    if done_at is not None:
        return "met" if done_at <= target else "breached"
    if now > target:
        return "breached"
    if paused:
        return "paused"
    if target - now < (target - started) * AT_RISK_SHARE:
        return "at_risk"
    return "on_track"


def summarise(
    *,
    targets: Targets,
    created_at: datetime,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    status: str,
    now: datetime,
) -> SlaSummary:
    response_target = created_at + timedelta(minutes=targets.first_response_minutes)
    resolution_target = created_at + timedelta(minutes=targets.resolution_minutes)
    paused = status == "pending"
    return SlaSummary(
        tier=targets.tier,
        response_target=response_target,
        resolution_target=resolution_target,
        response_status=clock_status(
            started=created_at, target=response_target, done_at=first_response_at, paused=paused, now=now
        ),
        resolution_status=clock_status(
            started=created_at, target=resolution_target, done_at=resolved_at, paused=paused, now=now
        ),
    )
