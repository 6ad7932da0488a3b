"""Celery tasks of the surveys app: they take ids and are safe to run twice."""

from celery import shared_task

from .emails import send_invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_invitation_email(invitation_id: int) -> bool:
    return send_invitation(invitation_id)
