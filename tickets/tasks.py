"""Celery tasks of the tickets app: they take ids (or nothing), and are safe to run twice."""

import logging
import os
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings

log = logging.getLogger(__name__)

# An upload is spooled to FILE_UPLOAD_TEMP_DIR only while its request runs; a day-old file there was
# left by a request that never finished (a killed worker, a crash).
UPLOAD_LEFTOVER_AGE_SECONDS = 24 * 3600
# Files removed per run at most, so one run stays short however much piled up; the next run goes on.
UPLOAD_LEFTOVERS_PER_RUN = 10_000


def upload_leftovers_clean(
    *,
    folder: str | os.PathLike | None = None,
    older_than: float = UPLOAD_LEFTOVER_AGE_SECONDS,
    now: float | None = None,
    limit: int = UPLOAD_LEFTOVERS_PER_RUN,
) -> int:
    """Removes regular files in the upload temp folder last modified more than older_than seconds
    ago; returns how many it removed. Sub-folders and symlinks are left alone."""
    folder = Path(folder or settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = (time.time() if now is None else now) - older_than
    removed = 0
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return 0
    with entries:
        for entry in entries:
            if removed >= limit:
                break
            try:
                if not entry.is_file(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                    continue
                os.unlink(entry.path)
            except FileNotFoundError:
                continue  # removed meanwhile by its own request or by another run
            removed += 1
    if removed:
        log.info("Removed %d upload leftovers older than %ds from %s", removed, older_than, folder)
    return removed


@shared_task(ignore_result=True)
def clean_upload_leftovers() -> int:
    return upload_leftovers_clean()


@shared_task
def close_settled_requests() -> int:
    """Hourly: resolved requests past their reopen window become closed (tickets.services)."""
    if not settings.AUTO_CLOSE_RESOLVED:
        return 0
    from .services import requests_close_settled

    return requests_close_settled()
