"""The list at scale: id filters resolved to keys, every ordering both ways, bounded totals, cursors."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from helpdesk import paging
from tests.factories import GroupFactory, RequestFactory
from tickets.filters import QueueFilter
from tickets.models import Request


def ids(response):
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["data"]["requests"]]


def test_assignee_and_group_filters_match_by_public_id_and_unknown_ids_match_nothing(agent, requester, api_for):
    group = GroupFactory(members=[agent])
    mine = RequestFactory(requester=requester, assigned_to=agent, assigned_group=group, status="assigned")
    RequestFactory(requester=requester)
    client = api_for(agent)
    assert ids(client.get(f"/v1/requests?assignedTo={agent.public_id}")) == [mine.public_id]
    assert ids(client.get(f"/v1/requests?groupId={group.public_id}")) == [mine.public_id]
    assert ids(client.get("/v1/requests?assignedTo=usr_nobody")) == []
    assert ids(client.get("/v1/requests?groupId=grp_nothing")) == []
    assert client.get("/v1/requests?assignedTo=usr_nobody").json()["data"]["pagination"]["total"] == 0


@pytest.mark.parametrize("ordering", ["createdAt", "updatedAt", "sla"])
def test_every_ordering_reverses_with_a_minus_and_never_repeats_a_request(agent, requester, api_for, ordering):
    RequestFactory.create_batch(7, requester=requester)
    client = api_for(agent)
    forward = ids(client.get(f"/v1/requests?ordering={ordering}&limit=100"))
    backward = ids(client.get(f"/v1/requests?ordering=-{ordering}&limit=100"))
    assert len(set(forward)) == 7 and set(forward) == set(backward)
    if ordering != "sla":  # no clocks here: every due date is empty, and empty ones come last both ways
        assert backward == forward[::-1]


def test_the_queue_filters_several_statuses_with_one_in_list(agent, requester):
    RequestFactory(requester=requester, status="open")
    RequestFactory(requester=requester, status="pending")
    RequestFactory(requester=requester, status="closed")
    filters = QueueFilter({"status": ["open", "pending"]}, queryset=Request.objects.all(), user=agent)
    assert filters.is_valid()
    # One IN list: PostgreSQL reads one index range per value instead of OR-ing bitmaps.
    assert '"status" IN (' in str(filters.qs.query)
    assert filters.qs.count() == 2


# --- cursor pagination and updatedSince -------------------------------------------------------------


def spread(requests, *, field="created_at", ties=True):
    """Distinct instants, a minute apart, with pairs sharing one when `ties` (the id must break them)."""
    base = timezone.now() - timedelta(days=1)
    for n, request in enumerate(requests):
        step = n // 2 if ties else n
        Request.objects.filter(pk=request.pk).update(**{field: base + timedelta(minutes=step)})


def walk(client, query, limit=3, max_pages=100):
    """Every id a cursor walk returns, page by page."""
    seen, cursor = [], ""
    for _ in range(max_pages):
        response = client.get(f"/v1/requests?{query}&limit={limit}&cursor={cursor}")
        assert response.status_code == 200, response.content
        pagination = response.json()["data"]["pagination"]
        assert "page" not in pagination and pagination["totalEstimated"] is False
        seen += ids(response)
        cursor = pagination["nextCursor"]
        if cursor is None:
            return seen
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize("ordering", ["-createdAt", "createdAt", "-updatedAt", "updatedAt", "sla", "-sla"])
def test_a_cursor_walk_returns_every_request_once_in_the_order_of_the_list(agent, requester, api_for, ordering):
    requests = RequestFactory.create_batch(11, requester=requester)
    spread(requests)
    spread(requests[::-1], field="updated_at")
    # Some with a running clock (a due date, with ties), the rest without: both sections of the SLA order.
    for n, request in enumerate(requests[:6]):
        Request.objects.filter(pk=request.pk).update(sla_due_at=timezone.now() + timedelta(hours=n // 2))
    client = api_for(agent)
    listed = ids(client.get(f"/v1/requests?ordering={ordering}&limit=100"))
    assert walk(client, f"ordering={ordering}") == listed
    assert len(listed) == 11


@pytest.mark.parametrize("ordering", ["-createdAt", "createdAt", "-updatedAt", "updatedAt", "sla", "-sla"])
def test_a_few_matches_sorted_come_in_the_order_many_walked_do(agent, requester, api_for, monkeypatch, ordering):
    # Up to the exact bound the page is sorted from the matches (PostgreSQL: COALESCE orders no index
    # serves); past it, the ordering's index is walked. Same requests, same order, ties included.
    requests = RequestFactory.create_batch(9, requester=requester)
    spread(requests)
    spread(requests[::-1], field="updated_at")
    for n, request in enumerate(requests[:5]):
        Request.objects.filter(pk=request.pk).update(sla_due_at=timezone.now() + timedelta(hours=n // 2))
    client, own = api_for(agent), api_for(requester)  # the requester orders by updatedAt as they see it

    def pages(client, limit=4):  # deeper pages too: the page's ids are sorted with an offset
        url = f"/v1/requests?ordering={ordering}&limit={limit}&page="
        return [i for page in (1, 2, 3) for i in ids(client.get(f"{url}{page}"))]

    sorted_page = ids(client.get(f"/v1/requests?ordering={ordering}&limit=100"))
    sorted_pages, sorted_own = pages(client), pages(own)
    monkeypatch.setattr(paging, "EXACT_TOTAL_UP_TO", 2)
    monkeypatch.setattr("tickets.api.pagination.EXACT_TOTAL_UP_TO", 2)
    walked_page = ids(client.get(f"/v1/requests?ordering={ordering}&limit=100"))
    assert sorted_page == walked_page and len(sorted_page) == 9
    assert sorted_pages == pages(client) == walked_page
    assert sorted_own == pages(own) and len(sorted_own) == 9
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    in_range = ids(client.get(f"/v1/requests?ordering={ordering}&limit=100&createdAfter={since}"))
    assert in_range == walked_page


def test_a_cursor_walk_is_stable_under_inserts(agent, requester, api_for):
    spread(RequestFactory.create_batch(7, requester=requester))
    client = api_for(agent)
    first = client.get("/v1/requests?limit=3&cursor=").json()["data"]
    # New requests arrive between the pages: newest first, they sort before the cursor.
    RequestFactory.create_batch(4, requester=requester)
    rest = walk_from(client, first["pagination"]["nextCursor"])
    walked = [r["id"] for r in first["requests"]] + rest
    assert len(walked) == len(set(walked)) == 7


def walk_from(client, cursor, query=""):
    seen = []
    while cursor:
        data = client.get(f"/v1/requests?{query}&limit=3&cursor={cursor}").json()["data"]
        seen += [r["id"] for r in data["requests"]]
        cursor = data["pagination"]["nextCursor"]
    return seen


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cursor=nonsense", "cursor: is not a cursor this API gave out"),
        ("cursor=x&page=2", "cursor: send either cursor or page, not both"),
    ],
)
def test_a_bad_cursor_is_a_400_naming_the_cursor(agent, api_for, query, message):
    response = api_for(agent).get(f"/v1/requests?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert "cursor" in response.json()["error"]["fields"]


def test_a_cursor_only_continues_the_filters_and_ordering_it_was_made_for(agent, requester, api_for):
    RequestFactory.create_batch(3, requester=requester, status="open")
    client = api_for(agent)
    cursor = client.get("/v1/requests?status=open&limit=1&cursor=").json()["data"]["pagination"]["nextCursor"]
    assert client.get(f"/v1/requests?status=open&limit=1&cursor={cursor}").status_code == 200
    for other in ("status=closed", "status=open&ordering=createdAt", ""):
        response = client.get(f"/v1/requests?{other}&limit=1&cursor={cursor}")
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("cursor: was made for other filters")


def test_updated_since_lists_what_changed_oldest_change_first_and_a_sync_never_misses_a_change(
    agent, requester, api_for
):
    old, *recent = RequestFactory.create_batch(6, requester=requester)
    spread([old, *recent], field="updated_at", ties=False)
    since = (Request.objects.get(pk=recent[0].pk).updated_at).isoformat()
    client = api_for(agent)
    response = client.get("/v1/requests", {"updatedSince": since, "limit": 2, "cursor": ""})
    data = response.json()["data"]
    assert [r["id"] for r in data["requests"]] == [r.public_id for r in recent[:2]]
    # recent[0], already seen, changes during the walk: it moves to the end and is seen again.
    Request.objects.filter(pk=recent[0].pk).update(updated_at=timezone.now())
    rest = walk_from(client, data["pagination"]["nextCursor"], f"updatedSince={quote(since)}")
    assert rest == [r.public_id for r in recent[2:]] + [recent[0].public_id]
    assert old.public_id not in rest


def test_cursor_pages_run_a_fixed_number_of_queries(agent, requester, api_for, django_assert_max_num_queries):
    RequestFactory.create_batch(30, requester=requester)
    client = api_for(agent)
    cursor = client.get("/v1/requests?limit=10&cursor=").json()["data"]["pagination"]["nextCursor"]
    # token, its last-used stamp, the bounded count, the page
    with django_assert_max_num_queries(4):
        assert client.get(f"/v1/requests?limit=10&cursor={cursor}").status_code == 200


# --- pagination.total: exact up to a bound, then the planner's estimate ------------------------------


def test_total_is_exact_up_to_the_bound(agent, requester, api_for, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_TOTAL_UP_TO", 5)
    RequestFactory.create_batch(5, requester=requester)
    pagination = api_for(agent).get("/v1/requests?limit=2").json()["data"]["pagination"]
    assert pagination == {"page": 1, "limit": 2, "total": 5, "pages": 3}
    cursor_page = api_for(agent).get("/v1/requests?limit=2&cursor=").json()["data"]["pagination"]
    assert (cursor_page["total"], cursor_page["totalEstimated"]) == (5, False)


def test_past_the_bound_sqlite_counts_exactly(agent, requester, api_for, monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL estimates past the bound (the next test)")
    monkeypatch.setattr(paging, "EXACT_TOTAL_UP_TO", 5)
    RequestFactory.create_batch(12, requester=requester)
    assert paging.bounded_total(Request.objects.all()) == (12, True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", ["open", "closed", None])
def test_past_the_bound_postgresql_estimates_within_ten_percent_after_analyze(requester, monkeypatch, status):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's planner statistics: runs on the PostgreSQL pass")
    monkeypatch.setattr(paging, "EXACT_TOTAL_UP_TO", 50)
    RequestFactory.create_batch(300, requester=requester, status="open")
    RequestFactory.create_batch(900, requester=requester, status="closed")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_request")
    queryset = Request.objects.filter(status=status) if status else Request.objects.all()
    true_total = queryset.count()
    total, exact = paging.bounded_total(queryset)
    assert exact is False and total > 50
    # The bound this design promises once statistics are fresh: within 10% for one filter.
    assert abs(total - true_total) <= 0.1 * true_total, (total, true_total)
    # Never below the bound, even when the planner guesses low.
    few = Request.objects.filter(status="open", title__startswith="")
    assert paging.bounded_total(few)[0] >= 51


def test_a_set_past_the_bound_is_remembered_for_a_while_then_counted_again(
    agent, requester, api_for, monkeypatch, django_assert_num_queries
):
    """The error bound of the memo: within LARGE_FOR_SECONDS a set that shrank below the bound still
    shows the estimate (flagged, never below bound + 1); after it, the exact count again."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite counts exactly past the bound and remembers nothing: runs on the PostgreSQL pass")
    monkeypatch.setattr(paging, "EXACT_TOTAL_UP_TO", 5)
    RequestFactory.create_batch(8, requester=requester, status="open")
    client = api_for(agent)
    first = client.get("/v1/requests?status=open&limit=2&cursor=").json()["data"]["pagination"]
    assert first["totalEstimated"] is True and first["total"] >= 6
    # The next list of the same set: the token, the page's ids and their rows; no count, no EXPLAIN.
    with django_assert_num_queries(3):
        again = client.get("/v1/requests?status=open&limit=2&cursor=").json()["data"]["pagination"]
    assert (again["total"], again["totalEstimated"]) == (first["total"], True)

    Request.objects.filter(pk__in=Request.objects.values("pk")[:5]).update(deleted_at=timezone.now())
    within = client.get("/v1/requests?status=open&limit=2&cursor=").json()["data"]["pagination"]
    assert (within["total"], within["totalEstimated"]) == (first["total"], True)
    # Another filter set is not the remembered one: it is counted.
    assert client.get("/v1/requests?status=closed&limit=2").json()["data"]["pagination"]["total"] == 0

    monkeypatch.setattr(paging._large, "seconds", 0)  # LARGE_FOR_SECONDS has passed
    after = client.get("/v1/requests?status=open&limit=2&cursor=").json()["data"]["pagination"]
    assert (after["total"], after["totalEstimated"]) == (3, False)


# --- free text on PostgreSQL: two plans, the same matches ---------------------------------------------


@pytest.mark.parametrize("probe", [100, 2])
def test_search_finds_the_same_requests_whether_they_are_few_or_many(requester, agent, monkeypatch, probe):
    if connection.vendor != "postgresql":
        pytest.skip("the stored vector and both plans are PostgreSQL's: runs on the PostgreSQL pass")
    from tests.factories import CommentFactory
    from tickets import search

    monkeypatch.setattr(search, "PROBE", probe)  # 2: more matches than the probe, the row-by-row plan
    in_title = RequestFactory.create_batch(3, requester=requester, title="Printer jams", description="x")
    in_comment = RequestFactory(requester=requester, title="Other", description="y")
    CommentFactory(request=in_comment, author=agent, content="the PRINTER on floor 3")
    RequestFactory.create_batch(3, requester=requester, title="VPN drops", description="z")
    deleted = RequestFactory(requester=requester, title="Printer gone", deleted_at=timezone.now())
    found = set(search.matching(Request.objects.all(), "print"))
    assert found == {*in_title, in_comment} and deleted not in found
    assert set(search.matching(Request.objects.all(), "printer jams")) == set(in_title)
    assert list(search.matching(Request.objects.all(), "zebra")) == []
