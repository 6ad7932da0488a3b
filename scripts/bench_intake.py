"""Benchmark of email intake (issue 9, point 6): import throughput from a local IMAP server, and the
cost of the threading lookups. Not a test: it prints figures.

    createdb -h 127.0.0.1 -U postgres helpdesk_bench_intake
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_intake .venv/bin/python scripts/bench_intake.py
    dropdb -h 127.0.0.1 -U postgres helpdesk_bench_intake
    DATABASE_URL=sqlite:////tmp/bench_intake.sqlite3 .venv/bin/python scripts/bench_intake.py

Use a throwaway database: the script migrates it and fills it. It starts pymap (in memory) on
127.0.0.1, appends --messages real-shaped messages (untimed), then times one poll of the mailbox in
this one process, as one worker runs it: fetch in chunks of 100, record each message, import it
through the tickets services, mark the chunk seen. The mix: 60% new requests (a fifth HTML-only,
from 1,000 senders, half of them known), 15% replies naming our signed Message-ID, 10% replies to a
message received earlier in the run, 5% by reply address, 5% by [#number] in the subject, 5%
auto-replies and bulk mail. SLA clocks are recomputed in-process (tasks eager), so the figure
includes the SLA work each new request and reply causes; with --redis they are queued as in production.

Besides the wall time it prints the CPU time of this process, of pymap and of this connection's
PostgreSQL backend (from /proc, so on Linux, with PostgreSQL on this machine), and the SQL
statements per message with the most frequent kinds. --profile FILE writes a cProfile of the poll
in CPU time (read it with `python -m pstats FILE`; the profiler slows the run several times over).

Then each threading lookup is timed (median of --lookups calls) with its SQL queries counted, and on
PostgreSQL the plan of the received-Message-ID lookup is shown (an index scan on the unique key).
"""

import argparse
import collections
import cProfile
import logging
import os
import random
import re
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--messages", type=int, default=10_000)
parser.add_argument("--lookups", type=int, default=1000)
parser.add_argument(
    "--profile", metavar="FILE", help="write a cProfile (in CPU time) of the poll to FILE (adds its own overhead)"
)
parser.add_argument(
    "--redis",
    metavar="URL",
    help="queue the SLA recomputes to this Redis (as production does; purged afterwards) instead of "
    "running them in this process; use a database no worker reads, e.g. redis://127.0.0.1:6379/8",
)
ARGS = parser.parse_args()
if ARGS.redis:
    os.environ["REDIS_URL"] = ARGS.redis
else:
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # SLA recomputes run here, not queued to a broker

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from helpdesk.mail_threading import message_id_for, reply_address_for  # noqa: E402
from mailboxes import imap, parsing, services, threads  # noqa: E402
from mailboxes.models import InboundMessage, MessageStatus  # noqa: E402
from notifications import outbox  # noqa: E402
from tests.mailboxes import imap_server  # noqa: E402
from tickets import services as tickets  # noqa: E402
from tickets.models import Request  # noqa: E402

BODY = (
    "Hello,\n\nsince this morning the {thing} on floor {floor} does not work: it shows error E-{code}.\n"
    "I tried restarting it twice. Could someone have a look?\n\nThanks,\n{name}\n"
)
QUOTE = "\n\nOn Mon, 23 Nov 2026 at 10:02, Helpdesk <support@helpdesk.localhost> wrote:\n> Please try again.\n> Alice\n"
THINGS = ["printer", "VPN", "laptop dock", "badge reader", "projector", "Wi-Fi"]


def message(*, n, sender, subject, body, html=False, **headers) -> bytes:
    lines = [
        f"From: {sender}",
        "To: " + headers.pop("to", "support@helpdesk.localhost"),
        f"Subject: {subject}",
        "Date: Tue, 24 Nov 2026 10:00:00 +0000",
        f"Message-ID: <bench-{n}@mail.customer.test>",
        *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
        "MIME-Version: 1.0",
        f"Content-Type: text/{'html' if html else 'plain'}; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
    ]
    if html:
        body = "<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n\n")) + "</body></html>"
    return ("\r\n".join(lines) + "\r\n" + body.replace("\n", "\r\n")).encode()


def build(count: int, rng: random.Random, existing: list[Request]) -> list[bytes]:
    senders = [f"customer{i}@customer.test" for i in range(1000)]
    messages, received = [], []
    for n in range(count):
        roll = rng.random()
        sender = rng.choice(senders)
        words = {"thing": rng.choice(THINGS), "floor": rng.randint(1, 9), "code": rng.randint(100, 999), "name": "Sam"}
        body = BODY.format(**words)
        target = rng.choice(existing)
        owner = target.requester.email
        if roll < 0.60 or not received:
            raw = message(
                n=n,
                sender=sender,
                subject=f"{words['thing']} broken on floor {words['floor']}",
                body=body,
                html=rng.random() < 0.2,
            )
            received.append(f"<bench-{n}@mail.customer.test>")
        elif roll < 0.75:
            raw = message(
                n=n,
                sender=owner,
                subject=f"Re: [#{target.number}] {target.title}",
                body=body + QUOTE,
                In_Reply_To=message_id_for(target.public_id, f"c{n}"),
            )
        elif roll < 0.85:
            raw = message(n=n, sender=sender, subject="Re: more", body=body + QUOTE, In_Reply_To=rng.choice(received))
        elif roll < 0.90:
            raw = message(n=n, sender=owner, subject="Re: update", body=body, to=reply_address_for(target.public_id))
        elif roll < 0.95:
            raw = message(n=n, sender=owner, subject=f"Re: [#{target.number}] {target.title}", body=body + QUOTE)
        else:
            raw = message(n=n, sender=sender, subject="Out of office", body="I am away.", Auto_Submitted="auto-replied")
        messages.append(raw)
    return messages


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of another process so far (/proc/PID/stat, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class QueryCounter:
    """Counts the SQL statements of every connection's cursor (cheaper than capturing them)."""

    def __init__(self):
        self.count = 0
        self.kinds = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        sql = re.sub(r'"s\d+_x\d+"', "sN", sql)  # the savepoints, each with its own name
        self.kinds[" ".join(re.sub(r'"(\w+)"\.', "", sql).split()[:5])[:90]] += 1
        return execute(sql, params, many, context)


def timed(fn, repeat: int) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, len(queries)


def main() -> None:
    args = ARGS
    logging.getLogger("celery").setLevel(logging.WARNING)  # eager tasks log a line each
    # Each import writes its notification deliveries (the outbox rows), as in production; sending
    # them is other workers' job, so the after-commit hand-off (eager here) stays out of the timing.
    outbox.enqueue = lambda rows: None
    sla = f"queued to {args.redis}" if args.redis else "recomputed in this process"
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); SLA clocks {sla}")
    call_command("migrate", verbosity=0)
    if Request.objects.exists() or InboundMessage.objects.exists():
        sys.exit("Use an empty, throwaway database: this one has requests or messages already.")
    rng = random.Random(9)
    for i in range(500):  # half the senders are known requesters
        User.objects.create_user(f"customer{i}@customer.test", role=Role.REQUESTER)
    existing = [
        tickets.request_create(
            actor=User.objects.get(email=f"customer{i}@customer.test"),
            title=f"Earlier request {i}",
            description="Seeded.",
            priority="medium",
        )
        for i in range(200)
    ]
    mailbox, _ = services.mailbox_create(actor=None, name="Bench", address="support@helpdesk.localhost")

    server = imap_server.start()
    try:
        raws = build(args.messages, rng, existing)
        start = time.perf_counter()
        with server.connect() as client:
            for raw in raws:
                client.append(raw, "INBOX")
        print(
            f"appended {len(raws):,} messages ({sum(map(len, raws)) / 1e6:.1f} MB) to pymap in "
            f"{time.perf_counter() - start:.1f} s (untimed setup)"
        )
        services.mailbox_update(
            actor=None,
            mailbox=mailbox,
            changes={
                "imap_host": server.host,
                "imap_port": server.port,
                "imap_tls": False,
                "imap_username": server.username,
                "imap_password": server.password,
            },
        )
        # The import's share of the poll (the rest: IMAP fetch and flagging, pymap on this machine too).
        importing = [0.0]
        receive = services.messages_receive

        def timed_receive(**kwargs):
            began = time.perf_counter()
            try:
                return receive(**kwargs)
            finally:
                importing[0] += time.perf_counter() - began

        imap.services.messages_receive = timed_receive
        # The other processes' share: pymap, and this connection's PostgreSQL backend.
        connection.ensure_connection()
        backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
        others_start = {"pymap": cpu_seconds(server.process.pid)}
        if backend and Path(f"/proc/{backend}/stat").exists():
            others_start["PostgreSQL backend"] = cpu_seconds(backend)
        counter = QueryCounter()
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU time, not waits
        with connection.execute_wrapper(counter):
            start, cpu_start = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = imap.poll(mailbox)
            if profiler:
                profiler.disable()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        others = {
            name: cpu_seconds(server.process.pid if name == "pymap" else backend) - began
            for name, began in others_start.items()
        }
        if profiler:
            profiler.dump_stats(args.profile)
        imap.services.messages_receive = receive
        unseen = len(server.connect().uids("UNSEEN"))
    finally:
        imap_server.stop(server)
        if args.redis:
            from helpdesk.celery import app

            print(f"purged {app.control.purge():,} queued SLA tasks")

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average (1/5/15 min) after the poll: {load} on {os.cpu_count()} CPUs")
    print(
        f"poll: {result.fetched:,} messages in {elapsed:.1f} s = {result.fetched / elapsed:,.0f} messages/s "
        f"(one process); {result.imported:,} imported, {result.ignored:,} ignored, "
        f"{result.quarantined:,} quarantined, errors {result.errors or 'none'}; {unseen} left unseen on the server"
    )
    print(
        f"  of which recording and importing {importing[0]:.1f} s ({result.fetched / importing[0]:,.0f} messages/s), "
        f"IMAP {elapsed - importing[0]:.1f} s"
    )
    print(
        f"  this process's CPU time: {cpu:.1f} s = {cpu / result.fetched * 1000:.1f} ms a message "
        f"({result.fetched / cpu:,.0f} messages/s on a CPU of its own, the database's own work not counted)"
    )
    for name, seconds in others.items():
        print(f"  {name} CPU time: {seconds:.1f} s = {seconds / result.fetched * 1000:.2f} ms a message")
    print(f"  SQL statements: {counter.count:,} = {counter.count / result.fetched:.2f} a message, the most frequent:")
    for kind, count in counter.kinds.most_common(14):
        print(f"    {count / result.fetched:5.2f}  {kind}")
    imported = InboundMessage.objects.filter(status=MessageStatus.IMPORTED)
    print(
        f"  became {imported.filter(comment__isnull=True).count():,} requests and "
        f"{imported.filter(comment__isnull=False).count():,} replies"
    )

    # --- threading lookups on the filled tables ---
    target = existing[0]
    received_id = InboundMessage.objects.filter(request__isnull=False).order_by("?").values_list("key", flat=True)[0]
    sender = target.requester
    cases = {
        "Message-ID we sent (signed; load the request)": parsing.read(
            message(n=-1, sender=sender.email, subject="x", body="x", In_Reply_To=message_id_for(target.public_id))
        ),
        "Message-ID we received (one query on the key)": parsing.read(
            message(
                n=-2,
                sender=sender.email,
                subject="x",
                body="x",
                In_Reply_To=received_id,
                References="<a@b.c> <d@e.f> <g@h.i>",
            )
        ),
        "reply address in To/Cc": parsing.read(
            message(n=-3, sender=sender.email, subject="x", body="x", to=reply_address_for(target.public_id))
        ),
        "[#number] in the subject": parsing.read(
            message(n=-4, sender=sender.email, subject=f"Re: [#{target.number}] x", body="x")
        ),
        "no match (all three steps)": parsing.read(
            message(n=-5, sender=sender.email, subject="new", body="x", In_Reply_To="<nowhere@x.y>")
        ),
    }
    print(
        f"\nthreading lookups ({InboundMessage.objects.count():,} messages, {Request.objects.count():,} requests;"
        f" median of {args.lookups}):"
    )
    for name, parsed in cases.items():
        ms, queries = timed(lambda parsed=parsed: threads.find_thread(parsed, sender), args.lookups)
        print(f"  {name:48} {ms:7.3f} ms  {queries} queries")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            lookup = InboundMessage.objects.filter(key__in=[received_id], request__isnull=False).order_by()
            sql, params = lookup.query.sql_with_params()
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            print("\nplan of the received-Message-ID lookup:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    # A SIGTERM (timeout, kill) ends the run through the finally blocks: pymap is stopped, the queue purged.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
