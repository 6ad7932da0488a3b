"""The domain rules, straight against tickets.services and accounts.services: they hold whoever calls."""

import pytest

from accounts.models import Role
from accounts.services import group_create, group_update, requester_get_or_create, user_create, user_update
from helpdesk.errors import DomainError, NotFound, PermissionDenied, TooLarge, ValidationFailed
from tests.factories import AgentFactory, CategoryFactory, GroupFactory, RequesterFactory, upload
from tickets.models import Attachment, EventKind, Priority, Request, RequestEvent, Source, Status
from tickets.services import (
    attachment_add,
    comment_add,
    request_create,
    request_delete,
    request_restore,
    request_update,
    sanitize_filename,
)

pytestmark = pytest.mark.django_db


def create(actor, **kwargs):
    fields = {"title": "  VPN down  ", "description": "Since 9am", "priority": Priority.HIGH}
    return request_create(actor=actor, **{**fields, **kwargs})


def changes_of(request):
    return {
        e.field: (e.actor, e.old_value, e.new_value)
        for e in RequestEvent.objects.filter(request=request, kind=EventKind.CHANGED)
    }


@pytest.fixture
def ticket(requester):
    return create(requester)


# --- errors ------------------------------------------------------------------------------------------


def test_domain_errors_carry_their_http_status_and_code():
    assert (ValidationFailed.status, PermissionDenied.status, NotFound.status, TooLarge.status) == (400, 403, 404, 413)
    error = ValidationFailed.for_field("title", "too long")
    assert isinstance(error, DomainError)
    assert (error.code, error.message, error.fields) == ("validation_error", "too long", {"title": ["too long"]})


# --- create ------------------------------------------------------------------------------------------


def test_request_create_opens_a_request_for_the_actor_and_records_it(requester):
    request = create(requester)
    assert (request.requester, request.status, request.title) == (requester, Status.OPEN, "VPN down")
    assert request.source == Source.PORTAL
    event = RequestEvent.objects.get(request=request)
    assert (event.kind, event.actor, event.new_value) == (EventKind.CREATED, requester, "open")


def test_request_create_for_a_requester_by_email_makes_a_requester(agent):
    request = create(agent, requester_email="Someone@Example.com", requester_name="Some One")
    assert request.requester.email == "someone@example.com"
    assert request.requester.role == Role.REQUESTER
    assert request.requester.name == "Some One"


def test_request_create_by_email_without_a_name_uses_the_local_part(agent):
    assert create(agent, requester_email="pat@example.com").requester.name == "pat"


def test_request_create_for_a_requester_by_id(agent, requester):
    assert create(agent, requester_id=requester.public_id).requester == requester


@pytest.mark.parametrize(
    "extra",
    [
        {"requester_email": "x@example.com"},
        {"requester_id": "usr_anyone"},
        {"assigned_to": "usr_anyone"},
        {"assigned_group": "grp_anyone"},
    ],
)
def test_requesters_cannot_open_for_others_or_assign(requester, extra):
    with pytest.raises(PermissionDenied):
        create(requester, **extra)
    assert not Request.objects.exists()


def test_request_create_with_an_assignee_starts_assigned_in_their_first_group_by_name(agent):
    GroupFactory(name="Zulu", members=[agent])
    alpha = GroupFactory(name="Alpha", members=[agent])
    request = create(agent, assigned_to=agent.public_id)
    assert (request.status, request.assigned_to, request.assigned_group) == (Status.ASSIGNED, agent, alpha)


def test_request_create_cleans_and_dedupes_tags(agent):
    request = create(agent, tags=[" VPN ", "vpn", "remote-work"])
    assert sorted(request.tags.values_list("name", flat=True)) == ["remote-work", "vpn"]


@pytest.mark.parametrize("tag", ["", "has space", "x" * 51, "-leading", "semi;colon"])
def test_request_create_refuses_bad_tags(agent, tag):
    with pytest.raises(ValidationFailed) as caught:
        create(agent, tags=[tag])
    assert "tags" in caught.value.fields


def test_request_create_refuses_an_unknown_category(agent):
    with pytest.raises(ValidationFailed) as caught:
        create(agent, category="astrology")
    assert "category" in caught.value.fields


def test_request_create_finds_categories_case_insensitively(agent):
    software = CategoryFactory(name="software")
    assert create(agent, category="Software").category == software


def test_requester_get_or_create_refuses_a_deactivated_user():
    RequesterFactory(email="gone@example.com", is_active=False)
    with pytest.raises(ValidationFailed) as caught:
        requester_get_or_create(email="gone@example.com")
    assert "requester" in caught.value.fields


# --- update and events -------------------------------------------------------------------------------


def test_request_update_records_one_event_per_changed_field_with_old_and_new_values(agent, ticket):
    request_update(actor=agent, request=ticket, changes={"title": "VPN flaky", "priority": Priority.LOW})
    assert changes_of(ticket) == {
        "title": (agent, "VPN down", "VPN flaky"),
        "priority": (agent, "high", "low"),
    }


def test_request_update_records_tag_and_category_changes(agent, ticket):
    CategoryFactory(name="network")
    request_update(actor=agent, request=ticket, changes={"tags": ["b", "a"], "category": "network"})
    request_update(actor=agent, request=ticket, changes={"tags": ["a"], "category": None})
    events = RequestEvent.objects.filter(request=ticket, kind=EventKind.CHANGED).order_by("id")
    assert [(e.field, e.old_value, e.new_value) for e in events] == [
        ("category", "", "network"),
        ("tags", "", "a, b"),
        ("category", "network", ""),
        ("tags", "a, b", "a"),
    ]


def test_request_update_without_changes_records_nothing(agent, ticket):
    request_update(actor=agent, request=ticket, changes={"title": ticket.title})
    assert changes_of(ticket) == {}


def test_resolving_and_closing_stamp_their_times_and_reopening_clears_them(agent, admin_user, ticket):
    resolved = request_update(actor=agent, request=ticket, changes={"status": Status.RESOLVED})
    assert resolved.resolved_at is not None and resolved.closed_at is None
    closed = request_update(actor=agent, request=ticket, changes={"status": Status.CLOSED})
    assert closed.resolved_at == resolved.resolved_at and closed.closed_at is not None
    # Only an admin reopens a closed request.
    reopened = request_update(actor=admin_user, request=ticket, changes={"status": Status.OPEN})
    assert reopened.resolved_at is None and reopened.closed_at is None


def test_request_update_on_a_deleted_request_is_not_found(admin_user, agent, ticket):
    request_delete(actor=admin_user, request_id=ticket.public_id)
    with pytest.raises(NotFound):
        request_update(actor=agent, request=ticket, changes={"title": "x"})


# --- assignment ----------------------------------------------------------------------------------------


def test_assigning_a_groupless_request_takes_the_agents_first_group(agent, ticket):
    GroupFactory(name="Beta", members=[agent])
    alpha = GroupFactory(name="Alpha", members=[agent])
    updated = request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id})
    assert (updated.assigned_to, updated.assigned_group, updated.status) == (agent, alpha, Status.ASSIGNED)
    assert changes_of(ticket) == {
        "status": (agent, "open", "assigned"),
        "assigned_to": (agent, "", agent.email),
        "assigned_group": (agent, "", "Alpha"),
    }


def test_assigning_outside_the_requests_group_is_refused(agent, group, ticket):
    request_update(actor=agent, request=ticket, changes={"assigned_group": group.public_id})
    outsider = AgentFactory()
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=ticket, changes={"assigned_to": outsider.public_id})
    assert "assigned_to" in caught.value.fields


def test_assigning_outside_the_group_is_allowed_when_the_group_changes_to_one_of_theirs(agent, group, ticket):
    request_update(actor=agent, request=ticket, changes={"assigned_group": group.public_id})
    outsider = AgentFactory()
    theirs = GroupFactory(name="Theirs", members=[outsider])
    updated = request_update(
        actor=agent, request=ticket, changes={"assigned_to": outsider.public_id, "assigned_group": theirs.public_id}
    )
    assert (updated.assigned_to, updated.assigned_group) == (outsider, theirs)


def test_moving_to_another_group_drops_an_assignee_who_is_not_a_member(agent, group, ticket):
    request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id})
    other = GroupFactory(name="Other")
    updated = request_update(actor=agent, request=ticket, changes={"assigned_group": other.public_id})
    assert (updated.assigned_to, updated.assigned_group, updated.status) == (None, other, Status.OPEN)


def test_moving_to_another_group_keeps_an_assignee_who_is_a_member(agent, group, ticket):
    request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id})
    other = GroupFactory(name="Other", members=[agent])
    updated = request_update(actor=agent, request=ticket, changes={"assigned_group": other.public_id})
    assert (updated.assigned_to, updated.assigned_group) == (agent, other)


def test_assigning_a_requester_is_refused(agent, other_requester, ticket):
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=ticket, changes={"assigned_to": other_requester.public_id})
    assert "assigned_to" in caught.value.fields


def test_assigning_a_deactivated_agent_is_refused(agent, ticket):
    gone = AgentFactory(is_active=False)
    with pytest.raises(ValidationFailed):
        request_update(actor=agent, request=ticket, changes={"assigned_to": gone.public_id})


def test_unassigning_an_assigned_request_moves_it_back_to_open(agent, ticket):
    request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id})
    updated = request_update(actor=agent, request=ticket, changes={"assigned_to": None})
    assert (updated.assigned_to, updated.status) == (None, Status.OPEN)


def test_reassigning_keeps_a_working_status(agent, group, ticket):
    colleague = AgentFactory()
    group.members.add(colleague)
    request_update(actor=agent, request=ticket, changes={"assigned_to": agent.public_id, "status": Status.IN_PROGRESS})
    updated = request_update(actor=agent, request=ticket, changes={"assigned_to": colleague.public_id})
    assert (updated.assigned_to, updated.status) == (colleague, Status.IN_PROGRESS)


@pytest.mark.parametrize("status", [Status.ASSIGNED, Status.IN_PROGRESS])
def test_a_working_status_needs_an_assignee(agent, ticket, status):
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=ticket, changes={"status": status})
    assert "status" in caught.value.fields
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


# --- requester restrictions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"priority": Priority.CRITICAL},
        {"assigned_to": None},
        {"assigned_group": None},
        {"tags": ["x"]},
        {"category": None},
        {"resolution": "done"},
        {"status": Status.PENDING},
        {"status": Status.IN_PROGRESS},
    ],
)
def test_requesters_cannot_change_what_agents_decide(requester, ticket, changes):
    with pytest.raises(PermissionDenied):
        request_update(actor=requester, request=ticket, changes=changes)
    assert changes_of(ticket) == {}


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_requesters_may_resolve_or_close_their_own_requests(requester, ticket, status):
    assert request_update(actor=requester, request=ticket, changes={"status": status}).status == status


def test_requesters_may_reopen_their_resolved_request(agent, requester, ticket):
    request_update(actor=agent, request=ticket, changes={"status": Status.RESOLVED})
    assert request_update(actor=requester, request=ticket, changes={"status": Status.OPEN}).status == Status.OPEN


def test_requesters_cannot_touch_another_requesters_request(other_requester, ticket):
    with pytest.raises(NotFound):
        request_update(actor=other_requester, request=ticket, changes={"title": "mine"})
    with pytest.raises(NotFound):
        comment_add(actor=other_requester, request=ticket, content="hello")
    with pytest.raises(NotFound):
        attachment_add(actor=other_requester, request=ticket, upload=upload())


# --- delete --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_only_admins_delete(request, ticket, who):
    with pytest.raises(PermissionDenied):
        request_delete(actor=request.getfixturevalue(who), request_id=ticket.public_id)


def test_non_admins_learn_nothing_about_unknown_ids_from_delete(agent):
    with pytest.raises(PermissionDenied):
        request_delete(actor=agent, request_id="req_nosuchthing0000")


def test_delete_is_soft_and_restore_brings_it_back(admin_user, ticket):
    request_delete(actor=admin_user, request_id=ticket.public_id)
    assert not Request.objects.filter(pk=ticket.pk).exists()
    deleted = Request.all_objects.get(pk=ticket.pk)
    assert deleted.deleted_at is not None
    request_restore(actor=admin_user, request=deleted)
    assert Request.objects.filter(pk=ticket.pk).exists()
    kinds = list(RequestEvent.objects.filter(request=ticket).values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.DELETED, EventKind.RESTORED]


# --- comments ------------------------------------------------------------------------------------------


def test_requesters_cannot_add_internal_notes(requester, ticket):
    with pytest.raises(PermissionDenied):
        comment_add(actor=requester, request=ticket, content="psst", is_internal=True)


def test_an_agents_first_public_comment_sets_first_response(agent, ticket):
    comment_add(actor=agent, request=ticket, content="note", is_internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    comment = comment_add(actor=agent, request=ticket, content="reply")
    ticket.refresh_from_db()
    assert ticket.first_response_at == comment.created_at


def test_an_agent_commenting_on_their_own_request_is_not_a_first_response(agent):
    own = create(agent)
    comment_add(actor=agent, request=own, content="note to self")
    own.refresh_from_db()
    assert own.first_response_at is None


@pytest.mark.parametrize(
    ("assigned", "before", "after"),
    [
        (True, Status.PENDING, Status.IN_PROGRESS),
        (False, Status.PENDING, Status.OPEN),
        (True, Status.RESOLVED, Status.IN_PROGRESS),
    ],
)
def test_a_requester_reply_puts_the_request_back_to_work(agent, requester, ticket, assigned, before, after):
    changes = {"status": before, **({"assigned_to": agent.public_id} if assigned else {})}
    request_update(actor=agent, request=ticket, changes=changes)
    comment_add(actor=requester, request=ticket, content="more info")
    ticket.refresh_from_db()
    assert ticket.status == after
    assert ticket.resolved_at is None
    assert changes_of(ticket)["status"] == (requester, before, after)


def test_empty_comments_are_refused(agent, ticket):
    with pytest.raises(ValidationFailed) as caught:
        comment_add(actor=agent, request=ticket, content="  \n ")
    assert "content" in caught.value.fields


# --- attachments ---------------------------------------------------------------------------------------


def test_attachment_add_stores_the_file_under_a_random_name(requester, ticket):
    attachment = attachment_add(actor=requester, request=ticket, upload=upload("report.pdf", b"%PDF-1.4"))
    assert attachment.filename == "report.pdf"
    assert attachment.size == 8
    assert attachment.content_type == "application/pdf"
    assert attachment.public_id in attachment.file.name
    assert "report" not in attachment.file.name
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4"


def test_attachment_add_refuses_files_over_the_limit(settings, requester, ticket):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(TooLarge) as caught:
        attachment_add(actor=requester, request=ticket, upload=upload("big.bin", b"x" * 11))
    assert "file" in caught.value.fields
    assert not Attachment.objects.exists()


def test_attachment_add_refuses_empty_files(requester, ticket):
    with pytest.raises(ValidationFailed) as caught:
        attachment_add(actor=requester, request=ticket, upload=upload("empty.txt", b""))
    assert "file" in caught.value.fields


def test_requesters_cannot_attach_to_internal_notes(agent, requester, ticket):
    note = comment_add(actor=agent, request=ticket, content="internal", is_internal=True)
    with pytest.raises(PermissionDenied):
        attachment_add(actor=requester, request=ticket, upload=upload(), comment=note)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
        ("report final.pdf", "report final.pdf"),
        ("evil<script>.html", "evil_script_.html"),
        ("new\nline.txt", "newline.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("/", "attachment"),
        (".bashrc", "bashrc"),
    ],
)
def test_sanitize_filename_strips_paths_and_unsafe_characters(raw, clean):
    assert sanitize_filename(raw) == clean


def test_sanitize_filename_caps_the_length_and_keeps_the_extension():
    name = sanitize_filename("a" * 300 + ".png")
    assert len(name) <= 200
    assert name.endswith(".png")


# --- accounts ------------------------------------------------------------------------------------------


def test_only_admins_create_users(agent, admin_user):
    with pytest.raises(PermissionDenied):
        user_create(actor=agent, email="new@example.com")
    assert user_create(actor=admin_user, email=" New@Example.com ").email == "new@example.com"


def test_user_create_refuses_a_taken_email(admin_user, requester):
    with pytest.raises(ValidationFailed) as caught:
        user_create(actor=admin_user, email=requester.email.upper())
    assert "email" in caught.value.fields


def test_user_create_refuses_a_weak_password(admin_user):
    with pytest.raises(ValidationFailed) as caught:
        user_create(actor=admin_user, email="new@example.com", password="123")
    assert "password" in caught.value.fields


def test_requesters_cannot_be_group_members(admin_user, group, requester):
    with pytest.raises(ValidationFailed):
        user_create(actor=admin_user, email="r@example.com", group_ids=[group.public_id])
    with pytest.raises(ValidationFailed) as caught:
        group_update(actor=admin_user, group=group, changes={"member_ids": [requester.public_id]})
    assert "members" in caught.value.fields


def test_a_user_may_change_only_their_own_name_and_password(requester):
    changes = {"name": "  Rita R  ", "password": "a much better secret", "current_password": "correct horse battery"}
    user_update(actor=requester, user=requester, changes=changes)
    requester.refresh_from_db()
    assert requester.name == "Rita R"
    assert requester.check_password("a much better secret")
    for changes in ({"role": Role.ADMIN}, {"is_vip": True}, {"email": "x@example.com"}, {"group_ids": []}):
        with pytest.raises(PermissionDenied):
            user_update(actor=requester, user=requester, changes=changes)


def test_agents_cannot_change_other_users(agent, requester):
    with pytest.raises(PermissionDenied):
        user_update(actor=agent, user=requester, changes={"name": "Renamed"})


def test_admins_cannot_demote_themselves(admin_user):
    with pytest.raises(ValidationFailed):
        user_update(actor=admin_user, user=admin_user, changes={"role": Role.AGENT})


def test_demoting_an_agent_to_requester_removes_them_from_groups(admin_user, agent, group):
    user_update(actor=admin_user, user=agent, changes={"role": Role.REQUESTER})
    assert not group.members.filter(pk=agent.pk).exists()


def test_only_admins_manage_groups(agent, admin_user, group):
    with pytest.raises(PermissionDenied):
        group_create(actor=agent, name="New team")
    with pytest.raises(PermissionDenied):
        group_update(actor=agent, group=group, changes={"name": "Renamed"})
    assert group_create(actor=admin_user, name="New team", member_ids=[agent.public_id]).members.get() == agent


def test_group_names_are_unique_regardless_of_case(admin_user, group):
    with pytest.raises(ValidationFailed) as caught:
        group_create(actor=admin_user, name=group.name.upper())
    assert "name" in caught.value.fields


def test_comment_add_on_a_deleted_request_is_not_found(admin_user, agent, ticket):
    request_delete(actor=admin_user, request_id=ticket.public_id)
    with pytest.raises(NotFound):
        comment_add(actor=agent, request=ticket, content="hello?")
