"""How the request services ask for a clock recompute: after commit, on a worker."""

import logging

from django.db import transaction

from .tasks import recompute_request_sla

log = logging.getLogger(__name__)


def recompute_after_commit(request_id: int) -> None:
    def enqueue():
        try:
            recompute_request_sla.delay(request_id)
        except Exception:
            # The broker is down: do it here rather than leave the clocks stale.
            log.warning("Broker unavailable; recomputing SLA of request %s in-process", request_id, exc_info=True)
            recompute_request_sla(request_id)

    transaction.on_commit(enqueue)
