"""How other apps ask for SLA work: after commit, on a worker, and never lost when the broker is down."""

import logging

from helpdesk.broker import send_after_commit

from .models import PendingRebuild
from .tasks import rebuild_all_clocks, recompute_request_sla

log = logging.getLogger(__name__)


def recompute_after_commit(request_id: int) -> None:
    """One request's clocks: cheap, so without a broker it is done here rather than left stale."""
    send_after_commit(recompute_request_sla, request_id, fallback=lambda: recompute_request_sla(request_id))


def _record_rebuild() -> None:
    log.warning("Broker unavailable; the SLA rebuild is recorded and runs with the next sweep")
    PendingRebuild.objects.create()


def rebuild_after_commit() -> None:
    """Every clock (tiers, policies or calendars changed): too slow for a web request, so without a
    broker it is recorded and the next sweep on a worker runs it."""
    send_after_commit(rebuild_all_clocks, fallback=_record_rebuild)
