"""Saved views: an agent's own, shared ones by admins; reordered and deleted; counted in the sidebar."""

import pytest
from django.test import Client

from tests.factories import AgentFactory
from tickets.models import SavedView
from tickets.services import request_create, request_update

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save(client, name, query, **extra):
    return client.post("/agent/views/save", {"name": name, "query": query, **extra})


def test_an_agent_saves_the_current_filters_and_finds_them_in_the_sidebar_with_a_count(agent, requester):
    made = request_create(actor=requester, title="Printer", description="d", priority="high")
    request_update(actor=agent, request=made, changes={"tags": ["printer"]})
    client = client_for(agent)
    response = save(client, "Printers", "tag=printer&sort=-updated&page=3")
    assert response.status_code == 302 and response["Location"] == "/agent/?tag=printer&sort=-updated&page=3"
    view = SavedView.objects.get()
    assert (view.owner, view.query) == (agent, "tag=printer&sort=-updated")  # the page is not part of a view

    nav = client.get("/agent/views/counts?tag=printer&sort=-updated")
    body = nav.content.decode()
    assert "My views" in body and "Printers" in body
    assert nav.context["counts"][view.slug] == 1
    assert 'aria-current="page"' in body
    assert client.get("/agent/?sort=-updated&tag=printer").context["active_view"] == view


def test_views_are_personal_unless_an_admin_shares_them(agent, admin_user):
    other = AgentFactory()
    save(client_for(agent), "Mine", "status=open")
    save(client_for(agent), "Trying to share", "status=open", shared="on")
    save(client_for(admin_user), "Everyone's", "priority=high", shared="on")
    assert sorted(SavedView.objects.values_list("name", "owner")) == [("Everyone's", None), ("Mine", agent.pk)]
    names = [v.name for v in client_for(other).get("/agent/").context["saved_views"]]
    assert names == ["Everyone's"]
    assert [v.name for v in client_for(agent).get("/agent/").context["saved_views"]] == ["Everyone's", "Mine"]


def test_a_view_of_invalid_filters_or_without_a_name_is_refused_with_a_message(agent):
    client = client_for(agent)
    page = client.get(save(client, "", "status=open")["Location"])
    assert "give the view a name" in page.content.decode()
    save(client, "Broken", "status=exploded")
    assert not SavedView.objects.exists()


def test_views_are_reordered_and_deleted_by_their_owner_only(agent, admin_user):
    client = client_for(agent)
    for name in ("A", "B", "C"):
        save(client, name, f"q={name}")
    c = SavedView.objects.get(name="C")
    client.post(f"/agent/views/{c.pk}/move", {"to": "up"})
    client.post(f"/agent/views/{c.pk}/move", {"to": "up"})
    client.post(f"/agent/views/{c.pk}/move", {"to": "up"})  # already first: nothing moves
    assert [v.name for v in SavedView.objects.order_by("position")] == ["C", "A", "B"]

    stranger = client_for(AgentFactory())
    assert stranger.post(f"/agent/views/{c.pk}/delete").status_code == 404
    assert stranger.post(f"/agent/views/{c.pk}/move", {"to": "down"}).status_code == 404
    client.post(f"/agent/views/{c.pk}/delete")
    assert list(SavedView.objects.values_list("name", flat=True).order_by("position")) == ["A", "B"]


def test_only_admins_change_shared_views(agent, admin_user):
    save(client_for(admin_user), "Shared", "status=open", shared="on")
    view = SavedView.objects.get()
    assert client_for(agent).post(f"/agent/views/{view.pk}/delete").status_code == 403
    assert "Delete Shared" not in client_for(agent).get("/agent/views/").content.decode()
    client_for(admin_user).post(f"/agent/views/{view.pk}/delete")
    assert not SavedView.objects.exists()


def test_view_names_are_escaped(agent):
    save(client_for(agent), "<img src=x onerror=alert(1)>", "status=open")
    body = client_for(agent).get("/agent/views/").content.decode()
    assert "<img src=x" not in body and "&lt;img src=x" in body
