"""Who gets which email (issue 8, point 2): every rule, who hears and who does not."""

import os

import pytest
from django.db import transaction

from notifications import outbox
from notifications.models import Channel, Delivery, NotificationPreference, NotificationRule, Rule
from notifications.services import webhook_create
from tests.factories import AgentFactory, GroupFactory, RequesterFactory
from tickets.models import EventKind, Priority, RequestEvent, Status
from tickets.reactions import events_recorded
from tickets.services import comment_add, request_create, request_update


def emails(**filters) -> set[tuple[str, str]]:
    """(rule, recipient email) of the email rows in the outbox."""
    rows = Delivery.objects.filter(channel=Channel.EMAIL, **filters)
    return set(rows.values_list("event", "recipient__email"))


def clear():
    Delivery.objects.all().delete()


@pytest.fixture
def bob(db):
    return AgentFactory(name="Bob Agent", email="bob@example.com")


@pytest.fixture
def carl(db):
    """An agent in no group."""
    return AgentFactory(name="Carl Agent", email="carl@example.com")


@pytest.fixture
def team(agent, bob):
    return GroupFactory(name="Hardware", members=[agent, bob])


def open_request(actor, **fields):
    fields.setdefault("priority", Priority.MEDIUM)
    return request_create(actor=actor, title="Printer on fire", description="Smoke", **fields)


# --- request created -------------------------------------------------------------------------------


def test_a_new_request_acknowledges_the_requester_and_tells_every_agent_when_there_is_no_group(
    requester, agent, bob, carl
):
    open_request(requester)
    assert emails() == {
        (Rule.REQUEST_CREATED_REQUESTER, "rita@example.com"),
        (Rule.REQUEST_CREATED_AGENTS, "alice@example.com"),
        (Rule.REQUEST_CREATED_AGENTS, "bob@example.com"),
        (Rule.REQUEST_CREATED_AGENTS, "carl@example.com"),
    }


def test_a_new_request_in_a_group_tells_only_that_groups_agents(requester, agent, team, carl):
    open_request(agent, requester_id=requester.public_id, assigned_group=team.public_id)
    # Alice opened it: she is not told of her own action; Carl is in no group of it.
    assert emails() == {
        (Rule.REQUEST_CREATED_REQUESTER, "rita@example.com"),
        (Rule.REQUEST_CREATED_AGENTS, "bob@example.com"),
    }


def test_a_new_request_with_an_assignee_tells_them_it_is_theirs_and_the_rest_of_the_group_it_is_new(
    requester, agent, bob, team, admin_user
):
    open_request(admin_user, requester_id=requester.public_id, assigned_to=bob.public_id, assigned_group=team.public_id)
    assert emails() == {
        (Rule.REQUEST_CREATED_REQUESTER, "rita@example.com"),
        (Rule.ASSIGNED, "bob@example.com"),
        (Rule.REQUEST_CREATED_AGENTS, "alice@example.com"),
    }


# --- replies ---------------------------------------------------------------------------------------


def test_a_public_reply_goes_to_the_requester_and_not_to_its_author(requester, agent, bob):
    request = open_request(requester)
    clear()
    comment_add(actor=agent, request=request, content="Have you tried turning it off?")
    assert emails() == {(Rule.PUBLIC_REPLY, "rita@example.com")}


def test_an_internal_note_emails_nobody_and_never_the_requester(requester, agent, bob):
    request = open_request(requester)
    clear()
    comment_add(actor=agent, request=request, content="Between us: it is the toner", is_internal=True)
    assert emails() == set()


def test_a_requester_reply_goes_to_the_assignee(requester, agent, bob, team):
    request = open_request(agent, requester_id=requester.public_id, assigned_to=bob.public_id)
    clear()
    comment_add(actor=requester, request=request, content="Still smoking")
    assert emails() == {(Rule.REQUESTER_REPLY, "bob@example.com")}


def test_a_requester_reply_without_an_assignee_goes_to_the_group(requester, agent, bob, carl, team):
    request = open_request(carl, requester_id=requester.public_id, assigned_group=team.public_id)
    clear()
    comment_add(actor=requester, request=request, content="Anyone there?")
    assert emails() == {(Rule.REQUESTER_REPLY, "alice@example.com"), (Rule.REQUESTER_REPLY, "bob@example.com")}


def test_a_requester_reply_without_assignee_or_group_goes_to_every_agent(requester, agent, bob):
    request = open_request(requester)
    clear()
    comment_add(actor=requester, request=request, content="Anyone there?")
    assert emails() == {(Rule.REQUESTER_REPLY, "alice@example.com"), (Rule.REQUESTER_REPLY, "bob@example.com")}


def test_a_requester_reply_that_reopens_a_request_tells_the_assignee_and_webhooks_get_the_reply_and_the_change(
    requester, agent, bob, team, admin_user
):
    request = open_request(agent, requester_id=requester.public_id, assigned_to=bob.public_id)
    request_update(actor=bob, request=request, changes={"status": Status.RESOLVED})
    webhook_create(actor=admin_user, url="http://127.0.0.1:9/hook", events=["comment.created", "request.updated"])
    outbox.config_changed()  # (the test's transaction never commits, which is when this runs)
    clear()
    comment = comment_add(actor=requester, request=request, content="It smokes again")
    assert emails() == {(Rule.REQUESTER_REPLY, "bob@example.com")}
    hooks = {row.event: row.payload["data"] for row in Delivery.objects.filter(channel=Channel.WEBHOOK)}
    assert hooks["comment.created"]["comment"]["id"] == comment.public_id
    assert hooks["request.updated"]["changes"] == {"status": {"from": Status.RESOLVED, "to": Status.IN_PROGRESS}}
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


# --- assignment and resolution ---------------------------------------------------------------------


def test_assigning_tells_the_new_assignee_but_taking_it_oneself_tells_nobody(requester, agent, bob, team):
    request = open_request(requester)
    clear()
    request_update(actor=agent, request=request, changes={"assigned_to": bob.public_id})
    assert emails() == {(Rule.ASSIGNED, "bob@example.com")}
    clear()
    request_update(actor=agent, request=request, changes={"assigned_to": agent.public_id})
    assert emails() == set()


def test_resolving_tells_the_requester(requester, agent):
    request = open_request(requester)
    request_update(actor=agent, request=request, changes={"assigned_to": agent.public_id})
    clear()
    request_update(actor=agent, request=request, changes={"status": Status.RESOLVED, "resolution": "New toner"})
    assert emails() == {(Rule.RESOLVED, "rita@example.com")}
    clear()
    request_update(actor=agent, request=request, changes={"status": Status.CLOSED})
    assert emails() == set()  # resolved, then closed: one email, not two


# --- SLA -------------------------------------------------------------------------------------------


def _sla_move(request, status: str):
    """An SLA clock move as sla.services records it (bulk-created, no actor), through the one hand-off."""
    events_recorded(
        RequestEvent.objects.bulk_create(
            [
                RequestEvent(
                    request_id=request.pk,
                    kind=EventKind.SLA,
                    field="first_response",
                    old_value="on_track",
                    new_value=status,
                )
            ]
        )
    )


@pytest.mark.parametrize(("status", "rule"), [("at_risk", Rule.SLA_AT_RISK), ("breached", Rule.SLA_BREACHED)])
def test_an_sla_move_tells_the_assignee_else_the_groups_agents(requester, agent, bob, carl, team, status, rule):
    assigned = open_request(carl, requester_id=requester.public_id, assigned_to=bob.public_id)
    grouped = open_request(carl, requester_id=requester.public_id, assigned_group=team.public_id)
    clear()
    _sla_move(assigned, status)
    assert emails() == {(rule, "bob@example.com")}
    clear()
    _sla_move(grouped, status)
    assert emails() == {(rule, "alice@example.com"), (rule, "bob@example.com")}


def test_an_sla_met_move_tells_nobody(requester, agent):
    request = open_request(requester)
    clear()
    _sla_move(request, "met")
    assert emails() == set()


# --- nobody who should not -------------------------------------------------------------------------


def test_a_deactivated_user_gets_nothing(requester, agent, bob):
    bob.is_active = False
    bob.save()
    request = open_request(requester)
    assert ("request_created_agents", "bob@example.com") not in emails()
    requester.is_active = False
    requester.save()
    clear()
    comment_add(actor=agent, request=request, content="Hello?")
    assert emails() == set()


def test_an_agent_who_switched_an_event_off_does_not_get_it(requester, agent, bob):
    NotificationPreference.objects.create(user=bob, request_created_agents=False)
    open_request(requester)
    assert emails(event=Rule.REQUEST_CREATED_AGENTS) == {(Rule.REQUEST_CREATED_AGENTS, "alice@example.com")}


def test_a_rule_an_admin_switched_off_sends_nothing(requester, agent):
    NotificationRule.objects.filter(rule=Rule.REQUEST_CREATED_REQUESTER).update(enabled=False)
    from notifications.outbox import config_changed

    config_changed()
    open_request(requester)
    assert emails() == {(Rule.REQUEST_CREATED_AGENTS, "alice@example.com")}


def test_every_default_rule_is_there_for_admins_to_switch(db):
    assert set(NotificationRule.objects.values_list("rule", flat=True)) == set(Rule.values)
    assert all(NotificationRule.objects.values_list("enabled", flat=True))


def test_a_requester_never_gets_agents_notices_even_if_made_an_agent_notice_recipient(requester, agent):
    # The requester of a request is also in the group (an odd set-up): still no agents' mail.
    group = GroupFactory(members=[agent, requester])
    open_request(agent, requester_id=RequesterFactory().public_id, assigned_group=group.public_id)
    assert ("request_created_agents", "rita@example.com") not in emails()


# --- the outbox is part of the change's transaction --------------------------------------------------


def test_a_rolled_back_change_leaves_no_delivery(requester, agent):
    with pytest.raises(RuntimeError), transaction.atomic():
        open_request(requester)
        assert Delivery.objects.exists()
        raise RuntimeError("the change fails after its events were recorded")
    assert not Delivery.objects.exists()


def test_each_delivery_has_its_own_idempotency_key(requester, agent, bob):
    open_request(requester)
    keys = list(Delivery.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 3


def test_loading_the_demo_emails_nobody(db):
    from django.core.management import call_command

    call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not Delivery.objects.exists()


def test_muted_changes_write_no_delivery(requester, agent):
    from notifications.outbox import muted

    with muted():
        open_request(requester)
    assert not Delivery.objects.exists()
    open_request(requester)
    assert Delivery.objects.exists()
