from django.utils import timezone

from .clocks import DEFAULT_TARGETS, SlaSummary, Targets, summarise
from .models import SlaTier


def targets_for_priority(priority: str) -> Targets:
    tier = SlaTier.objects.filter(priority=priority).first()
    if tier is not None:
        return Targets(tier.name, tier.first_response_minutes, tier.resolution_minutes)
    return Targets(*DEFAULT_TARGETS[priority])


def sla_for_request(request, *, now=None) -> SlaSummary:
    return summarise(
        targets=targets_for_priority(request.priority),
        created_at=request.created_at,
        first_response_at=request.first_response_at,
        resolved_at=request.resolved_at,
        status=request.status,
        now=now or timezone.now(),
    )
