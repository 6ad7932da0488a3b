"""The agent queue: who may open it, filters in the URL, sort, paging, HTMX partials, query counts."""

import pytest
from django.test import Client

from sla.services import clocks_rebuild, sla_defaults_install
from tests.factories import AgentFactory, CategoryFactory, GroupFactory, RequesterFactory
from tickets.models import Priority, Request, Status
from tickets.services import comment_add, request_create, request_update

pytestmark = pytest.mark.django_db


def make(requester, n=1, **fields):
    made = []
    for i in range(n):
        made.append(
            request_create(
                actor=requester,
                title=fields.get("title", f"Printer on floor {i} jams"),
                description=fields.get("description", "It jams."),
                priority=fields.get("priority", Priority.MEDIUM),
            )
        )
    return made


def titles(response) -> list[str]:
    return [r.title for r in response.context["rows"]]


def test_staff_land_on_the_queue_and_requesters_never_see_it(agent_client, requester):
    assert agent_client.get("/")["Location"] == "/agent/"
    client = Client()
    client.force_login(requester)
    for path in ("/agent/", "/agent/views/counts", "/agent/requests/new"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/", path
    assert Client().get("/agent/")["Location"].startswith("/accounts/login/")


def test_the_queue_lists_what_a_row_needs(agent_client, requester):
    make(requester, 2)
    page = agent_client.get("/agent/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Printer on floor 0 jams" in body and "Printer on floor 1 jams" in body
    assert "Rita Requester" in body and "Unassigned" in body
    assert "1–2 of 2 requests" in body


def test_filters_live_in_the_url(agent_client, requester, agent, group):
    first, second, third = make(requester, 3)
    request_update(actor=agent, request=first, changes={"assigned_to": agent.public_id})
    request_update(actor=agent, request=second, changes={"priority": Priority.HIGH})
    request_update(actor=agent, request=third, changes={"status": Status.PENDING})

    assert titles(agent_client.get("/agent/?assignee=me")) == [first.title]
    assert titles(agent_client.get("/agent/?assignee=none&priority=high")) == [second.title]
    assert sorted(titles(agent_client.get("/agent/?status=pending&status=assigned"))) == sorted(
        [first.title, third.title]
    )
    assert titles(agent_client.get(f"/agent/?group={group.public_id}")) == [first.title]


def test_free_text_searches_titles_descriptions_comments_and_numbers(agent_client, requester, agent):
    a, b, c = make(requester, 3)
    request_update(actor=agent, request=b, changes={"description": "The toner smells of burning"})
    comment_add(actor=agent, request=c, content="Replaced the FUSER unit", is_internal=True)
    assert titles(agent_client.get("/agent/?q=floor+0")) == [a.title]
    assert titles(agent_client.get("/agent/?q=toner")) == [b.title]
    assert titles(agent_client.get("/agent/?q=fuser")) == [c.title]
    assert titles(agent_client.get(f"/agent/?q=%23{a.number}")) == [a.title]


def test_category_tag_and_created_range_filter(agent_client, requester, agent):
    CategoryFactory(name="hardware")
    a, b = make(requester, 2)
    request_update(actor=agent, request=a, changes={"category": "hardware", "tags": ["printer"]})
    Request.objects.filter(pk=b.pk).update(created_at="2024-01-10T12:00:00Z")
    assert titles(agent_client.get("/agent/?category=hardware")) == [a.title]
    assert titles(agent_client.get("/agent/?tag=printer")) == [a.title]
    assert titles(agent_client.get("/agent/?created_before=2024-01-10")) == [b.title]
    assert titles(agent_client.get("/agent/?created_after=2024-01-11")) == [a.title]


def test_every_column_sorts_both_ways(agent_client, requester):
    make(requester, 3)
    for column in ("number", "title", "requester", "status", "priority", "group", "assignee", "sla", "updated"):
        up = titles(agent_client.get(f"/agent/?sort={column}"))
        down = titles(agent_client.get(f"/agent/?sort=-{column}"))
        assert sorted(up) == sorted(down) and len(up) == 3, column
    assert titles(agent_client.get("/agent/?sort=number")) == list(
        reversed(titles(agent_client.get("/agent/?sort=-number")))
    )


def test_pages_of_25_50_or_100(agent_client, requester):
    make(requester, 30)
    first = agent_client.get("/agent/?sort=number")
    assert len(first.context["rows"]) == 25 and "1–25 of 30" in first.content.decode()
    second = agent_client.get("/agent/?sort=number&page=2")
    assert len(second.context["rows"]) == 5
    assert len(agent_client.get("/agent/?size=50").context["rows"]) == 30
    assert len(agent_client.get("/agent/?size=7").context["rows"]) == 25  # not offered: the default


def test_bad_filter_values_are_shown_not_a_500(agent_client, requester):
    make(requester, 1)
    response = agent_client.get("/agent/?status=exploded&created_after=yesterday&sort=nonsense")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "status" in response.content.decode() and 'role="alert"' in response.content.decode()


def test_an_htmx_filter_change_renders_only_the_results_and_the_sidebar(agent_client, requester):
    make(requester, 1)
    response = agent_client.get("/agent/?priority=medium", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="results"' in body and 'id="views-nav"' in body and 'hx-swap-oob="true"' in body
    assert "<html" not in body and 'id="queue-filters"' not in body


def test_view_counts_are_counted_once_then_cached(agent_client, agent, requester, django_assert_num_queries):
    a, _ = make(requester, 2)
    request_update(actor=agent, request=a, changes={"assigned_to": agent.public_id})
    response = agent_client.get("/agent/views/counts?assignee=me&status=open&status=assigned&status=in_progress")
    counts = response.context["counts"]
    assert counts["mine"] == 1 and counts["open"] == 2 and counts["pending"] == 0
    assert 'aria-current="page"' in response.content.decode()
    with django_assert_num_queries(3):  # the session, the user, the saved views: the counts come from the cache
        agent_client.get("/agent/views/counts")


def test_user_text_is_escaped_in_the_queue(agent_client, requester):
    make(requester, 1, title="<script>alert(1)</script>")
    body = agent_client.get("/agent/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("rows", [1, 100])
def test_the_queue_runs_a_fixed_number_of_queries(agent_client, rows, django_assert_max_num_queries):
    sla_defaults_install()
    requesters = RequesterFactory.create_batch(3)
    GroupFactory.create_batch(2, members=AgentFactory.create_batch(2))
    for i in range(rows):
        make(requesters[i % 3], 1)
    clocks_rebuild()
    # session, user, agents, groups, categories, saved views, macros (bulk), count, rows, their SLA clocks
    with django_assert_max_num_queries(10):
        response = agent_client.get("/agent/?size=100")
    assert len(response.context["rows"]) == rows


def test_search_finds_word_beginnings_and_survives_any_punctuation(agent_client, requester):
    (a,) = make(requester, 1, title="Printer jams on the third floor")
    assert titles(agent_client.get("/agent/?q=print")) == [a.title]
    assert titles(agent_client.get("/agent/?q=PRINTER+third")) == [a.title]
    for nasty in ("&|!:*()'", "print:* | !", "\\", "%_"):
        response = agent_client.get("/agent/", {"q": nasty})
        assert response.status_code == 200, nasty


def test_the_count_stops_at_a_cap_so_large_queues_stay_fast(agent_client, requester, monkeypatch):
    from helpdesk.paging import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 4)
    make(requester, 6)
    body = agent_client.get("/agent/?sort=number&size=25").content.decode()
    assert "1–5 of more than 4 requests" in body  # counted no further than the cap, plus one
    monkeypatch.setattr(CappedPaginator, "cap", 10)
    assert "1–6 of 6 requests" in agent_client.get("/agent/?sort=number&size=25").content.decode()
