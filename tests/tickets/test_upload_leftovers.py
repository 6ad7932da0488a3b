"""Uploads are spooled to a folder of our own, which an hourly task keeps clear of leftovers."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import call_command

from helpdesk.celery import app as celery_app
from tests.envelope import data_of, error_of
from tests.factories import upload
from tickets.models import Priority
from tickets.services import request_create
from tickets.tasks import clean_upload_leftovers, upload_leftovers_clean

DAY = 24 * 3600


@pytest.fixture
def temp_dir(settings, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def _file(folder: Path, name: str, age_seconds: float) -> Path:
    path = folder / name
    path.write_bytes(b"partial upload")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def test_uploads_are_spooled_under_the_var_folder_by_default():
    assert Path(django_settings.FILE_UPLOAD_TEMP_DIR).is_relative_to(django_settings.VAR_DIR)
    assert Path(django_settings.FILE_UPLOAD_TEMP_DIR).is_dir()


def test_the_task_removes_files_older_than_a_day_and_keeps_fresh_ones(temp_dir):
    old = _file(temp_dir, "tmpold.upload", DAY + 60)
    fresh = _file(temp_dir, "tmpfresh.upload", 60)
    (temp_dir / "a-folder").mkdir()
    # As a worker runs it, here. (.result, not .get(): other tests may leave Celery thinking it is in a task.)
    assert clean_upload_leftovers.apply().result == 1
    assert not old.exists()
    assert fresh.exists()
    assert (temp_dir / "a-folder").is_dir()
    assert clean_upload_leftovers() == 0  # a second run finds nothing more to do


def test_one_run_removes_at_most_its_limit_and_the_next_run_goes_on(temp_dir):
    for n in range(5):
        _file(temp_dir, f"tmp{n}.upload", 2 * DAY)
    assert upload_leftovers_clean(limit=3) == 3
    assert upload_leftovers_clean(limit=3) == 2
    assert list(temp_dir.iterdir()) == []


def test_a_missing_folder_is_nothing_to_clean(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "not-there")
    assert clean_upload_leftovers() == 0


def test_the_clean_up_runs_hourly_on_the_beat_schedule():
    entry = next(e for e in celery_app.conf.beat_schedule.values() if e["task"] == clean_upload_leftovers.name)
    assert entry["schedule"] == 3600


def test_the_management_command_runs_the_clean_up(temp_dir, capsys):
    old = _file(temp_dir, "tmpold.upload", DAY + 60)
    fresh = _file(temp_dir, "tmpfresh.upload", 60)
    call_command("clean_upload_leftovers")
    assert "Removed 1 upload leftover(s)." in capsys.readouterr().out
    assert (old.exists(), fresh.exists()) == (False, True)


@pytest.mark.django_db
def test_a_large_upload_leaves_nothing_in_the_temp_folder(temp_dir, settings, requester, api_for, monkeypatch):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spooled to disk, as any upload over 2.5 MB is
    spooled = []
    real_init = TemporaryUploadedFile.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        spooled.append(Path(self.temporary_file_path()))

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", init)
    ticket = request_create(actor=requester, title="Printer jammed", description="Paper stuck", priority=Priority.LOW)
    url = f"/v1/requests/{ticket.public_id}/attachments"
    client = api_for(requester)

    data_of(client.post(url, {"file": upload("big.bin", b"x" * 50_000)}, format="multipart"), 201)
    # Refused after the file was spooled: the request still cleans up after itself.
    error_of(client.post(url, {"document": upload("big.bin", b"x" * 50_000)}, format="multipart"), 400)

    assert [path.parent for path in spooled] == [temp_dir, temp_dir]
    assert list(temp_dir.iterdir()) == []
    assert ticket.attachments.get().size == 50_000
