import re
from datetime import timedelta

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin, ForeignKeyRawIdWidget, ManyToManyRawIdWidget
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection
from django.test import Client
from django.test import RequestFactory as HttpRequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Group, Role, SignupRequest, User, hash_token
from accounts.services import token_issue
from mailboxes.services import mailbox_create
from mailboxes.services import message_receive as mailbox_receive
from notifications.models import NotificationPreference, WebhookEndpoint
from sla.models import BusinessCalendar, PendingRebuild, SlaTier
from sla.services import clocks_rebuild, sla_defaults_install
from surveys.models import Survey
from surveys.services import survey_save
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    CommentFactory,
    GroupFactory,
    RequestFactory,
    upload,
)
from tickets.models import (
    Attachment,
    Comment,
    EventKind,
    Macro,
    Priority,
    Request,
    RequestEvent,
    SavedView,
    Status,
    Tag,
)
from tickets.services import attachment_add, comment_add, request_create, request_delete, request_update


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_data(response) -> dict:
    """The POST a browser would send for an admin change page as rendered, inline formsets included."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled:
            continue
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        for row in formset.initial_forms:
            data[row.add_prefix("id")] = row.instance.pk
    return data


def select_action(client, model, action: str, objects):
    return client.post(
        url(model, "changelist"),
        {"action": action, "index": 0, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


@pytest.fixture
def client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def live_request(requester, agent, group):
    return request_create(
        actor=agent,
        title="Printer on fire",
        description="Smoke everywhere",
        priority=Priority.HIGH,
        requester_id=requester.public_id,
    )


@pytest.fixture
def one_of_everything(live_request, agent, requester, admin_user):
    comment = comment_add(actor=agent, request=live_request, content="On my way", is_internal=True)
    attachment_add(actor=requester, request=live_request, upload=upload())
    token_issue(user=agent, name="laptop")
    Tag.objects.create(name="printer")
    CategoryFactory()
    sla_defaults_install()
    clocks_rebuild()
    PendingRebuild.objects.create()
    SavedView.objects.create(name="Mine", query="assignee=me", owner=agent)
    Macro.objects.create(name="Thanks", body="Thanks, {{ requester.name }}!", owner=agent)
    SignupRequest.objects.create(email="new@example.com", name="New", password_hash="x", token_hash="y")
    survey_save(actor=admin_user, survey=Survey(name="After solving", cs_scale=5, is_active=True))
    request_update(actor=agent, request=live_request, changes={"status": "resolved"})  # sends the survey
    NotificationPreference.objects.create(user=agent, sla_at_risk=False)
    WebhookEndpoint.objects.create(url="https://hooks.example.com/helpdesk", events=["request.created"])
    mailbox_receive(mailbox=mailbox_create(actor=None, name="Support", address="support@example.com")[0], raw=b"x")
    return comment


# --- access and pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_django_auth_group_is_not_in_the_admin():
    assert AuthGroup not in admin.site._registry
    assert Group in admin.site._registry


def test_every_changelist_add_and_change_page_renders(client, admin_user, one_of_everything):
    request = HttpRequestFactory().get("/")
    request.user = admin_user
    checked = []
    for model, model_admin in admin.site._registry.items():
        assert client.get(url(model, "changelist")).status_code == 200, model
        add_expected = 200 if model_admin.has_add_permission(request) else 403
        assert client.get(url(model, "add")).status_code == add_expected, model
        obj = model_admin.get_queryset(request).first()
        assert obj is not None, model
        assert client.get(url(model, "change", obj.pk)).status_code == 200, model
        checked.append(model)
    assert {User, Group, ApiToken, Request, Comment, Attachment, RequestEvent, SlaTier, Tag} <= set(checked)


def test_an_agent_is_sent_to_the_admin_login(agent):
    client = Client()
    client.force_login(agent)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_no_admin_form_builds_a_select_box_of_a_whole_table(admin_user, one_of_everything):
    request = HttpRequestFactory().get("/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        obj = model_admin.get_queryset(request).first()
        form_classes = []
        if model_admin.has_add_permission(request):
            form_classes.append(model_admin.get_form(request, None))
        if model_admin.has_change_permission(request, obj):
            form_classes.append(model_admin.get_form(request, obj, change=True))
        parent_keys = set()
        for formset_class, _inline in model_admin.get_formsets_with_inlines(request, obj):
            form_classes.append(formset_class.form)
            if hasattr(formset_class, "fk"):
                parent_keys.add((formset_class.form, formset_class.fk.name))  # hidden, not a select
        for form_class in form_classes:
            for name, field in form_class.base_fields.items():
                if (form_class, name) in parent_keys:
                    continue
                if isinstance(field, forms.ModelChoiceField) and name != "id":
                    widget = getattr(field.widget, "widget", field.widget)  # unwrap RelatedFieldWidgetWrapper
                    assert isinstance(widget, AutocompleteMixin | ForeignKeyRawIdWidget | ManyToManyRawIdWidget), (
                        f"{model.__name__}.{name} renders a plain select"
                    )


# --- requests ----------------------------------------------------------------------------------


def test_request_change_page_shows_its_comments_attachments_and_history(client, live_request, agent, requester):
    comment_add(actor=agent, request=live_request, content="Have you tried turning it off?")
    attachment = attachment_add(actor=requester, request=live_request, upload=upload("smoke.png"))

    response = client.get(url(Request, "change", live_request.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"#{live_request.pk}" in page
    assert live_request.public_id in page
    assert "Have you tried turning it off?" in page
    assert f'href="/v1/attachments/{attachment.public_id}"' in page
    assert "smoke.png" in page
    prefixes = {inline.formset.prefix for inline in response.context["inline_admin_formsets"]}
    assert prefixes == {"comments", "attachments", "events"}
    events = next(i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "events")
    assert len(events.formset.forms) == RequestEvent.objects.filter(request=live_request).count() == 3


def test_a_deleted_request_is_listed_and_restoring_it_brings_it_back_to_the_api(
    client, live_request, admin_user, agent, api_for
):
    request_delete(actor=admin_user, request_id=live_request.public_id)
    api = api_for(agent)
    assert api.get(f"/v1/requests/{live_request.public_id}").status_code == 404

    listed = client.get(url(Request, "changelist"), {"deleted": "yes"})
    assert list(listed.context["cl"].result_list) == [live_request]
    assert client.get(url(Request, "changelist"), {"deleted": "no"}).context["cl"].result_count == 0

    response = select_action(client, Request, "restore_selected", [live_request])

    assert "Restored 1 request." in messages_of(response)
    assert api.get(f"/v1/requests/{live_request.public_id}").status_code == 200
    assert RequestEvent.objects.filter(request=live_request, kind=EventKind.RESTORED, actor=admin_user).exists()


def test_the_soft_delete_action_hides_requests_from_the_api_until_restored(
    client, live_request, admin_user, agent, api_for
):
    api = api_for(agent)

    response = select_action(client, Request, "soft_delete_selected", [live_request])

    assert "Deleted 1 request; restore them from here." in messages_of(response)
    assert api.get(f"/v1/requests/{live_request.public_id}").status_code == 404
    assert Request.all_objects.get(pk=live_request.pk).deleted_at is not None
    assert RequestEvent.objects.filter(request=live_request, kind=EventKind.DELETED, actor=admin_user).exists()


def test_requests_cannot_be_hard_deleted(client, live_request):
    assert client.get(url(Request, "delete", live_request.pk)).status_code == 403
    actions = client.get(url(Request, "changelist")).context["action_form"].fields["action"].choices
    assert "delete_selected" not in {name for name, _label in actions}
    assert Request.all_objects.filter(pk=live_request.pk).exists()


def test_a_deleted_request_is_shown_read_only(client, live_request, admin_user):
    request_delete(actor=admin_user, request_id=live_request.public_id)

    response = client.get(url(Request, "change", live_request.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(url(Request, "change", live_request.pk), {"title": "x"}).status_code == 403


def test_requests_are_found_by_title_id_number_and_requester_email(client, live_request):
    RequestFactory(title="Something else")

    def found(term: str) -> list[Request]:
        return list(client.get(url(Request, "changelist"), {"q": term}).context["cl"].result_list)

    for term in ("fire", live_request.public_id, f"#{live_request.pk}", "rita@example"):
        assert found(term) == [live_request], term
    # A bare number finds that request as well as any text that contains the digits.
    assert live_request in found(str(live_request.pk))


def test_editing_a_request_goes_through_the_service(client, live_request, agent, group, admin_user):
    data = form_data(client.get(url(Request, "change", live_request.pk)))
    data.update(assigned_group=group.pk, assigned_to=agent.pk, priority=Priority.CRITICAL)

    response = client.post(url(Request, "change", live_request.pk), data, follow=True)

    assert response.status_code == 200
    live_request.refresh_from_db()
    assert (live_request.assigned_to, live_request.status, live_request.priority) == (
        agent,
        Status.ASSIGNED,
        Priority.CRITICAL,
    )
    recorded = set(
        RequestEvent.objects.filter(request=live_request, kind=EventKind.CHANGED, actor=admin_user).values_list(
            "field", flat=True
        )
    )
    assert recorded == {"assigned_to", "assigned_group", "priority", "status"}


def test_an_edit_the_service_refuses_is_rolled_back_with_its_message(client, live_request):
    data = form_data(client.get(url(Request, "change", live_request.pk)))
    data.update(status=Status.IN_PROGRESS, priority=Priority.LOW)

    response = client.post(url(Request, "change", live_request.pk), data, follow=True)

    assert "a request must be assigned to be in_progress" in messages_of(response)
    live_request.refresh_from_db()
    assert (live_request.status, live_request.priority) == (Status.OPEN, Priority.HIGH)


def test_adding_a_request_goes_through_the_service(client, requester, admin_user):
    CategoryFactory()
    response = client.post(
        url(Request, "add"),
        {
            "title": " Need a laptop ",
            "description": "Mine broke",
            "priority": Priority.LOW,
            "source": "email",
            "requester": requester.pk,
            "category": CategoryFactory().pk,
        },
        follow=True,
    )

    assert response.status_code == 200
    created = Request.objects.get()
    assert (created.title, created.requester, created.category.name) == ("Need a laptop", requester, "software")
    assert RequestEvent.objects.filter(request=created, kind=EventKind.CREATED, actor=admin_user).exists()


def test_request_changelist_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(30):
        agent = AgentFactory()
        group = GroupFactory(members=[agent])
        RequestFactory(assigned_to=agent, assigned_group=group, category=CategoryFactory())

    with django_assert_max_num_queries(12):
        response = client.get(url(Request, "changelist"))

    assert response.context["cl"].result_count == 30


def _populate(count: int) -> None:
    for _ in range(count):
        agent = AgentFactory()
        group = GroupFactory(members=[agent])
        request = RequestFactory(assigned_to=agent, assigned_group=group)
        comment = CommentFactory(request=request, author=agent)
        RequestEvent.objects.create(request=request, actor=agent, kind=EventKind.CREATED)
        Attachment.objects.create(
            request=request, comment=comment, file="attachments/x", filename="x.txt", size=1, uploaded_by=agent
        )
        token_issue(user=agent, name="ci")


@pytest.mark.parametrize("model", [User, Group, ApiToken, Request, Comment, Attachment, RequestEvent])
def test_changelist_query_count_does_not_grow_with_the_rows(client, model):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(model, "changelist")).status_code == 200
        return len(captured)

    _populate(2)
    few = queries()
    _populate(20)
    assert queries() == few


# --- comments, history, SLA tiers, tags --------------------------------------------------------


def test_an_admin_adds_a_comment_through_the_service(client, live_request, admin_user):
    response = client.post(
        url(Comment, "add"), {"request": live_request.pk, "content": "Escalated", "is_internal": "on"}, follow=True
    )

    assert response.status_code == 200
    comment = Comment.objects.get(request=live_request)
    assert (comment.author, comment.is_internal) == (admin_user, True)
    assert RequestEvent.objects.filter(request=live_request, kind=EventKind.COMMENTED, new_value=comment.public_id)


def test_a_comment_on_a_deleted_request_is_refused(client, live_request, admin_user):
    request_delete(actor=admin_user, request_id=live_request.public_id)

    response = client.post(url(Comment, "add"), {"request": live_request.pk, "content": "Hello"})

    assert response.status_code == 200
    assert "request" in response.context["adminform"].form.errors
    assert not Comment.objects.exists()


def test_only_a_comments_content_can_be_edited(client, live_request, agent):
    comment = comment_add(actor=agent, request=live_request, content="password is hunter2", is_internal=True)

    client.post(url(Comment, "change", comment.pk), {"content": "[redacted]", "is_internal": ""})

    comment.refresh_from_db()
    assert (comment.content, comment.is_internal) == ("[redacted]", True)
    assert client.get(url(Comment, "delete", comment.pk)).status_code == 403


def test_request_events_are_read_only(client, live_request):
    event = RequestEvent.objects.get(request=live_request)
    assert client.get(url(RequestEvent, "add")).status_code == 403
    assert client.post(url(RequestEvent, "change", event.pk), {"field": "x"}).status_code == 403
    assert client.get(url(RequestEvent, "delete", event.pk)).status_code == 403


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_the_sla_tier_form_refuses_zero_minutes(client):
    target = {"priority": Priority.LOW, "first_response_minutes": 0, "resolution_minutes": 60, "business_hours": "on"}
    response = client.post(url(SlaTier, "add"), {"name": "Broken", **_inline("targets", [target])})

    assert response.status_code == 200
    assert "first_response_minutes" in response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert not SlaTier.objects.exists()


def test_a_tier_is_saved_with_its_targets(client):
    target = {"priority": Priority.HIGH, "first_response_minutes": 30, "resolution_minutes": 240}
    response = client.post(url(SlaTier, "add"), {"name": "Gold", **_inline("targets", [target])})

    assert response.status_code == 302
    assert SlaTier.objects.get(name="Gold").targets.get().first_response_minutes == 30


def test_the_calendar_form_refuses_overlapping_opening_hours(client):
    hours = [
        {"weekday": 0, "opens": "09:00", "closes": "13:00"},
        {"weekday": 0, "opens": "12:00", "closes": "18:00"},
    ]
    data = {"name": "Desk", "time_zone": "Europe/Berlin", **_inline("opening_hours", hours), **_inline("holidays", [])}
    response = client.post(url(BusinessCalendar, "add"), data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert not BusinessCalendar.objects.exists()


def test_the_calendar_form_refuses_an_unknown_time_zone(client):
    data = {"name": "Desk", "time_zone": "Mars/Olympus", **_inline("opening_hours", []), **_inline("holidays", [])}
    response = client.post(url(BusinessCalendar, "add"), data)

    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors


def test_tag_names_follow_the_api_rules(client):
    client.post(url(Tag, "add"), {"name": " VPN "})
    response = client.post(url(Tag, "add"), {"name": "two words"})

    assert list(Tag.objects.values_list("name", flat=True)) == ["vpn"]
    assert "name" in response.context["adminform"].form.errors


# --- users and groups --------------------------------------------------------------------------


def test_adding_a_user_hashes_the_password(client):
    response = client.post(
        url(User, "add"),
        {
            "email": "New.Agent@Example.com",
            "name": "New Agent",
            "role": Role.AGENT,
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
        follow=True,
    )

    assert response.status_code == 200
    user = User.objects.get(email="new.agent@example.com")
    assert user.role == Role.AGENT
    assert user.password != "a long passphrase 42"
    assert user.check_password("a long passphrase 42")


def test_the_user_add_form_refuses_a_taken_email_and_mismatched_passwords(client, requester):
    response = client.post(
        url(User, "add"),
        {"email": "RITA@example.com", "role": Role.REQUESTER, "password1": "a long passphrase 42", "password2": "x"},
    )

    errors = response.context["adminform"].form.errors
    assert set(errors) == {"email", "password2"}
    assert User.objects.filter(email__iexact="rita@example.com").count() == 1


def test_the_user_change_page_links_to_the_password_form(client, agent):
    response = client.get(url(User, "change", agent.pk))
    assert response.status_code == 200
    assert agent.public_id in response.content.decode()
    assert 'href="../password/"' in response.content.decode()

    response = client.post(
        reverse("admin:auth_user_password_change", args=[agent.pk]),
        {"password1": "another long phrase 7", "password2": "another long phrase 7"},
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("another long phrase 7")


def test_a_user_demoted_to_requester_leaves_their_groups(client, agent, group):
    data = form_data(client.get(url(User, "change", agent.pk)))
    data["role"] = Role.REQUESTER

    client.post(url(User, "change", agent.pk), data)

    agent.refresh_from_db()
    assert agent.role == Role.REQUESTER
    assert not group.members.exists()


def test_an_admin_cannot_demote_themselves(client, admin_user):
    data = form_data(client.get(url(User, "change", admin_user.pk)))
    data["role"] = Role.AGENT

    response = client.post(url(User, "change", admin_user.pk), data, follow=True)

    assert "admins cannot demote themselves" in messages_of(response)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_a_group_with_a_requester_as_member_is_refused_by_the_form(client, agent, requester):
    response = client.post(url(Group, "add"), {"name": "Hardware", "members": [agent.pk, requester.pk]})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["members"] == [
        "Only active agents and admins can be group members: rita@example.com."
    ]
    assert not Group.objects.filter(name="Hardware").exists()


def test_a_group_of_agents_is_saved_with_its_members(client, agent, admin_user, group):
    client.post(url(Group, "add"), {"name": "Hardware", "members": [agent.pk, admin_user.pk]})
    client.post(url(Group, "change", group.pk), {"name": "Software", "description": "Apps", "members": [admin_user.pk]})

    assert set(Group.objects.get(name="Hardware").members.all()) == {agent, admin_user}
    group.refresh_from_db()
    assert (group.name, group.description, list(group.members.all())) == ("Software", "Apps", [admin_user])


def test_a_group_name_is_unique_whatever_its_case(client, group):
    response = client.post(url(Group, "add"), {"name": "software support"})
    assert "name" in response.context["adminform"].form.errors


def test_member_autocomplete_offers_only_active_agents_and_admins(client, agent, admin_user, requester):
    AgentFactory(email="gone@example.com", is_active=False)

    def offered(model_name: str, field_name: str) -> set[str]:
        app_label = "accounts" if model_name == "group" else "tickets"
        params = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": "example"}
        response = client.get(reverse("admin:autocomplete"), params)
        return {result["text"] for result in response.json()["results"]}

    assert offered("group", "members") == {str(agent), str(admin_user)}
    assert offered("request", "assigned_to") == {str(agent), str(admin_user)}
    assert str(requester) in offered("request", "requester")


# --- API tokens --------------------------------------------------------------------------------


def test_adding_a_token_shows_it_once_and_it_authenticates(client, agent):
    response = client.post(url(ApiToken, "add"), {"user": agent.pk, "name": "CI"}, follow=True)

    shown = [m for m in messages_of(response) if "copy it now" in m]
    assert len(shown) == 1
    raw = re.search(r"hd_[\w-]+", shown[0]).group()
    token = ApiToken.objects.get(user=agent)
    assert (token.name, token.key_hash, token.hint) == ("CI", hash_token(raw), raw[:10])
    assert raw not in client.get(url(ApiToken, "changelist")).content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    me = api.get("/v1/users/me")
    assert me.status_code == 200
    assert me.json()["data"]["id"] == agent.public_id


def test_a_token_is_never_shown_with_its_hash_and_only_its_expiry_can_change(client, agent, admin_user):
    token, raw = token_issue(user=agent, name="laptop")

    page = client.get(url(ApiToken, "change", token.pk)).content.decode()

    assert token.key_hash not in page
    assert token.hint in page
    response = client.post(
        url(ApiToken, "change", token.pk),
        {"name": "renamed", "user": admin_user.pk, "expires_at_0": "2000-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.name, token.user, token.key_hash) == ("laptop", agent, hash_token(raw))
    assert token.expires_at.year == 2000
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/v1/users/me").status_code == 401

    client.post(url(ApiToken, "change", token.pk), {"expires_at_0": "", "expires_at_1": ""})
    token.refresh_from_db()
    assert token.expires_at is None
    assert api.get("/v1/users/me").status_code == 200


def test_the_token_list_shows_last_use_expiry_and_revocation(client, agent):
    used, raw = token_issue(user=agent, name="used", expires_at=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api.get("/v1/users/me")
    token_issue(user=agent, name="expiring", expires_at=timezone.now() + timedelta(days=3))

    response = client.get(url(ApiToken, "changelist"))

    columns = list(response.context["cl"].list_display)
    assert {"last_used_at", "expires_at", "revoked_at"} <= set(columns)
    used.refresh_from_db()
    rows = {row.name: row for row in response.context["cl"].result_list}
    assert rows["used"].last_used_at == used.last_used_at is not None
    page = response.content.decode()
    for header in ("Last used at", "Expires at", "Revoked at"):
        assert header in page
    assert "field-last_used_at" in page and "field-expires_at" in page


def test_the_token_add_form_offers_the_ttl_expiry_and_an_admin_may_clear_it(client, agent, settings):
    settings.API_TOKEN_TTL_DAYS = 7

    form = client.get(url(ApiToken, "add")).context["adminform"].form
    offered = form.initial["expires_at"]
    assert timedelta(days=6, hours=23) < offered - timezone.now() <= timedelta(days=7)

    client.post(url(ApiToken, "add"), {"user": agent.pk, "name": "forever", "expires_at_0": "", "expires_at_1": ""})
    assert ApiToken.objects.get(name="forever").expires_at is None


def test_the_revoke_action_revokes_tokens(client, agent):
    token, raw = token_issue(user=agent, name="laptop")

    response = select_action(client, ApiToken, "revoke_selected", [token])

    assert "Revoked 1 token." in messages_of(response)
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/v1/users/me").status_code == 401


def test_the_comment_form_offers_only_live_requests(client, live_request, admin_user):
    kept = RequestFactory(title="Still here")
    request_delete(actor=admin_user, request_id=live_request.public_id)
    params = {"app_label": "tickets", "model_name": "comment", "field_name": "request", "term": ""}

    results = client.get(reverse("admin:autocomplete"), params).json()["results"]

    assert [result["id"] for result in results] == [str(kept.pk)]
