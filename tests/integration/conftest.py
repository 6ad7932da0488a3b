"""The real services of the integration tests: a shared PostgreSQL test database, a broker (Redis, or
the embedded filesystem broker of `make run`), and a Celery worker with embedded beat running as a
subprocess against both.

The worker is a separate process, so it must see the rows the test commits: that rules out the
in-memory SQLite test database, and these tests skip on SQLite (the PostgreSQL pass of
scripts/test.sh runs them). A missing Redis is a skip on a laptop and a failure under CI=true.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools as kombu_pools
from redis.backoff import NoBackoff
from redis.retry import Retry

from helpdesk.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]  # the project root: manage.py and the helpdesk package
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
READY_SECONDS = 20
STOP_SECONDS = 10

_reports = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keeps each phase's report on the item so the worker's teardown knows whether to print its log.
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _xdist_worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def _redis_db(worker_id: str) -> int:
    """A Redis database per xdist process (15 for gw0 or no xdist, 14 for gw1, ...): two workers on one
    database would take each other's tasks and run them against the other's test database."""
    # TEST_REDIS_DB_BASE moves the range, for two checkouts testing on one machine at once.
    base = int(os.environ.get("TEST_REDIS_DB_BASE", "15"))
    index = int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0
    if index >= base:
        pytest.fail(f"xdist worker {worker_id}: Redis has no spare database left ({base} down to 1 are used)")
    return base - index


@pytest.fixture
def shared_database(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs a shared database: run on PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def shared_services(shared_database):
    """Skips (or, under CI, fails) unless the database is shared and Redis answers; yields the URL
    of an empty Redis database of this process's own, flushed again afterwards."""
    db = _redis_db(_xdist_worker())
    client = redis.Redis(
        host=REDIS_HOST, port=REDIS_PORT, db=db, socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.ping()
        missing = None
    except redis.RedisError as error:
        missing = f"needs Redis at {REDIS_HOST}:{REDIS_PORT} ({error})"
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; it is required under CI")
    if missing:
        pytest.skip(missing)
    client.flushdb()
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    client.flushdb()
    client.close()


def _reset_broker_pool() -> None:
    # The app keeps its broker connections; drop them so the next send connects to the broker now configured.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # app.pool is kombu's shared pool for the broker URL: forget the closed one too, or the next test on
    # the same URL is handed it back ("Acquire on closed pool").
    kombu_pools.reset()


# Celery reads these from the environment before its settings; none must point elsewhere.
BROKER_ENVIRONMENT = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")


def _send_tasks_for_real(settings, monkeypatch):
    # Autouse fixtures run first, so this undoes tests/conftest.py's CELERY_TASK_ALWAYS_EAGER = True.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Drop the broker settings of this process, as a process started otherwise would have none of them.
    for name in [name for name in dir(django_settings) if name.startswith("CELERY_BROKER_")]:
        delattr(settings, name)
    for name in BROKER_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["redis", "files"])
def broker(request, settings, monkeypatch, tmp_path):
    """This test process sends its tasks as a web process would, not eagerly: to Redis (REDIS_URL
    set), or through the embedded filesystem broker under var/ (no REDIS_URL, the `make run` default).
    Returns the environment the worker needs to share that broker."""
    var = tmp_path / "var"
    _send_tasks_for_real(settings, monkeypatch)
    if request.param == "redis":
        url = request.getfixturevalue("shared_services")
        settings.CELERY_BROKER_URL = url
        worker_env = {"REDIS_URL": url, "HELPDESK_VAR_DIR": str(var)}
    else:
        request.getfixturevalue("shared_database")
        for folder in ("queue", "control"):
            (var / folder).mkdir(parents=True)
        settings.CELERY_BROKER_URL = "filesystem://"
        settings.CELERY_BROKER_TRANSPORT = "helpdesk.queue_files:Transport"
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(var / "queue"),
            "data_folder_out": str(var / "queue"),
            "control_folder": str(var / "control"),
            "store_processed": False,
            "polling_interval": 0.1,
        }
        worker_env = {"HELPDESK_VAR_DIR": str(var)}
    _reset_broker_pool()
    yield worker_env
    _reset_broker_pool()


def _database_url() -> str:
    """The test database (test_helpdesk, or test_helpdesk_gw0 under xdist) as a DATABASE_URL."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen
    nodename: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task at hand, stops beat
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Whatever is left of the group started here (the embedded beat process, after a crash).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def celery_worker(request, broker, tmp_path):
    """`celery worker -B` on the test's broker and PostgreSQL test database, with the SLA sweep on
    beat every second. Ready when it answers a ping; always stopped afterwards."""
    var = Path(broker["HELPDESK_VAR_DIR"])
    var.mkdir(exist_ok=True)
    nodename = f"sla-it-{_xdist_worker()}@integration"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": _database_url(),
        "SLA_SWEEP_SECONDS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }
    for name in (*BROKER_ENVIRONMENT, "REDIS_URL"):
        env.pop(name, None)
    env.update(broker)
    command = [
        *(sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-B", "-P", "solo"),
        *("--without-mingle", "--without-gossip", "-s", str(var / "beat-schedule"), "-n", nodename, "-l", "info"),
    ]
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log_file:
        # A session of its own, so teardown can end the worker and its beat child and nothing else.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(process=process, nodename=nodename, log_path=log_path)
    try:
        _wait_until_ready(worker)
        yield worker
    finally:
        _stop(process)
        reports = request.node.stash.get(_reports, {})
        if any(report.failed for report in reports.values()):
            print(f"\n----- celery worker log ({log_path}) -----\n{worker.log()}")


def _wait_until_ready(worker: Worker) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"the celery worker exited with {worker.process.returncode}:\n{worker.log()}")
        if celery_app.control.ping(destination=[worker.nodename], timeout=0.5):
            return
    pytest.fail(f"the celery worker did not answer a ping within {READY_SECONDS} s:\n{worker.log()}")
