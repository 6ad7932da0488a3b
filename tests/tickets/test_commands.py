"""The seed_data (bulk benchmark data) and demo_data (a demo through the services) commands."""

from datetime import timedelta
from io import StringIO
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from accounts.models import Group, Role, User
from sla.models import SlaTier
from sla.services import sla_defaults_install
from tickets.models import Attachment, Category, Comment, EventKind, Request, RequestEvent, Status, Tag

pytestmark = pytest.mark.django_db

DONE = [Status.RESOLVED, Status.CLOSED]
DEMO_USERS = {
    "admin@example.com": Role.ADMIN,
    "alice@example.com": Role.AGENT,
    "bob@example.com": Role.AGENT,
    "carol@example.com": Role.REQUESTER,
    "dan@example.com": Role.REQUESTER,
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(requests: int = 300, seed: int = 1) -> str:
    out = StringIO()
    call_command("seed_data", requests=requests, seed=seed, stdout=out)
    return out.getvalue()


def demo() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    managers = [
        User.objects,
        Group.objects,
        Category.objects,
        Tag.objects,
        SlaTier.objects,
        Request.all_objects,
        Comment.objects,
        Attachment.objects,
        RequestEvent.objects,
    ]
    return {manager.model.__name__: manager.count() for manager in managers}


# --- seed_data ---------------------------------------------------------------------------------


def test_seed_data_adds_exactly_the_requests_asked_for_in_every_status():
    output = seed(300)

    assert Request.objects.count() == 300
    assert set(Request.objects.values_list("status", flat=True)) == set(Status.values)
    assert Request.objects.filter(status__in=DONE).count() > Request.objects.exclude(status__in=DONE).count()
    assert output.startswith("seed_data: added 300 requests") and output.rstrip().endswith("s")


def test_seed_data_assigns_only_agents_of_the_requests_group():
    seed(300)
    membership = Group.members.through.objects.filter(
        group_id=OuterRef("assigned_group_id"), user_id=OuterRef("assigned_to_id")
    )

    assert not Request.objects.filter(status=Status.OPEN, assigned_to__isnull=False).exists()
    assert not Request.objects.exclude(status=Status.OPEN).filter(assigned_to__isnull=True).exists()
    assigned = Request.objects.filter(assigned_to__isnull=False)
    assert not assigned.exclude(Exists(membership)).exists()
    assert set(User.objects.filter(assigned_requests__isnull=False).values_list("role", flat=True)) == {Role.AGENT}


def test_seed_data_timestamps_follow_the_status():
    seed(300)
    requests = Request.objects.all()

    assert not requests.filter(status__in=DONE, resolved_at__isnull=True).exists()
    assert (
        not requests.exclude(status__in=DONE).filter(Q(resolved_at__isnull=False) | Q(closed_at__isnull=False)).exists()
    )
    assert not requests.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    assert not requests.filter(status__in=[Status.OPEN], first_response_at__isnull=False).exists()
    assert not requests.filter(updated_at__lt=F("created_at")).exists()
    assert not requests.filter(first_response_at__lt=F("created_at")).exists()
    assert not requests.filter(resolved_at__lt=F("first_response_at")).exists()
    assert not requests.filter(closed_at__lt=F("resolved_at")).exists()
    assert not Comment.objects.filter(created_at__lt=F("request__created_at")).exists()
    oldest, newest = requests.order_by("created_at").first(), requests.first()
    assert (newest.created_at - oldest.created_at).days > 180  # spread over the year


def test_seed_data_gives_each_request_one_created_event_and_some_comments_and_tags():
    seed(300)

    created = RequestEvent.objects.filter(kind=EventKind.CREATED)
    assert created.count() == 300
    assert created.values("request").distinct().count() == 300
    assert not created.exclude(created_at=F("request__created_at")).exists()
    assert 0 < Comment.objects.values("request").distinct().count() < 300
    assert not Comment.objects.filter(is_internal=True).exists()
    assert Request.tags.through.objects.exists()
    assert Category.objects.count() == 5 and all(Category.objects.values_list("label", flat=True))
    assert User.objects.filter(role=Role.REQUESTER, is_vip=True).exists()
    assert len(set(Request.objects.values_list("source", flat=True))) > 1


def test_seeded_requests_page_through_the_api(agent, api_for):
    seed(300)
    client = api_for(agent)

    seen, page = [], 1
    while True:
        body = client.get("/v1/requests", {"limit": 100, "page": page}).json()
        assert body["success"], body
        seen += [item["id"] for item in body["data"]["requests"]]
        if page >= body["data"]["pagination"]["pages"]:
            break
        page += 1

    assert body["data"]["pagination"]["total"] == 300
    assert len(seen) == len(set(seen)) == 300


def test_running_seed_data_twice_adds_more():
    seed(300)
    agents, groups = User.objects.filter(role=Role.AGENT).count(), Group.objects.count()
    requesters = User.objects.filter(role=Role.REQUESTER).count()

    seed(300)

    assert Request.objects.count() == 600
    assert RequestEvent.objects.filter(kind=EventKind.CREATED).count() == 600
    assert User.objects.filter(role=Role.AGENT).count() == agents == 20
    assert Group.objects.count() == groups
    assert User.objects.filter(role=Role.REQUESTER).count() == 2 * requesters


def test_the_same_seed_gives_the_same_requests():
    def story(seed_value):
        seed(50, seed=seed_value)
        rows = list(Request.objects.order_by("-id")[:50].values_list("status", "priority", "title", "source"))
        return rows

    first, again, other = story(7), story(7), story(8)

    assert first == again
    assert first != other


def test_seed_data_refuses_no_requests():
    with pytest.raises(CommandError):
        call_command("seed_data", requests=0, stdout=StringIO())


# --- demo_data ---------------------------------------------------------------------------------


def test_demo_users_can_log_in_with_the_demo_password(client):
    output = demo()

    for email, role in DEMO_USERS.items():
        assert client.login(username=email, password="demo-pass-2026"), email
        assert User.objects.get(email=email).role == role
        assert email in output
    assert User.objects.get(email="carol@example.com").is_vip
    assert "demo-pass-2026" in output and "http://127.0.0.1:8000/v1/docs" in output


def test_demo_password_comes_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-long-pass-77")
    demo()

    assert client.login(username="alice@example.com", password="another-long-pass-77")
    assert not client.login(username="alice@example.com", password="demo-pass-2026")


def test_demo_data_refuses_a_weak_password_and_leaves_nothing(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "12345678")

    with pytest.raises(CommandError, match="password"):
        demo()

    assert not User.objects.exists()
    assert not Request.objects.exists()


def test_demo_data_has_every_status_with_real_history():
    demo()
    requests = Request.objects.all()

    assert 45 <= requests.count() <= 55
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    assert Attachment.objects.exists()
    assert Comment.objects.filter(is_internal=False).exists()
    assert Comment.objects.filter(is_internal=True).exists()
    assert SlaTier.objects.count() == 2
    assert set(Group.objects.values_list("name", flat=True)) == {"Software Support", "Hardware & Network"}
    # Made through the services: each request has its history, and the rules hold.
    assert RequestEvent.objects.filter(kind=EventKind.CREATED).count() == requests.count()
    assert RequestEvent.objects.filter(kind=EventKind.CHANGED, field="status").exists()
    assert not requests.filter(status=Status.OPEN, assigned_to__isnull=False).exists()
    assert not requests.filter(status__in=DONE, resolved_at__isnull=True).exists()
    assert not requests.filter(status__in=DONE, first_response_at__isnull=True).exists()
    # Spread over the last two weeks, each history still in order.
    oldest = requests.order_by("created_at").first().created_at
    assert (requests.first().created_at - oldest).days >= 7
    assert not RequestEvent.objects.filter(created_at__lt=F("request__created_at")).exists()
    assert not requests.filter(updated_at__lt=F("created_at")).exists()


def test_demo_requester_never_sees_internal_notes(api_for):
    demo()
    noted = Request.objects.filter(comments__is_internal=True).distinct()
    assert noted.exists()
    assert Attachment.objects.filter(comment__is_internal=True).exists()

    for request in noted:
        requester_view = api_for(request.requester).get(f"/v1/requests/{request.public_id}").json()["data"]
        agent_view = api_for(request.assigned_to).get(f"/v1/requests/{request.public_id}").json()["data"]

        assert not any(c["isInternal"] for c in requester_view["comments"])
        assert len(requester_view["comments"]) == request.comments.filter(is_internal=False).count()
        assert any(c["isInternal"] for c in agent_view["comments"])
        internal_files = set(request.attachments.filter(comment__is_internal=True).values_list("public_id", flat=True))
        assert not internal_files & {a["id"] for a in requester_view["attachments"]}


def test_running_demo_data_twice_changes_nothing():
    demo()
    before = row_counts()

    output = demo()

    assert row_counts() == before
    assert "already loaded" in output and "admin@example.com" in output


def test_demo_data_after_seed_data_joins_the_existing_groups():
    seed(20)

    demo()

    assert Group.objects.filter(name="Software Support").count() == 1
    alice = User.objects.get(email="alice@example.com")
    assert list(alice.agent_groups.values_list("name", flat=True)) == ["Software Support"]


def test_seed_data_writes_the_clocks_the_sla_engine_would_so_a_rebuild_changes_nothing():
    from sla.models import SlaClock
    from sla.services import clocks_rebuild

    sla_defaults_install()
    seed(200)
    fields = ("request_id", "kind", "status", "target_at", "elapsed_seconds", "next_check_at")
    columns = ("pk", "sla_tier", "sla_status", "sla_due_at")
    clocks = set(SlaClock.objects.values_list(*fields))
    requests = set(Request.objects.values_list(*columns))
    assert len(clocks) == 400 and {r[1] for r in requests} == {"Tier 1", "Tier 2"}
    # Rebuilt at the instant the seed computed them: the same clocks, the same request columns.
    seeded_at = SlaClock.objects.values_list("computed_at", flat=True).first()
    with patch("sla.services.timezone.now", return_value=seeded_at):
        clocks_rebuild()
    assert set(SlaClock.objects.values_list(*fields)) == clocks
    assert set(Request.objects.values_list(*columns)) == requests


def test_a_rebuild_after_a_tier_change_stores_what_the_engine_computes_for_each_request():
    from sla.models import SlaClock, SlaTarget
    from sla.selectors import sla_for_request
    from sla.services import clocks_rebuild

    sla_defaults_install()
    seed(150)
    # Tier 2 (most requests) halves its targets: most clocks move, enough for the bulk update path.
    for target in SlaTarget.objects.filter(tier__name="Tier 2"):
        target.first_response_minutes //= 2
        target.resolution_minutes //= 2
        target.save()
    clock_ids = set(SlaClock.objects.values_list("pk", flat=True))
    at = SlaClock.objects.values_list("computed_at", flat=True).first() + timedelta(hours=1)
    with patch("sla.services.timezone.now", return_value=at):
        assert clocks_rebuild() == 150
    stored = {(c.request_id, c.kind): c for c in SlaClock.objects.all()}
    changed = 0
    for request in Request.objects.select_related("requester"):
        sla = sla_for_request(request, now=at)
        assert (request.sla_tier, request.sla_status, request.sla_due_at) == (
            sla.tier,
            sla.worst_status,
            sla.nearest_due,
        )
        for clock in (sla.first_response, sla.resolution):
            row = stored[request.pk, clock.kind]
            assert (row.status, row.target_at, row.elapsed_seconds, row.next_check_at) == (
                clock.status,
                clock.target_at,
                int(clock.elapsed.total_seconds()),
                clock.next_change_at,
            )
            changed += row.computed_at == at
    assert changed > 200
    # Updated in place; a second rebuild at the same instant finds nothing left to write.
    assert set(SlaClock.objects.values_list("pk", flat=True)) == clock_ids
    with patch("sla.services.timezone.now", return_value=at), CaptureQueriesContext(connection) as queries:
        clocks_rebuild()
    assert not [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "COPY", "DELETE"))]


def test_seeding_empty_tables_leaves_every_index_and_constraint_in_place():
    if connection.vendor != "postgresql":
        pytest.skip("the seed drops and remakes indexes and constraints on PostgreSQL only")

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() UNION ALL "
                "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                "ORDER BY 1"
            )
            return cursor.fetchall()

    before = schema()
    seed(50)
    assert schema() == before
    # The foreign keys check again: a comment on a request that does not exist is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(request_id=10**9, author=User.objects.first(), content="x")
        connection.check_constraints()
