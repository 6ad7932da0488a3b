"""Benchmark of notifications (issue 8, point 6); not a test: it prints figures.

    createdb -h 127.0.0.1 -U postgres helpdesk_bench_notify
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_notify REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python scripts/bench_notifications.py
    dropdb -h 127.0.0.1 -U postgres helpdesk_bench_notify

Use a throwaway database (and Redis database): the script fills them. It measures

  (a) what a notification adds to the API write that causes it: POST /v1/requests (requester),
      POST /v1/requests/{id}/comments (agent) and PATCH /v1/requests/{id} (agent: assign, priority),
      each --writes times with the outbox on (default rules, 3 agents, one webhook endpoint for every
      event) and inside notifications.outbox.muted(); median ms and SQL queries per write. Both sides
      publish the SLA recompute after commit; the "on" side also publishes its deliver task.
  (b) the beat sweep with nothing due, at --rows delivered rows (inserted by SQL): median ms, queries,
      and the plan of its one query.
  (c) delivery throughput of real Celery workers (separate processes, no beat) to an SMTP server
      (aiosmtpd) and to a webhook receiver, both in this process on 127.0.0.1, with 1 and 4 workers:
      --deliveries rows handed over in batches of NOTIFY_BATCH_SIZE, timed until all are recorded sent.
"""

import argparse
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections import deque
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("API_RATE_LIMIT", "")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import Group, Role, User  # noqa: E402
from helpdesk.celery import app as celery_app  # noqa: E402
from notifications import outbox, services  # noqa: E402
from notifications.models import Channel, Delivery, DeliveryStatus, Rule, WebhookEndpoint, WebhookEvent  # noqa: E402
from notifications.tasks import deliver, sweep_outbox  # noqa: E402
from tickets import reactions  # noqa: E402
from tickets.models import Priority  # noqa: E402
from tickets.services import request_create  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


# --- the people and the endpoint -----------------------------------------------------------------


def setup_people(receiver_url: str):
    def user(email, role):
        found = User.objects.filter(email=email).first()
        return found or User.objects.create_user(email, "bench-pass-2026", role=role, name=email.split("@")[0])

    requester = user("bench-requester@example.com", Role.REQUESTER)
    agents = [user(f"bench-agent{i}@example.com", Role.AGENT) for i in range(3)]
    admin = user("bench-admin@example.com", Role.ADMIN)
    group = Group.objects.filter(name="Bench").first() or Group.objects.create(name="Bench")
    group.members.set(agents)
    WebhookEndpoint.objects.all().delete()
    services.webhook_create(actor=admin, url=receiver_url, events=WebhookEvent.values)
    outbox.config_changed()
    return requester, agents, admin, group


# --- (a) the cost of a notification on an API write ------------------------------------------------


def write_cost(requester, agents, group, writes: int) -> list[tuple[str, float, float, int, int]]:
    requester_api, agent_api = APIClient(), APIClient()
    requester_api.force_authenticate(requester)
    agent_api.force_authenticate(agents[0])

    def create():
        response = requester_api.post(
            "/v1/requests", {"title": "Bench", "description": "d", "priority": "low"}, format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()["data"]["id"]

    def once(action, muted: bool) -> tuple[float, int]:
        target = None if action == "create" else create()
        spent.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if muted:
                with outbox.muted():
                    run(action, target)
            else:
                run(action, target)
            elapsed = time.perf_counter() - started
        if not muted:
            parts["outbox"].append(spent.get("outbox", 0.0))
            parts["publish"].append(spent.get("publish", 0.0))
        return elapsed, len(captured)

    def measure(action):
        # Muted and on alternate, so that the load of a shared machine weighs on both alike.
        samples = {True: ([], []), False: ([], [])}
        for _ in range(writes):
            for muted in (True, False):
                elapsed, queries = once(action, muted)
                samples[muted][0].append(elapsed)
                samples[muted][1].append(queries)
        (off_t, off_q), (on_t, on_q) = samples[True], samples[False]
        return median_ms(off_t), median_ms(on_t), statistics.median(off_q), statistics.median(on_q)

    def run(action, target):
        if action == "create":
            create()
        elif action == "comment":
            r = agent_api.post(f"/v1/requests/{target}/comments", {"content": "On it"}, format="json")
            assert r.status_code == 201, r.content
        else:
            changes = {"assignedTo": agents[1].public_id, "assignedGroup": group.public_id, "priority": "high"}
            r = agent_api.patch(f"/v1/requests/{target}", changes, format="json")
            assert r.status_code == 200, r.content

    # Where the added time goes: the outbox rows written in the transaction, and the after-commit publish.
    spent: dict[str, float] = {}
    parts: dict[str, list[float]] = {"outbox": [], "publish": []}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    real_recorded, real_delay = outbox.events_recorded, deliver.delay
    reactions.outbox = types.SimpleNamespace(events_recorded=timed("outbox", real_recorded))
    deliver.delay = timed("publish", real_delay)

    results = []
    for label, action in [
        ("POST /v1/requests", "create"),
        ("POST /v1/requests/{id}/comments", "comment"),
        ("PATCH /v1/requests/{id}", "patch"),
    ]:
        for _ in range(3):
            once(action, muted=False)  # warm-up: caches, prepared plans
        parts.update(outbox=[], publish=[])
        off_ms, on_ms, off_q, on_q = measure(action)
        print(
            f"  {label}: in the transaction {median_ms(parts['outbox']):.2f} ms, "
            f"publishing the task after commit {median_ms(parts['publish']):.2f} ms",
            flush=True,
        )
        rows = Delivery.objects.count()
        results.append((label, off_ms, on_ms, off_q, on_q))
        Delivery.objects.filter(created_at__gte=timezone.now() - timedelta(hours=1)).delete()
        print(f"  {label}: {rows} outbox rows written", flush=True)
    reactions.outbox, deliver.delay = outbox, real_delay
    return results


# --- (b) the sweep with nothing due ----------------------------------------------------------------


def fill_delivered(rows: int, request_id: int, user_id: int) -> None:
    have = Delivery.objects.filter(idempotency_key__startswith="bench-").count()
    if have >= rows:
        return
    table = Delivery._meta.db_table
    old = timezone.now() - timedelta(days=1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""INSERT INTO {table} (public_id, idempotency_key, channel, event, request_id, recipient_id,
                    payload, status, attempts, due_at, claim_token, last_error, message_id, created_at, sent_at)
                SELECT 'dlv_b' || i, 'bench-' || i, 'email', 'assigned', %s, %s, '{{}}', 'sent', 1, NULL, '', '',
                       '<bench.' || i || '@bench>', %s - (i || ' seconds')::interval, %s
                FROM generate_series(%s, %s) AS i""",  # noqa: S608 (our own table name)
                [request_id, user_id, old, old, have + 1, rows],
            )
            cursor.execute(f"ANALYZE {table}")
        else:
            batch = [
                (
                    f"dlv_b{i}",
                    f"bench-{i}",
                    "email",
                    "assigned",
                    request_id,
                    user_id,
                    "{}",
                    "sent",
                    1,
                    "",
                    "",
                    "",
                    old,
                    old,
                )
                for i in range(have + 1, rows + 1)
            ]
            cursor.executemany(
                f"""INSERT INTO {table} (public_id, idempotency_key, channel, event, request_id, recipient_id,
                    payload, status, attempts, claim_token, last_error, message_id, created_at, sent_at)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",  # noqa: S608
                batch,
            )


def sweep_cost(repeat: int) -> tuple[float, int, str]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert sweep_outbox() == 0
        samples.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        sweep_outbox()
    query = (
        Delivery.objects.filter(due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("pk", flat=True)[: settings.NOTIFY_SWEEP_LIMIT]
    )
    options = {"analyze": True} if connection.vendor == "postgresql" else {}
    return median_ms(samples), len(captured), query.explain(**options)


# --- (c) throughput --------------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.count += 1
        return "250 OK"


def start_receiver():
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_workers(count: int, env: dict, folder: Path) -> list[subprocess.Popen]:
    processes = []
    for i in range(count):
        command = [
            *(sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-P", "solo", "-n", f"bench{i}@bench"),
            *("--without-mingle", "--without-gossip", "-l", "warning"),
        ]
        log = (folder / f"worker{i}.log").open("wb")
        processes.append(
            subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    deadline = time.monotonic() + 30
    names = {f"bench{i}@bench" for i in range(count)}
    while time.monotonic() < deadline:
        answered = {name for reply in celery_app.control.ping(timeout=0.5) for name in reply}
        if names <= answered:
            return processes
    stop_workers(processes)
    sys.exit(f"workers not ready: see {folder}")


def stop_workers(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def throughput(channel: str, count: int, workers: int, request, agent, endpoint, env, folder) -> float:
    Delivery.objects.exclude(idempotency_key__startswith="bench-").delete()
    now = timezone.now()
    later = now + timedelta(hours=1)  # only the handed-over tasks send them (no beat runs here)
    body = {"type": "request.updated", "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": {"n": 1}}
    rows = Delivery.objects.bulk_create(
        Delivery(
            idempotency_key=f"tp-{channel}-{workers}-{i}-{now.timestamp()}",
            channel=channel,
            event=Rule.ASSIGNED if channel == Channel.EMAIL else "request.updated",
            request=request,
            recipient=agent if channel == Channel.EMAIL else None,
            endpoint=endpoint if channel == Channel.WEBHOOK else None,
            payload={"event_id": 0} if channel == Channel.EMAIL else body,
            due_at=later,
        )
        for i in range(count)
    )
    ids = [row.pk for row in rows]
    processes = start_workers(workers, env, folder)
    try:
        started = time.perf_counter()
        size = settings.NOTIFY_BATCH_SIZE
        for start in range(0, len(ids), size):
            deliver.delay(ids[start : start + size])
        deadline = time.monotonic() + 600
        while Delivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.SENT).exists():
            if time.monotonic() > deadline:
                failed = Delivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.SENT).first()
                sys.exit(f"not all sent in 600 s; e.g. {failed.status}: {failed.last_error}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop_workers(processes)
    return count / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: writes, sweep, throughput")
    args = parser.parse_args()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    skip = set(filter(None, args.skip.split(",")))
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a throwaway database: this script fills it.")
    call_command("migrate", verbosity=0)
    connection.queries_log = deque(maxlen=1_000_000)

    receiver = start_receiver()
    receiver_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    requester, agents, admin, group = setup_people(receiver_url)
    endpoint = WebhookEndpoint.objects.get()
    broker = "Redis" if settings.REDIS_URL else "the filesystem broker"
    print(f"\n{connection.vendor}, {broker}; medians")

    if "writes" not in skip:
        print(f"\n(a) the cost of notifying, per API write ({args.writes} writes each way)")
        results = write_cost(requester, agents, group, args.writes)
        print(f"\n{'write':34} {'muted ms':>9} {'on ms':>8} {'added ms':>9} {'muted q':>8} {'on q':>5} {'added q':>8}")
        for label, off_ms, on_ms, off_q, on_q in results:
            added_ms, added_q = on_ms - off_ms, on_q - off_q
            print(f"{label:34} {off_ms:9.2f} {on_ms:8.2f} {added_ms:9.2f} {off_q:8.0f} {on_q:5.0f} {added_q:8.0f}")

    with outbox.muted():
        request = request_create(actor=requester, title="Bench target", description="d", priority=Priority.LOW)
    if "sweep" not in skip:
        print(f"\n(b) the sweep with nothing due, at {args.rows:,} delivered rows")
        started = time.perf_counter()
        fill_delivered(args.rows, request.pk, agents[0].pk)
        total = Delivery.objects.count()
        print(f"  rows in the outbox: {total:,} (filled in {time.perf_counter() - started:.0f} s)")
        ms, queries, plan = sweep_cost(args.repeat)
        print(f"  sweep_outbox(): {ms:.2f} ms, {queries} quer{'y' if queries == 1 else 'ies'}")
        print("  plan: " + plan.replace("\n", "\n        "))

    if "throughput" not in skip:
        inbox = Inbox()
        smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        folder = Path(tempfile.mkdtemp(prefix="bench-notify-"))
        env = {
            **os.environ,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "WEBHOOK_ALLOW_PRIVATE": "true",
            "SECRET_KEY": settings.SECRET_KEY,
            "HELPDESK_VAR_DIR": str(settings.VAR_DIR),
        }
        celery_app.control.purge()  # the tasks (a) published: not this part's work
        print(f"\n(c) throughput, {args.deliveries} deliveries a run, batches of {settings.NOTIFY_BATCH_SIZE}")
        print(f"{'channel':10} {'workers':>8} {'per second':>11}")
        try:
            for channel in (Channel.EMAIL, Channel.WEBHOOK):
                for workers in (1, 4):
                    rate = throughput(channel, args.deliveries, workers, request, agents[0], endpoint, env, folder)
                    print(f"{channel:10} {workers:8} {rate:11.0f}", flush=True)
        finally:
            smtp.stop()
        print(f"  (SMTP server received {inbox.count:,} messages)")
    receiver.shutdown()
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    main()
