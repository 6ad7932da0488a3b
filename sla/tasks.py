"""Celery tasks: they take ids and call services, and are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def recompute_request_sla(request_id: int) -> None:
    services.clocks_recompute(request_id=request_id)


@shared_task(ignore_result=True)
def sweep_due_clocks() -> int:
    services.clocks_rebuild_if_pending()  # asked for while the broker was down
    return services.clocks_sweep()


@shared_task(ignore_result=True)
def rebuild_all_clocks() -> int:
    return services.clocks_rebuild()
