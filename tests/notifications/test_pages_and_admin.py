"""The agents' preferences page and the notifications admin."""

import pytest
from django.test import Client

from notifications.models import Delivery, DeliveryStatus, NotificationPreference, NotificationRule, Rule
from tickets.models import Priority
from tickets.services import request_create

URL = "/agent/preferences/notifications"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_agent_sees_a_switch_per_event_type_all_on_at_first(agent):
    page = logged_in(agent).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="checkbox"') == 5
    assert html.count("checked") == 5
    assert "New requests in my groups" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<script>" not in html  # the CSP allows no inline script


def test_an_agent_switches_events_off_and_the_page_remembers(agent):
    client = logged_in(agent)
    response = client.post(URL, {"assigned": "on", "sla_breached": "on"})
    assert response.status_code == 302
    prefs = NotificationPreference.objects.get(user=agent)
    assert (prefs.assigned, prefs.sla_breached) == (True, True)
    assert (prefs.request_created_agents, prefs.requester_reply, prefs.sla_at_risk) == (False, False, False)
    page = client.get(URL).content.decode()
    assert page.count("checked") == 2
    assert "preferences are saved" in page


def test_requesters_are_sent_to_their_own_pages(requester):
    response = logged_in(requester).get(URL)
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_user_menu_links_to_the_preferences(agent, requester):
    assert f'href="{URL}"' in logged_in(agent).get("/agent/").content.decode()
    assert f'href="{URL}"' not in logged_in(requester).get("/").content.decode()


def test_admin_lists_deliveries_with_filters_and_retries_them(admin_user, requester):
    request_create(actor=requester, title="Printer", description="x", priority=Priority.LOW)
    row = Delivery.objects.get(event=Rule.REQUEST_CREATED_REQUESTER)
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, due_at=None, last_error="SMTP down")
    client = logged_in(admin_user)
    listing = client.get("/admin/notifications/delivery/?status__exact=failed")
    assert listing.status_code == 200 and row.public_id in listing.content.decode()
    response = client.post(
        "/admin/notifications/delivery/", {"action": "retry_selected", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 delivery queued again" in response.content.decode()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.PENDING and row.due_at is not None


@pytest.mark.parametrize(
    "path",
    [
        "/admin/notifications/notificationrule/",
        "/admin/notifications/notificationpreference/",
        "/admin/notifications/webhookendpoint/",
        "/admin/notifications/webhookendpoint/add/",
        "/admin/notifications/delivery/",
    ],
)
def test_admin_pages_open(admin_user, path):
    assert logged_in(admin_user).get(path).status_code == 200


def test_admin_switches_a_rule_off(admin_user):
    rule = NotificationRule.objects.get(rule=Rule.ASSIGNED)
    rule.enabled = False
    rule.save()
    assert not NotificationRule.objects.get(rule=Rule.ASSIGNED).enabled


def test_admin_registers_a_webhook_and_sees_its_secret_once(admin_user):
    client = logged_in(admin_user)
    response = client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"url": "http://127.0.0.1:9/hook", "events": ["request.created"], "active": "on", "description": ""},
        follow=True,
    )
    from notifications.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    change = client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in change


def test_admin_refuses_a_private_webhook_address(admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = logged_in(admin_user).post(
        "/admin/notifications/webhookendpoint/add/",
        {"url": "http://10.0.0.5/hook", "events": ["request.created"], "active": "on"},
        follow=True,
    )
    assert "WEBHOOK_ALLOW_PRIVATE" in response.content.decode()
