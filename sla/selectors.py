"""Reads of the SLA configuration and a request's live SLA, computed by the pure engine."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from helpdesk import generations
from tickets.models import EventKind, Request, RequestEvent

from . import engine
from .defaults import AT_RISK_SHARE, DEFAULT_TARGETS, OFFICE_HOURS
from .models import BusinessCalendar, SlaPolicy, SlaTier
from .timeline import DONE, build_timeline

# With no calendar configured, business hours are Monday to Friday, 09:00 to 17:00 UTC.
_FALLBACK_CALENDAR = engine.Calendar(tz=ZoneInfo("UTC"), hours=OFFICE_HOURS)


@dataclass(frozen=True)
class TierTargets:
    name: str
    first_response: engine.Target
    resolution: engine.Target


@dataclass
class SlaConfig:
    """Everything the engine needs besides a request, loaded in a fixed number of queries so a sweep
    over many requests reads it once."""

    policies: list[SlaPolicy]
    tiers: dict[int, dict[str, TierTargets]]  # tier id -> priority -> targets
    default_tier_id: int | None
    calendars: dict[int, engine.Calendar]
    default_calendar: engine.Calendar
    group_calendar: dict[int, int]  # group id -> calendar id

    def tier_for(self, *, priority: str, is_vip: bool, group_id: int | None) -> TierTargets:
        for policy in self.policies:
            if (
                (not policy.priority or policy.priority == priority)
                and (policy.requester_is_vip is None or policy.requester_is_vip == is_vip)
                and (policy.group_id is None or policy.group_id == group_id)
                and priority in self.tiers.get(policy.tier_id, {})
            ):
                return self.tiers[policy.tier_id][priority]
        if self.default_tier_id is not None and priority in self.tiers.get(self.default_tier_id, {}):
            return self.tiers[self.default_tier_id][priority]
        name, response, resolution = DEFAULT_TARGETS[priority]
        return TierTargets(name, engine.Target(response, True), engine.Target(resolution, True))

    def calendar_for(self, group_id: int | None) -> engine.Calendar:
        calendar_id = self.group_calendar.get(group_id)
        return self.calendars.get(calendar_id, self.default_calendar)


def load_config() -> SlaConfig:
    tiers: dict[int, dict[str, TierTargets]] = defaultdict(dict)
    default_tier_id = None
    for tier in SlaTier.objects.prefetch_related("targets"):
        if tier.is_default:
            default_tier_id = tier.pk
        for target in tier.targets.all():
            tiers[tier.pk][target.priority] = TierTargets(
                tier.name,
                engine.Target(target.first_response_minutes, target.business_hours),
                engine.Target(target.resolution_minutes, target.business_hours),
            )
    calendars, default_calendar, group_calendar = {}, _FALLBACK_CALENDAR, {}
    for calendar in BusinessCalendar.objects.prefetch_related("opening_hours", "holidays", "groups"):
        hours: dict[int, list] = defaultdict(list)
        for span in calendar.opening_hours.all():
            hours[span.weekday].append((span.opens, span.closes))
        calendars[calendar.pk] = engine.Calendar(
            tz=ZoneInfo(calendar.time_zone),
            hours={day: tuple(sorted(spans)) for day, spans in hours.items()},
            holidays=frozenset(h.date for h in calendar.holidays.all()),
        )
        group_calendar.update({group.pk: calendar.pk for group in calendar.groups.all()})
        if calendar.is_default:
            default_calendar = calendars[calendar.pk]
    policies = list(SlaPolicy.objects.filter(is_active=True).order_by("position", "id"))
    return SlaConfig(policies, dict(tiers), default_tier_id, calendars, default_calendar, group_calendar)


# The configuration as this process last loaded it. Every request detail and every recompute on a
# worker needs it, and loading it is 7 queries; it changes rarely, and each change replaces the SLA
# generation (sla/apps.py), so a process keeps it while the generation stands (helpdesk.generations:
# only with Redis shared by all processes). CONFIG_KEEP_SECONDS bounds what no signal announces (an
# update() in a shell, a change made while Redis was down). Keeping it also keeps each calendar's
# table of open time (sla.engine), built once instead of once a call.
CONFIG_KEEP_SECONDS = 60
kept_config = generations.Kept("sla-config", seconds=CONFIG_KEEP_SECONDS)


def current_config() -> SlaConfig:
    """load_config(), or the same as this process loaded it under the current SLA generation."""
    generation = kept_config.generation()
    config = kept_config.get(None, generation)
    if config is None:
        config = load_config()
        kept_config.put(None, generation, config)
    return config


def config_changed() -> None:
    """Every process loads the configuration again (a tier, target, policy, calendar, its hours or
    holidays, or a group's calendar changed)."""
    kept_config.changed()


def of_requests(queryset: QuerySet, request_ids: list[int]) -> QuerySet:
    """The queryset's rows of these requests (by request_id; ids sorted). For a long run of ids one
    range (an index range scan, not thousands of parameters): callers skip rows of requests in it
    they did not ask for."""
    if len(request_ids) > 100:
        return queryset.filter(request_id__gte=request_ids[0], request_id__lte=request_ids[-1])
    return queryset.filter(request_id__in=request_ids)


def status_changes(request_ids: list[int]) -> dict[int, list[tuple[datetime, str, str]]]:
    """(when, old status, new status) per request, oldest first, in one query for many requests
    (sorted ids; the answer may hold requests in their range that were not asked for)."""
    changes: dict[int, list] = defaultdict(list)
    events = of_requests(RequestEvent.objects.filter(kind=EventKind.CHANGED, field="status"), request_ids)
    for request_id, *change in events.order_by("created_at", "id").values_list(
        "request_id", "created_at", "old_value", "new_value"
    ):
        changes[request_id].append(tuple(change))
    return changes


@dataclass(frozen=True)
class RequestSla:
    tier: str
    first_response: engine.ClockResult
    resolution: engine.ClockResult
    first_response_minutes: int | None  # counted minutes to the first response, once there is one
    resolution_minutes: int | None  # counted minutes to resolution, while resolved or closed

    @property
    def worst_status(self) -> str:
        return max((self.first_response.status, self.resolution.status), key=SEVERITY.index)

    @property
    def nearest_due(self) -> datetime | None:
        running = [c.target_at for c in (self.first_response, self.resolution) if c.status in ("on_track", "at_risk")]
        return min(running, default=None)


SEVERITY = ["met", "paused", "on_track", "at_risk", "breached"]


class SlaInputs(NamedTuple):
    """What the engine reads of a request (and of its requester): rows loaded or built in bulk
    (rebuilds, seeding) pass these, or any object with these attributes, instead of model instances."""

    priority: str
    is_vip: bool
    assigned_group_id: int | None
    status: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None


def compute_request_sla(request: Request, *, config: SlaConfig, changes, now: datetime) -> RequestSla:
    """request needs requester loaded (for VIP)."""
    inputs = SlaInputs(
        request.priority,
        request.requester.is_vip,
        request.assigned_group_id,
        request.status,
        request.created_at,
        request.updated_at,
        request.first_response_at,
        request.resolved_at,
    )
    return compute_sla(inputs, config=config, changes=changes, now=now)


def compute_sla(request: SlaInputs, *, config: SlaConfig, changes, now: datetime) -> RequestSla:
    """The SLA of a request given as SlaInputs (or a row with those attributes)."""
    tier = config.tier_for(priority=request.priority, is_vip=request.is_vip, group_id=request.assigned_group_id)
    timeline = build_timeline(
        created_at=request.created_at,
        first_response_at=request.first_response_at,
        status=request.status,
        resolved_at=request.resolved_at,
        updated_at=request.updated_at,
        status_changes=changes,
    )
    clocks = engine.compute_clocks(
        timeline,
        first_response=tier.first_response,
        resolution=tier.resolution,
        calendar=config.calendar_for(request.assigned_group_id),
        now=now,
        at_risk_share=AT_RISK_SHARE,
    )
    first, resolution = clocks[engine.FIRST_RESPONSE], clocks[engine.RESOLUTION]
    answered = timeline.first_response_at is not None or bool(timeline.done)
    return RequestSla(
        tier=tier.name,
        first_response=first,
        resolution=resolution,
        first_response_minutes=int(first.elapsed.total_seconds() // 60) if answered else None,
        resolution_minutes=int(resolution.elapsed.total_seconds() // 60) if request.status in DONE else None,
    )


def sla_for_request(request: Request, *, now: datetime | None = None) -> RequestSla:
    """The request's SLA right now, straight from the engine (the stored clocks may lag by a sweep)."""
    return compute_request_sla(
        request, config=current_config(), changes=status_changes([request.pk])[request.pk], now=now or timezone.now()
    )
