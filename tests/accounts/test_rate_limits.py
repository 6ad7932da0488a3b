"""Rate limits a client can read, and log-in limits nobody can get around: every way in (API token,
browser log-in, Django admin, password reset) counts per client address and per account."""

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from helpdesk import ratelimit
from tests.envelope import data_of, error_of

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"


def api_log_in(email="rita@example.com", password="wrong", **headers):
    return APIClient().post("/v1/auth/token", {"email": email, "password": password}, format="json", **headers)


def browser_log_in(path="/accounts/login/", email="rita@example.com", password="wrong", **headers):
    return Client().post(path, {"username": email, "password": password}, **headers)


def later(monkeypatch, seconds):
    """Moves the rate-limit windows' clock forward."""
    now = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: now + seconds)


# --- RateLimit-* headers -------------------------------------------------------------------------------


def test_every_answer_says_where_the_caller_stands(settings, requester, api_for):
    settings.API_RATE_LIMIT = "5/min"
    client = api_for(requester)
    answers = [
        client.get("/v1/users/me"),  # 200
        client.post("/v1/requests", {"title": "x"}, format="json"),  # 400
        client.get("/v1/requests/req_doesnotexist0000"),  # 404
        client.post("/v1/groups", {"name": "x"}, format="json"),  # 403
    ]
    assert [a.status_code for a in answers] == [200, 400, 404, 403]
    assert [a["RateLimit-Remaining"] for a in answers] == ["4", "3", "2", "1"]
    for answer in answers:
        assert answer["RateLimit-Limit"] == "5"
        assert 1 <= int(answer["RateLimit-Reset"]) <= 60


def test_calls_without_valid_credentials_carry_the_headers_and_count_per_address(settings):
    settings.API_RATE_LIMIT = "3/min"
    anonymous = APIClient()
    bad_token = APIClient(HTTP_AUTHORIZATION="Bearer hd_not-a-token")
    assert anonymous.get("/v1/requests")["RateLimit-Remaining"] == "2"
    assert bad_token.get("/v1/requests")["RateLimit-Remaining"] == "1"
    assert error_of(anonymous.get("/v1/requests"), 401)
    response = bad_token.get("/v1/requests")
    error_of(response, 429)
    assert response["RateLimit-Remaining"] == "0"
    assert response["Retry-After"] == response["RateLimit-Reset"]


def test_a_second_token_does_not_double_the_limit(settings, requester, api_for):
    settings.API_RATE_LIMIT = "4/min"
    first, second = api_for(requester), api_for(requester)
    browser = APIClient()
    browser.force_login(requester)
    data_of(first.get("/v1/users/me"))
    data_of(second.get("/v1/users/me"))
    data_of(browser.get("/v1/users/me"))
    data_of(second.get("/v1/users/me"))
    error_of(first.get("/v1/users/me"), 429)
    error_of(browser.get("/v1/users/me"), 429)


def test_the_window_ends(settings, monkeypatch, requester, api_for):
    settings.API_RATE_LIMIT = "1/min"
    client = api_for(requester)
    data_of(client.get("/v1/users/me"))
    error_of(client.get("/v1/users/me"), 429)
    later(monkeypatch, 61)
    assert data_of(client.get("/v1/users/me"))


# --- the client address --------------------------------------------------------------------------------


def test_a_fresh_x_forwarded_for_on_each_guess_does_not_escape_the_limit(settings, requester):
    settings.LOGIN_RATE_LIMIT = "20/min"
    settings.LOGIN_FAILURE_LIMIT = ""  # only the per-address limit is under test here
    statuses = [api_log_in(HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(40)]
    assert statuses[:20] == [400] * 20
    assert set(statuses[20:]) == {429}


def test_behind_a_trusted_proxy_the_client_is_the_hop_it_saw(settings, requester):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_RATE_LIMIT = "2/min"
    settings.LOGIN_FAILURE_LIMIT = ""
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    for spoof in ("1.1.1.1", "2.2.2.2"):
        error_of(api_log_in(HTTP_X_FORWARDED_FOR=f"{spoof}, 198.51.100.7"), 400)
    error_of(api_log_in(HTTP_X_FORWARDED_FOR="3.3.3.3, 198.51.100.7"), 429)
    # Another client behind the same proxy has a budget of its own.
    error_of(api_log_in(HTTP_X_FORWARDED_FOR="198.51.100.8"), 400)


# --- per account ---------------------------------------------------------------------------------------


def test_guesses_spread_over_many_addresses_lock_the_account_for_one_window(settings, monkeypatch, requester):
    settings.LOGIN_FAILURE_LIMIT = "5/15min"
    for i in range(5):
        error_of(api_log_in(REMOTE_ADDR=f"198.51.100.{i}"), 400)
    # Even the right password is not tried now: the answer does not reveal it.
    locked = error_of(api_log_in(password=RIGHT, REMOTE_ADDR="198.51.100.99"), 429)
    assert "failed log-ins" in locked["message"]
    later(monkeypatch, 15 * 60 + 1)
    data_of(api_log_in(password=RIGHT), 201)


def test_an_unknown_email_gets_the_same_answers_as_a_real_one(settings, requester):
    settings.LOGIN_FAILURE_LIMIT = "3/15min"
    real = [api_log_in(email="rita@example.com", REMOTE_ADDR=f"10.0.0.{i}") for i in range(4)]
    ghost = [api_log_in(email="nobody@example.com", REMOTE_ADDR=f"10.0.1.{i}") for i in range(4)]
    assert [r.status_code for r in real] == [r.status_code for r in ghost] == [400, 400, 400, 429]
    assert [r.json()["error"]["message"] for r in real] == [r.json()["error"]["message"] for r in ghost]


def test_a_right_password_forgets_earlier_typos(settings, requester):
    settings.LOGIN_FAILURE_LIMIT = "3/15min"
    for _ in range(2):
        error_of(api_log_in(), 400)
    data_of(api_log_in(password=RIGHT), 201)
    for _ in range(2):
        error_of(api_log_in(), 400)
    data_of(api_log_in(password=RIGHT), 201)


# --- browser, admin and password reset -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_browser_and_admin_log_ins_are_limited_per_address(settings, path, admin_user):
    settings.LOGIN_RATE_LIMIT = "3/min"
    settings.LOGIN_FAILURE_LIMIT = ""
    for i in range(3):
        response = browser_log_in(path, email=admin_user.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert b"Too many" not in response.content
    response = browser_log_in(path, email=admin_user.email, password=RIGHT)
    assert response.status_code == 200  # the form again, not a redirect into the site
    assert b"Too many log-in attempts from your address" in response.content
    assert "_auth_user_id" not in response.client.session


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_browser_and_admin_log_ins_lock_the_account(settings, path, admin_user):
    settings.LOGIN_FAILURE_LIMIT = "2/15min"
    for i in range(2):
        browser_log_in(path, email=admin_user.email, REMOTE_ADDR=f"198.51.100.{i}")
    response = browser_log_in(path, email=admin_user.email, password=RIGHT)
    assert b"Too many failed log-ins for this account" in response.content
    # The API shares the count: it is one account, whichever door is knocked on.
    error_of(api_log_in(email=admin_user.email, password=RIGHT), 429)


def test_a_right_browser_log_in_still_works(requester):
    response = browser_log_in(email=requester.email, password=RIGHT)
    assert response.status_code == 302


def test_password_reset_is_limited_per_email_with_the_same_answer_for_unknown_emails(settings, requester):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/hour"
    answers = {}
    for email in ("rita@example.com", "nobody@example.com"):
        answers[email] = [
            Client().post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=f"10.9.{i}.1")
            for i, _ in enumerate(range(3))
        ]
    for email, responses in answers.items():
        assert [r.status_code for r in responses] == [302, 302, 200], email
        assert b"Too many password reset requests" in responses[2].content
    assert len(mail.outbox) == 2  # only the real account gets mail, and only twice


def test_password_reset_is_limited_per_address(settings, requester):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/hour"
    codes = [Client().post("/accounts/password_reset/", {"email": f"u{i}@example.com"}).status_code for i in range(3)]
    assert codes == [302, 302, 200]


def test_the_openapi_schema_documents_the_headers():
    import yaml

    schema = yaml.safe_load(APIClient().get("/v1/schema").content)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(response["headers"]), (
                    path,
                    method,
                    status,
                )
    throttled = schema["paths"]["/v1/requests"]["get"]["responses"]["429"]
    assert "Retry-After" in throttled["headers"]


def test_guessing_the_current_password_with_a_stolen_token_is_limited_like_a_log_in(settings, requester, api_for):
    settings.LOGIN_FAILURE_LIMIT = "3/15min"
    client = api_for(requester)
    change = {"password": "a brand new secret 42"}
    for guess in ("one", "two", "three"):
        body = {**change, "currentPassword": guess}
        error_of(client.patch(f"/v1/users/{requester.public_id}", body, format="json"), 400)
    right = {**change, "currentPassword": RIGHT}
    error_of(client.patch(f"/v1/users/{requester.public_id}", right, format="json"), 429)
    error_of(api_log_in(password=RIGHT), 429)  # the same account counter as the log-ins
