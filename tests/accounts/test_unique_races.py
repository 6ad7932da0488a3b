"""Unique values. Ten clients creating the same unique thing at once: the database's unique index decides, every loser
gets the 400 a sequential duplicate gets, and requests made for a new requester are all created.

Real threads, each with its own database connection, released together by a barrier: only PostgreSQL
runs them truly at once (SQLite's test database is one in-memory connection), so they run on the
PostgreSQL pass of scripts/test.sh, which CI runs."""

import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Group, User
from tests.conftest import client_for
from tests.envelope import data_of, error_of
from tests.factories import AdminFactory, AgentFactory, GroupFactory
from tickets.models import Request

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 10
JOIN_SECONDS = 60


@pytest.fixture
def concurrent_database():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections: runs on the PostgreSQL pass")


def all_at_once(calls):
    """Runs each call in its own thread, all released together; returns their responses in order."""
    barrier = threading.Barrier(len(calls))
    responses = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            responses[index] = call()
        except Exception as exc:  # a 500 re-raised by the test client lands here
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return responses


def _poster(client, path, body):
    return lambda: client.post(path, body, format="json")


@pytest.mark.postgres
@pytest.mark.usefixtures("concurrent_database")
def test_ten_agents_creating_requests_for_the_same_new_requester_all_succeed():
    clients = [client_for(AgentFactory()) for _ in range(CLIENTS)]
    body = {
        "title": "VPN down",
        "description": "Cannot connect",
        "priority": "high",
        "requester": {"email": "New.Person@example.com", "name": "New Person"},
    }
    responses = all_at_once([_poster(client, "/v1/requests", body) for client in clients])
    assert [r.status_code for r in responses] == [201] * CLIENTS, [r.content for r in responses]
    requester = User.objects.get(email="new.person@example.com")
    assert Request.objects.filter(requester=requester).count() == CLIENTS
    assert User.objects.filter(email__iexact="new.person@example.com").count() == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("concurrent_database")
def test_ten_admins_creating_the_same_group_make_one_and_nine_clear_400s():
    clients = [client_for(AdminFactory()) for _ in range(CLIENTS)]
    # Names differing only in case are the same group.
    calls = [
        _poster(client, "/v1/groups", {"name": "Billing" if i % 2 else "BILLING"}) for i, client in enumerate(clients)
    ]
    responses = all_at_once(calls)
    assert sorted(r.status_code for r in responses) == [201] + [400] * (CLIENTS - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            error = error_of(response, 400)
            assert error["message"] == "name: a group with this name already exists"
            assert error["fields"] == {"name": ["a group with this name already exists"]}
    assert Group.objects.filter(name__iexact="billing").count() == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("concurrent_database")
def test_ten_admins_creating_the_same_user_make_one_and_nine_clear_400s():
    clients = [client_for(AdminFactory()) for _ in range(CLIENTS)]
    body = {"email": "bob@example.com", "name": "Bob", "role": "agent"}
    responses = all_at_once([_poster(client, "/v1/users", body) for client in clients])
    assert sorted(r.status_code for r in responses) == [201] + [400] * (CLIENTS - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            error = error_of(response, 400)
            assert error["message"] == "email: a user with this email already exists"
    assert User.objects.filter(email="bob@example.com").count() == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("concurrent_database")
def test_ten_admins_renaming_groups_to_the_same_name_leave_one_and_nine_clear_400s():
    admin = AdminFactory()
    groups = [GroupFactory(name=f"Team {n}") for n in range(CLIENTS)]
    clients = [client_for(admin) for _ in range(CLIENTS)]
    calls = [
        (lambda c=client, g=group: c.patch(f"/v1/groups/{g.public_id}", {"name": "Escalations"}, format="json"))
        for client, group in zip(clients, groups, strict=True)
    ]
    responses = all_at_once(calls)
    assert sorted(r.status_code for r in responses) == [200] + [400] * (CLIENTS - 1), [r.content for r in responses]
    assert Group.objects.filter(name__iexact="escalations").count() == 1


def test_a_sequential_duplicate_gets_the_same_answer(admin_user):
    client = client_for(admin_user)
    data_of(client.post("/v1/groups", {"name": "Billing"}, format="json"), 201)
    error = error_of(client.post("/v1/groups", {"name": "billing"}, format="json"), 400)
    assert error["message"] == "name: a group with this name already exists"


def test_the_database_refuses_group_names_differing_only_in_case():
    GroupFactory(name="Billing")
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.create(name="bILLING")


def test_the_migration_stops_with_the_names_to_fix_when_groups_differ_only_in_case():
    before, after = ("accounts", "0003_apitoken_expires_at"), ("accounts", "0004_group_name_unique_ci")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("accounts", "Group")
        old.objects.create(name="Desk", public_id="grp_a")
        old.objects.create(name="desk", public_id="grp_b")
        executor.loader.build_graph()
        with pytest.raises(RuntimeError, match="rename all but one of: Desk, desk"):
            executor.migrate([after])
    finally:
        # The historical model: today's Group would look for related tables that are unapplied now.
        old.objects.filter(public_id__in=["grp_a", "grp_b"]).delete()
        call_command("migrate", verbosity=0)  # every app: later migrations depending on accounts came off too
    assert Group.objects.count() == 0
