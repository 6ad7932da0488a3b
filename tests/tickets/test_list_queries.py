"""The request list costs the same number of SQL queries whatever the page size."""

import pytest

from tests.factories import CategoryFactory, GroupFactory, RequestFactory

# Token lookup, its last-used stamp, COUNT, and the page: on PostgreSQL its ids, then their rows
# (names by key in the same statement); elsewhere one SELECT with joins. No per-row queries.
LIST_QUERIES = 5


@pytest.fixture
def hundred_requests(agent, requester):
    group = GroupFactory(members=[agent])
    category = CategoryFactory()
    return RequestFactory.create_batch(
        120, requester=requester, assigned_to=agent, assigned_group=group, category=category, status="assigned"
    )


@pytest.mark.parametrize("limit", [1, 100])
def test_agent_list_runs_a_fixed_number_of_queries(
    hundred_requests, agent, api_for, django_assert_max_num_queries, limit
):
    client = api_for(agent)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(f"/v1/requests?limit={limit}&status=assigned")
    assert response.status_code == 200
    assert len(response.json()["data"]["requests"]) == limit


@pytest.mark.parametrize("limit", [1, 100])
def test_agent_list_within_group_reach_runs_a_fixed_number_of_queries(
    hundred_requests, agent, api_for, django_assert_max_num_queries, settings, limit
):
    settings.AGENT_REACH = "groups"
    client = api_for(agent)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(f"/v1/requests?limit={limit}&ordering=-updatedAt")
    assert len(response.json()["data"]["requests"]) == limit


@pytest.mark.parametrize("limit", [1, 100])
def test_requester_list_runs_a_fixed_number_of_queries(
    hundred_requests, requester, api_for, django_assert_max_num_queries, limit
):
    client = api_for(requester)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(f"/v1/requests?limit={limit}&ordering=-updatedAt")
    assert len(response.json()["data"]["requests"]) == limit


@pytest.mark.parametrize("limit", [1, 100])
def test_user_and_group_lists_run_a_fixed_number_of_queries(
    hundred_requests, admin_user, api_for, django_assert_max_num_queries, limit
):
    GroupFactory.create_batch(5)
    client = api_for(admin_user)
    # token + last-used stamp + COUNT + SELECT + one prefetch of the memberships
    with django_assert_max_num_queries(5):
        assert client.get(f"/v1/users?limit={limit}").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(f"/v1/groups?limit={limit}").status_code == 200
