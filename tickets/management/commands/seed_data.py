"""Fills the database with realistic random requests, fast, for benchmarks.

Bulk inserts, not the services: the services record history and check permissions one request at a
time, which is right for real writes and far too slow for 100,000 rows. The rules the services keep
(assignee is a member of the request's group, timestamps follow the status) are kept here by
construction, and the tests check them.
"""

import os
import random
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Group, Role, User
from sla import engine
from sla.defaults import DEFAULT_TARGETS
from sla.models import SlaClock
from sla.selectors import compute_sla, load_config
from sla.services import CLOCK_COLUMNS, copy_rows, write_clocks
from tickets.management import fake
from tickets.models import Category, Comment, EventKind, Priority, Request, RequestEvent, Source, Status, Tag

from ..copy import indexes_built_after, insert_rows, reserve_ids

AGENT_DOMAIN = "staff.example.com"
REQUESTER_DOMAIN = "customers.example.com"
DEFAULT_SEED_PASSWORD = "seed-pass-2026"

# Group name -> number of the 20 seed agents in it.
GROUPS = {"Service Desk": 6, "Software Support": 6, "Hardware & Network": 5, "Access Management": 3}
CATEGORY_GROUP = {
    "software": "Software Support",
    "hardware": "Hardware & Network",
    "network": "Hardware & Network",
    "access": "Access Management",
    "other": "Service Desk",
}

# Most of a year of requests is done; the open work is the recent tail.
STATUS_WEIGHTS = {
    Status.CLOSED: 58,
    Status.RESOLVED: 12,
    Status.OPEN: 9,
    Status.ASSIGNED: 6,
    Status.IN_PROGRESS: 9,
    Status.PENDING: 6,
}
# Mean age in days of a request in each status (closed ones are spread evenly over the year).
STATUS_MEAN_AGE_DAYS = {
    Status.OPEN: 3,
    Status.ASSIGNED: 6,
    Status.IN_PROGRESS: 10,
    Status.PENDING: 14,
    Status.RESOLVED: 8,
}
PRIORITY_WEIGHTS = {Priority.LOW: 30, Priority.MEDIUM: 45, Priority.HIGH: 18, Priority.CRITICAL: 7}
SOURCE_WEIGHTS = {Source.PORTAL: 45, Source.EMAIL: 30, Source.WEB: 15, Source.API: 10}
CATEGORY_WEIGHTS = {"software": 35, "hardware": 20, "network": 20, "access": 15, "other": 10}
TAG_COUNT_WEIGHTS = {0: 45, 1: 35, 2: 15, 3: 5}

YEAR = timedelta(days=365)
MIN_CLOSED_AGE = timedelta(hours=2)
CHUNK = 5000  # requests built and inserted at a time, with their comments, tags and events


class Command(BaseCommand):
    help = (
        "Adds N random requests (with requesters, comments, tags and a 'created' event each) by bulk "
        "insert, for benchmarks. Reuses the seed groups, agents, categories and tags, so running it "
        "again adds more. Seed users log in with SEED_PASSWORD (default 'seed-pass-2026')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, required=True, help="How many requests to add.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed, for reproducible data (default 42).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per INSERT (the backend may cap it).")
        parser.add_argument("--skip-sla", action="store_true", help="Write no SLA clocks (run `sla_rebuild` later).")

    def handle(self, *args, requests: int, seed: int, batch_size: int, skip_sla: bool = False, **options):
        if requests < 1:
            raise CommandError("--requests must be 1 or more")
        started = time.perf_counter()
        rng = random.Random(seed)
        now = timezone.now()
        # One hash for every seed user: hashing is deliberately slow, a few hundred ms each.
        password_hash = make_password(os.environ.get("SEED_PASSWORD") or DEFAULT_SEED_PASSWORD)

        if connection.vendor == "sqlite":
            # A big page cache keeps the random-order unique indexes (public ids) in memory while
            # the one long transaction grows; the default 2 MB spills to disk over and over.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB, for this connection only

        with transaction.atomic():
            groups = _ensure_groups(now)
            _ensure_agents(groups, password_hash, now, batch_size)
            agents_by_group = _agents_by_group(groups)
            if not agents_by_group:
                raise CommandError("No group has an active agent; cannot assign requests.")
            requester_ids, vip_ids = _add_requesters(rng, max(10, requests // 50), password_hash, now, batch_size)
            vip_count = len(vip_ids)
            category_ids = _ensure_named(Category, {name: {"label": label} for name, label in fake.CATEGORIES.items()})
            tag_ids = list(_ensure_named(Tag, {name: {} for name in fake.TAGS}).values())
            builder = _RequestBuilder(
                rng=rng,
                now=now,
                groups={g.name: g.pk for g in groups},
                agents_by_group=agents_by_group,
                requester_ids=requester_ids,
                category_ids=category_ids,
                tag_ids=tag_ids,
                vip_ids=vip_ids,
                sla_config=None if skip_sla else load_config(),
            )
            totals = {"requests": 0, "comments": 0, "tag links": 0, "events": 0}
            with indexes_built_after([Request, Comment, RequestEvent, Request.tags.through, SlaClock]):
                for start in range(0, requests, CHUNK):
                    for name, count in builder.insert(min(CHUNK, requests - start), batch_size).items():
                        totals[name] += count
                loaded = time.perf_counter() - started
        seeded = time.perf_counter() - started  # with the indexes made again and COMMIT
        with connection.cursor() as cursor:
            # Fresh planner statistics: without them PostgreSQL picks poor plans on the new rows. VACUUM
            # too: it sets the visibility map that index-only scans (the lists' bounded counts) need,
            # and a server with autovacuum off would otherwise never do it.
            # (VACUUM cannot run inside a transaction: a caller's atomic block, e.g. a test, gets ANALYZE.)
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

        elapsed = time.perf_counter() - started
        added = ", ".join(f"{count} {name}" for name, count in totals.items())
        agent_count = len({a for members in agents_by_group.values() for a in members})
        self.stdout.write(
            f"seed_data: added {added}, {len(requester_ids)} requesters ({vip_count} VIP); "
            f"{agent_count} agents in {len(groups)} groups; seed {seed}; "
            f"rows and SLA clocks {loaded:.1f}s, indexes and COMMIT {seeded - loaded:.1f}s, "
            f"VACUUM ANALYZE {elapsed - seeded:.1f}s; {elapsed:.1f}s"
        )


# --- people and reference data -----------------------------------------------------------------


def _ensure_groups(now) -> list[Group]:
    existing = {g.name: g for g in Group.objects.filter(name__in=GROUPS)}
    missing = [name for name in GROUPS if name not in existing]
    ids = fake.public_ids("grp_", len(missing))
    Group.objects.bulk_create(
        [Group(public_id=i, name=name, created_at=now) for i, name in zip(ids, missing, strict=True)]
    )
    return list(Group.objects.filter(name__in=GROUPS).order_by("name"))


def _agent_specs() -> list[tuple[str, str, list[str]]]:
    """The 20 seed agents, the same on every run: (email, name, group names)."""
    slots = [name for name, count in GROUPS.items() for _ in range(count)]
    specs = []
    for i, group in enumerate(slots):
        first, last = fake.FIRST_NAMES[i], fake.LAST_NAMES[-1 - i]
        groups = [group] if i % 5 or group == "Service Desk" else [group, "Service Desk"]  # a few work two queues
        specs.append((f"{first}.{last}@{AGENT_DOMAIN}".lower(), f"{first} {last}", groups))
    return specs


def _ensure_agents(groups: list[Group], password_hash: str, now, batch_size: int) -> None:
    specs = _agent_specs()
    emails = [email for email, _, _ in specs]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    new = [(email, name) for email, name, _ in specs if email not in existing]
    ids = fake.public_ids("usr_", len(new))
    User.objects.bulk_create(
        [
            User(public_id=i, email=email, name=name, role=Role.AGENT, password=password_hash, date_joined=now - YEAR)
            for i, (email, name) in zip(ids, new, strict=True)
        ],
        batch_size=batch_size,
    )
    user_pks = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    group_pks = {g.name: g.pk for g in groups}
    Membership = Group.members.through
    Membership.objects.bulk_create(
        [
            Membership(group_id=group_pks[group], user_id=user_pks[email])
            for email, _, names in specs
            for group in names
        ],
        ignore_conflicts=True,  # a re-run finds them there already
    )


def _agents_by_group(groups: list[Group]) -> dict[int, list[int]]:
    """Active agents (and admins) of each group, by pk: whoever is a member now, seeded or not."""
    rows = (
        Group.members.through.objects.filter(
            group__in=groups, user__is_active=True, user__role__in=[Role.AGENT, Role.ADMIN]
        )
        .order_by("group_id", "user_id")
        .values_list("group_id", "user_id")
    )
    by_group: dict[int, list[int]] = {}
    for group_id, user_id in rows:
        by_group.setdefault(group_id, []).append(user_id)
    return by_group


def _add_requesters(rng: random.Random, count: int, password_hash: str, now, batch_size: int) -> tuple[list[int], set]:
    """A new pool of requesters for this run; a number in the email keeps re-runs unique."""
    start = User.objects.filter(email__endswith="@" + REQUESTER_DOMAIN).count()
    ids = fake.public_ids("usr_", count)
    users = []
    for n, public_id in enumerate(ids, start=start + 1):
        first, last = rng.choice(fake.FIRST_NAMES), rng.choice(fake.LAST_NAMES)
        users.append(
            User(
                public_id=public_id,
                email=f"{first}.{last}.{n}@{REQUESTER_DOMAIN}".lower(),
                name=f"{first} {last}",
                role=Role.REQUESTER,
                is_vip=n == start + 1 or rng.random() < 0.05,  # at least one per run
                password=password_hash,
                date_joined=now - YEAR - timedelta(days=rng.uniform(1, 700)),
            )
        )
    User.objects.bulk_create(users, batch_size=batch_size)
    rows = list(User.objects.filter(public_id__in=ids).order_by("pk").values_list("pk", "is_vip"))
    return [pk for pk, _ in rows], {pk for pk, vip in rows if vip}


def _ensure_named(model, rows: dict[str, dict]) -> dict[str, int]:
    """Categories and tags by name, made if missing: name -> pk."""
    model.objects.bulk_create([model(name=name, **fields) for name, fields in rows.items()], ignore_conflicts=True)
    return dict(model.objects.filter(name__in=rows).values_list("name", "pk"))


# --- requests ----------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict, k: int) -> list:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


# The columns seed_data writes, in the order of the tuples it builds.
REQUEST_COLUMNS = (
    "id",
    "public_id",
    "title",
    "description",
    "status",
    "priority",
    "category_id",
    "requester_id",
    "assigned_to_id",
    "assigned_group_id",
    "source",
    "resolution",
    "created_at",
    "updated_at",
    "public_updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "deleted_at",
    "sla_tier",
    "sla_status",
    "sla_due_at",
)
COMMENT_COLUMNS = ("public_id", "request_id", "author_id", "content", "is_internal", "created_at")
EVENT_COLUMNS = ("request_id", "actor_id", "kind", "field", "old_value", "new_value", "is_internal", "created_at")
TAG_LINK_COLUMNS = ("request_id", "tag_id")


class _Seeded(NamedTuple):
    """A request as built, before its id: what its row, comments, events and SLA are made from.
    Its field names are those the SLA engine reads (sla.selectors.SlaInputs)."""

    public_id: str
    title: str
    description: str
    status: str
    priority: str
    category_id: int
    requester_id: int
    is_vip: bool
    assigned_to_id: int | None
    assigned_group_id: int | None
    source: str
    resolution: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class _RequestBuilder:
    """Makes requests whose fields agree with their status, plus their comments, tags and events, as
    plain tuples (model instances cost more than the rest of a row's making)."""

    def __init__(self, *, rng, now, groups, agents_by_group, requester_ids, category_ids, tag_ids, vip_ids, sla_config):
        self.rng = rng
        self.now = now
        self.agents_by_group = agents_by_group
        self.staffed = sorted(agents_by_group)  # groups with at least one agent
        self.group_for_category = {name: groups[CATEGORY_GROUP[name]] for name in category_ids}
        self.service_desk = groups["Service Desk"]
        self.requester_ids = requester_ids
        self.vip_ids = vip_ids
        self.category_ids = category_ids
        self.tag_ids = tag_ids
        self.all_agents = sorted({a for members in agents_by_group.values() for a in members})
        self.sla_config = sla_config
        self.adapt_time = connection.ops.adapt_datetimefield_value  # db_time without a lookup per value

    def insert(self, count: int, batch_size: int) -> dict[str, int]:
        rng = self.rng
        statuses = _weighted(rng, STATUS_WEIGHTS, count)
        priorities = _weighted(rng, PRIORITY_WEIGHTS, count)
        sources = _weighted(rng, SOURCE_WEIGHTS, count)
        categories = _weighted(rng, CATEGORY_WEIGHTS, count)
        tag_counts = _weighted(rng, TAG_COUNT_WEIGHTS, count)
        ids = fake.public_ids("req_", count)

        requests = [
            self._request(public_id, status, priority, source, category)
            for public_id, status, priority, source, category in zip(
                ids, statuses, priorities, sources, categories, strict=True
            )
        ]
        # The SLA columns are computed before the insert and the clocks written after it, so no request
        # row is written twice. A seeded request has no status change events: the engine needs none.
        no_sla = ("", "", None), []
        slas = [self._sla(request) if self.sla_config is not None else no_sla for request in requests]
        # Ids first (comments, events, tags and clocks point to them), then one COPY (PostgreSQL) or
        # one prepared INSERT (SQLite) per table.
        pks = reserve_ids(Request, count)
        insert_rows(
            Request,
            REQUEST_COLUMNS,
            [_request_row(pk, request, columns) for pk, request, (columns, _) in zip(pks, requests, slas, strict=True)],
        )

        comments, events, links = [], [], []
        for pk, request, tag_count in zip(pks, requests, tag_counts, strict=True):
            events.append(self._created_event(pk, request))
            comments.extend((pk, *comment) for comment in self._comments(request))
            links.extend((pk, tag_id) for tag_id in rng.sample(self.tag_ids, tag_count))
        insert_rows(
            Comment,
            COMMENT_COLUMNS,
            [
                (public_id, request_id, author, content, False, at)
                for public_id, (request_id, author, content, at) in zip(
                    fake.public_ids("cmt_", len(comments)), comments, strict=True
                )
            ],
        )
        insert_rows(RequestEvent, EVENT_COLUMNS, events)
        insert_rows(Request.tags.through, TAG_LINK_COLUMNS, links)
        if self.sla_config is not None:
            rows = [(pk, *clock) for pk, (_, clocks) in zip(pks, slas, strict=True) for clock in clocks]
            if not copy_rows("sla_slaclock", CLOCK_COLUMNS, rows):
                write_clocks(rows)
        return {"requests": len(requests), "comments": len(comments), "tag links": len(links), "events": len(events)}

    def _sla(self, request: _Seeded) -> tuple[tuple, list[tuple]]:
        """The request's SLA columns (tier, status, nearest due) and its clock rows without the
        request id, as sla.services would compute them now."""
        now, adapt = self.now, self.adapt_time
        sla = compute_sla(request, config=self.sla_config, changes=(), now=now)
        stamp = adapt(now)
        clocks = [
            (kind, c.status, adapt(c.target_at), int(c.elapsed.total_seconds()), adapt(c.next_change_at), stamp)
            for kind, c in zip(engine.KINDS, (sla.first_response, sla.resolution), strict=True)
        ]
        return (sla.tier, sla.worst_status, sla.nearest_due), clocks

    def _request(self, public_id: str, status: str, priority: str, source: str, category: str) -> _Seeded:
        rng, now = self.rng, self.now
        if status == Status.CLOSED:
            age = MIN_CLOSED_AGE + (YEAR - MIN_CLOSED_AGE) * rng.random()
        else:
            age = min(YEAR, timedelta(days=rng.expovariate(1 / STATUS_MEAN_AGE_DAYS[status])))
        created = now - age - timedelta(seconds=1)

        group = self.group_for_category[category] if rng.random() < 0.9 else self.service_desk
        if group not in self.agents_by_group:
            group = rng.choice(self.staffed)
        assignee = None
        if status == Status.OPEN:
            group = group if rng.random() < 0.75 else None  # a quarter not yet triaged
        else:
            assignee = rng.choice(self.agents_by_group[group])

        _, response_minutes, resolution_minutes = DEFAULT_TARGETS[priority]
        # Log-normal delays around the SLA targets: most met, a realistic tail breached.
        responded = status in (Status.IN_PROGRESS, Status.PENDING) or (
            status in (Status.RESOLVED, Status.CLOSED) and rng.random() < 0.95
        )
        responded = responded or (status == Status.ASSIGNED and rng.random() < 0.3)
        steps = [
            timedelta(minutes=response_minutes * rng.lognormvariate(-0.7, 0.9)) if responded else timedelta(0),
        ]
        if status in (Status.RESOLVED, Status.CLOSED):
            steps.append(timedelta(minutes=resolution_minutes * rng.lognormvariate(-0.8, 1.0)))
        if status == Status.CLOSED:
            steps.append(timedelta(hours=rng.uniform(0.5, 7 * 24)))
        times = _timeline(rng, created, now, steps)

        first_response_at = times[0] if responded else None
        resolved_at = times[1] if status in (Status.RESOLVED, Status.CLOSED) else None
        closed_at = times[2] if status == Status.CLOSED else None
        last = closed_at or resolved_at or first_response_at or created
        if status != Status.OPEN and resolved_at is None:
            last = last + (now - last) * rng.random()  # assigned, worked on, or waiting since
        thing = rng.choice(fake.THINGS)
        title, description = rng.choice(fake.SUBJECTS[category])
        # Squaring skews the choice: a few requesters open many requests, most open a few.
        requester = self.requester_ids[int(len(self.requester_ids) * rng.random() ** 2)]
        return _Seeded(
            public_id=public_id,
            title=title.format(thing=thing),
            description=description.format(thing=thing),
            status=status,
            priority=priority,
            category_id=self.category_ids[category],
            requester_id=requester,
            is_vip=requester in self.vip_ids,
            assigned_to_id=assignee,
            assigned_group_id=group,
            source=source,
            resolution=rng.choice(fake.RESOLUTIONS) if resolved_at else "",
            created_at=created,
            updated_at=last,
            first_response_at=first_response_at,
            resolved_at=resolved_at,
            closed_at=closed_at,
        )

    def _created_event(self, pk: int, request: _Seeded) -> tuple:
        # Requests from the agent workspace were opened by an agent for the requester.
        actor = request.requester_id
        if request.source == Source.WEB:
            actor = request.assigned_to_id or self.rng.choice(self.all_agents)
        return (pk, actor, EventKind.CREATED, "", "", Status.OPEN, False, request.created_at)

    def _comments(self, request: _Seeded) -> list[tuple[int, str, object]]:
        """Public comments as (author pk, content, created_at): the agent's first reply, at
        first_response_at, and sometimes the requester's answer; on a few open requests a nudge."""
        rng = self.rng
        if request.first_response_at is not None and request.assigned_to_id and rng.random() < 0.45:
            replied = request.first_response_at
            comments = [(request.assigned_to_id, rng.choice(fake.AGENT_REPLIES), replied)]
            if rng.random() < 0.4:
                answered = replied + (request.updated_at - replied) * rng.random()
                comments.append((request.requester_id, rng.choice(fake.REQUESTER_REPLIES), answered))
            return comments
        if request.status == Status.OPEN and rng.random() < 0.1:
            return [(request.requester_id, rng.choice(fake.REQUESTER_REPLIES), request.updated_at)]
        return []


def _request_row(pk: int, r: _Seeded, sla_columns: tuple) -> tuple:
    """The request's row in REQUEST_COLUMNS order; sla_columns: tier, status, nearest due."""
    return (
        pk,
        r.public_id,
        r.title,
        r.description,
        r.status,
        r.priority,
        r.category_id,
        r.requester_id,
        r.assigned_to_id,
        r.assigned_group_id,
        r.source,
        r.resolution,
        r.created_at,
        r.updated_at,
        r.updated_at,  # public_updated_at: the seed writes no internal notes, every change is public
        r.first_response_at,
        r.resolved_at,
        r.closed_at,
        None,  # deleted_at
        *sla_columns,
    )


def _timeline(rng: random.Random, start, end, steps: list[timedelta]) -> list:
    """The instants after `start` reached by each step in turn, squeezed to end before `end`."""
    total = sum(steps, timedelta(0))
    room = end - start
    if total > room:
        scale = rng.uniform(0.5, 0.98) * (room / total)
        steps = [step * scale for step in steps]
    times, at = [], start
    for step in steps:
        at += step
        times.append(at)
    return times
