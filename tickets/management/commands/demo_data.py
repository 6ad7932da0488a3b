"""Loads a small, believable demo once: people to log in as and about fifty requests in every status.

Unlike seed_data, every write goes through the services, so the history, first-response times and
visibility rules are the real ones. The services stamp everything with the current time, so between
the steps of each request's story its history so far is moved back in time with queryset updates
(see `_rewind`), spreading the demo over the last two weeks; that shortcut is fine for demo data
and nowhere else.
"""

import os
import random
import struct
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F

from accounts.models import Group, Role, User
from accounts.services import group_create, user_create
from helpdesk.errors import DomainError
from notifications.outbox import muted as notifications_muted
from sla.services import clocks_rebuild, sla_defaults_install
from surveys.demo import demo_surveys
from tickets import services
from tickets.management import fake
from tickets.models import Attachment, Category, Comment, Priority, Request, RequestEvent, Source, Status

DEFAULT_PASSWORD = "demo-pass-2026"
ADMIN_EMAIL = "admin@example.com"
SOFTWARE, HARDWARE = "Software Support", "Hardware & Network"
GROUPS = {
    SOFTWARE: "Applications, licences and access.",
    HARDWARE: "Laptops, printers, Wi-Fi and VPN.",
}
CATEGORY_GROUP = {
    "software": SOFTWARE,
    "access": SOFTWARE,
    "hardware": HARDWARE,
    "network": HARDWARE,
    "other": HARDWARE,
}
# (email, name, role, group, VIP)
PEOPLE = [
    (ADMIN_EMAIL, "Ada Admin", Role.ADMIN, None, False),
    ("alice@example.com", "Alice Moreau", Role.AGENT, SOFTWARE, False),
    ("bob@example.com", "Bob Okafor", Role.AGENT, HARDWARE, False),
    ("carol@example.com", "Carol Jensen", Role.REQUESTER, None, True),
    ("dan@example.com", "Dan Silva", Role.REQUESTER, None, False),
]
# 50 requests; a live queue has more work in flight than a benchmark year does.
STATUS_COUNTS = {
    Status.OPEN: 9,
    Status.ASSIGNED: 7,
    Status.IN_PROGRESS: 9,
    Status.PENDING: 6,
    Status.RESOLVED: 8,
    Status.CLOSED: 11,
}
PRIORITY_WEIGHTS = {Priority.LOW: 3, Priority.MEDIUM: 5, Priority.HIGH: 2, Priority.CRITICAL: 1}
URLS = [
    ("App", "http://127.0.0.1:8000/"),
    ("Admin", "http://127.0.0.1:8000/admin/"),
    ("API docs", "http://127.0.0.1:8000/v1/docs"),
]

# A step of a request's story: (gap before it, in hours, as a (low, high) range; what happens).
Step = tuple[tuple[float, float], Callable[[Request], object]]


class Command(BaseCommand):
    help = (
        "Loads demo users, groups, SLA tiers and about 50 requests in every status, through the services. "
        f"Runs once: if {ADMIN_EMAIL} exists it only prints the log-ins. Password: DEMO_PASSWORD "
        f"(default '{DEFAULT_PASSWORD}')."
    )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is not None:
            self.stdout.write("Demo data is already loaded; nothing changed.")
            self._print_logins(password if admin.check_password(password) else None)
            return
        try:
            with transaction.atomic(), notifications_muted():  # the demo's history emails nobody
                statuses = _DemoLoader(random.Random(2026), password).load()
                # The loader moved timestamps into the past after the services ran: recount the clocks.
                clocks_rebuild()
        except DomainError as exc:
            detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.fields.items())
            raise CommandError(f"Could not load the demo: {exc.message}{f' ({detail})' if detail else ''}") from exc
        summary = ", ".join(f"{statuses[s]} {s}" for s in STATUS_COUNTS)
        self.stdout.write(f"Demo data loaded: {sum(statuses.values())} requests ({summary}).")
        self._print_logins(password)

    def _print_logins(self, password: str | None) -> None:
        """password None: DEMO_PASSWORD is not the one the demo was loaded with."""
        users = {
            u.email: u for u in User.objects.filter(email__in=[p[0] for p in PEOPLE]).prefetch_related("agent_groups")
        }
        if password is None:
            self.stdout.write(
                "\nLog in with the password the demo was loaded with (it is not the current DEMO_PASSWORD):"
            )
        else:
            self.stdout.write(f"\nLog in with password {password}:")
        for email, *_ in PEOPLE:
            user = users.get(email)
            if user is None:
                continue
            role = user.get_role_display().lower()
            extra = [g.name for g in user.agent_groups.all()] + (["VIP"] if user.is_vip else [])
            if extra:
                role += f" ({', '.join(extra)})"
            self.stdout.write(f"  {email:<20} {role}")
        self.stdout.write("")
        for label, url in URLS:
            self.stdout.write(f"  {label + ':':<10}{url}")


class _DemoLoader:
    def __init__(self, rng: random.Random, password: str):
        self.rng = rng
        self.password = password

    def load(self) -> Counter:
        sla_defaults_install()
        for name, label in fake.CATEGORIES.items():
            Category.objects.get_or_create(name=name, defaults={"label": label})  # no category service either

        admin_email, admin_name, *_ = PEOPLE[0]
        admin = user_create(actor=None, email=admin_email, name=admin_name, role=Role.ADMIN, password=self.password)
        # seed_data may have made these groups already; the demo joins them rather than failing.
        groups = {g.name: g for g in Group.objects.filter(name__in=GROUPS)}
        for name, description in GROUPS.items():
            if name not in groups:
                groups[name] = group_create(actor=admin, name=name, description=description)
        people = {}
        for email, name, role, group, is_vip in PEOPLE[1:]:
            people[email] = user_create(
                actor=admin,
                email=email,
                name=name,
                role=role,
                is_vip=is_vip,
                password=self.password,
                group_ids=[groups[group].public_id] if group else (),
            )
        self.groups = groups
        self.agents = {SOFTWARE: people["alice@example.com"], HARDWARE: people["bob@example.com"]}
        self.requesters = [people["carol@example.com"], people["dan@example.com"]]

        plan = [status for status, count in STATUS_COUNTS.items() for _ in range(count)]
        self.rng.shuffle(plan)
        made = Counter()
        for index, status in enumerate(plan):
            request = self._tell_story(index, status)
            made[request.status] += 1
        demo_surveys(admin=admin, rng=random.Random(7))  # the default survey, and answers for the report
        return made

    # --- one request ---------------------------------------------------------------------------

    def _tell_story(self, index: int, status: str) -> Request:
        """Creates one request and plays its steps, `gap` apart in demo time, ending in `status`."""
        rng = self.rng
        category = rng.choice(list(fake.CATEGORIES))
        group = self.groups[CATEGORY_GROUP[category]]
        agent = self.agents[group.name]
        requester = self.requesters[index % 2]
        steps = self._steps(index, status, requester=requester, agent=agent, group=group)

        max_age_days = 4 if status == Status.OPEN else 14
        age = timedelta(hours=rng.uniform(0.3, max_age_days * 24))
        gaps = [timedelta(hours=rng.uniform(*hours)) for hours, _ in steps]
        total = sum(gaps, timedelta(0))
        if total > age * 0.95:  # squeeze the story into the request's age
            scale = age * rng.uniform(0.5, 0.9) / total
            gaps = [gap * scale for gap in gaps]

        request = self._create(index, category, group, agent, requester)
        for gap, (_, step) in zip(gaps, steps, strict=True):
            _rewind(request.pk, gap)
            step(request)
        _rewind(request.pk, age - sum(gaps, timedelta(0)))
        request = Request.objects.get(pk=request.pk)
        if request.status != status:
            raise RuntimeError(f"the demo story for a {status} request ended {request.status}")
        return request

    def _create(self, index: int, category: str, group: Group, agent: User, requester: User) -> Request:
        rng = self.rng
        thing = rng.choice(fake.THINGS)
        title, description = rng.choice(fake.SUBJECTS[category])
        fields = {
            "title": title.format(thing=thing),
            "description": description.format(thing=thing),
            "priority": rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0],
            "category": category,
            "tags": rng.sample(fake.TAGS, rng.randint(0, 2)),
        }
        if index % 5 == 0:  # phoned in: the agent opens it for the requester
            return services.request_create(
                actor=agent,
                requester_id=requester.public_id,
                source=Source.WEB,
                assigned_group=group.public_id,
                **fields,
            )
        source = Source.EMAIL if index % 3 == 0 else Source.PORTAL
        return services.request_create(actor=requester, source=source, **fields)

    def _steps(self, index: int, status: str, *, requester: User, agent: User, group: Group) -> list[Step]:
        rng = self.rng

        def say(actor: User, text: str) -> Callable[[Request], object]:
            return lambda r: services.comment_add(actor=actor, request=r, content=text)

        def update(actor: User, **changes) -> Callable[[Request], object]:
            return lambda r: services.request_update(actor=actor, request=r, changes=changes)

        steps: list[Step] = []
        if index % 6 == 1:
            steps.append(((0.02, 0.3), lambda r: self._attach_screenshot(requester, r)))
        if status == Status.OPEN:
            if index % 2:
                steps.append(((0.2, 3), update(agent, assigned_group=group.public_id)))  # triaged, not yet taken
            if index % 3 == 0:
                steps.append(((1, 24), say(requester, "Any news on this? It is blocking my work.")))
            return steps

        steps.append(((0.05, 1.5), update(agent, assigned_to=agent.public_id)))
        if index % 4 == 0:
            steps.append(((0.1, 2), lambda r: self._internal_note(agent, r, with_log=index % 8 == 0)))
        if status == Status.ASSIGNED:
            return steps

        steps.append(((0.05, 2), say(agent, rng.choice(fake.FIRST_REPLIES))))  # the first response
        steps.append(((0.02, 0.5), update(agent, status=Status.IN_PROGRESS)))
        if status == Status.IN_PROGRESS:
            if index % 2:
                steps.append(((0.5, 12), say(requester, "Thanks, here are the details you asked for.")))
            return steps

        if status == Status.PENDING or index % 2:
            steps.append(((0.2, 3), say(agent, "Could you send a screenshot of the error, please?")))
            steps.append(((0.01, 0.1), update(agent, status=Status.PENDING)))
            if status == Status.PENDING:
                return steps
            # The requester's answer puts the request back in progress (the service does that).
            steps.append(((0.5, 12), say(requester, "It still happens after the restart.")))

        steps.append(((0.5, 20), update(agent, status=Status.RESOLVED, resolution=rng.choice(fake.RESOLUTIONS))))
        if status == Status.RESOLVED:
            return steps
        closer = requester if index % 2 else agent
        steps.append(((1, 72), update(closer, status=Status.CLOSED)))
        return steps

    def _internal_note(self, agent: User, request: Request, *, with_log: bool) -> None:
        note = services.comment_add(
            actor=agent, request=request, content=self.rng.choice(fake.INTERNAL_NOTES), is_internal=True
        )
        if with_log:
            log = b"2026-01-12 09:14:03 vpn-client: TLS handshake failed (certificate expired)\n" * 20
            upload = SimpleUploadedFile("vpn-client.log", log, content_type="text/plain")
            services.attachment_add(actor=agent, request=request, upload=upload, comment=note)

    def _attach_screenshot(self, requester: User, request: Request) -> None:
        upload = SimpleUploadedFile("error-screenshot.png", _tiny_png(), content_type="image/png")
        services.attachment_add(actor=requester, request=request, upload=upload)


def _rewind(request_pk: int, delta: timedelta) -> None:
    """Moves everything a request has so far `delta` back in time, keeping its order: demo data only.

    The services stamp rows with the current time; rewinding between the steps of a story spreads
    it over realistic hours and days. Real code never rewrites history like this. (Simple updates
    beat one CASE per column here: Django compiles big CASE expressions slowly.)
    """
    times = ("created_at", "updated_at", "public_updated_at", "first_response_at", "resolved_at", "closed_at")
    Request.all_objects.filter(pk=request_pk).update(**{name: F(name) - delta for name in times})
    for model in (Comment, RequestEvent, Attachment):
        model.objects.filter(request_id=request_pk).update(created_at=F("created_at") - delta)


def _tiny_png() -> bytes:
    """A valid 1x1 red PNG, so the demo attachment opens in an image viewer."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
