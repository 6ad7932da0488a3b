"""Bearer tokens, browser sessions, createsuperuser and the rate limit."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import token_issue
from tests.envelope import data_of, error_of
from tests.factories import RequesterFactory

pytestmark = pytest.mark.django_db


def log_in(client, email="rita@example.com", password="correct horse battery"):
    return client.post("/v1/auth/token", {"email": email, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- tokens --------------------------------------------------------------------------------------------


def test_email_and_password_give_a_token_that_works_as_bearer(requester):
    data = data_of(log_in(APIClient()), 201)
    assert set(data) == {"token"}
    assert data["token"].startswith("hd_")
    me = data_of(bearer(data["token"]).get("/v1/users/me"))
    assert me["id"] == requester.public_id


def test_the_email_is_matched_case_insensitively(requester):
    data_of(log_in(APIClient(), email="  RITA@Example.com "), 201)


def test_tokens_are_stored_only_as_their_sha256(requester):
    raw = data_of(log_in(APIClient()), 201)["token"]
    token = ApiToken.objects.get(user=requester)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    for field in ApiToken._meta.concrete_fields:
        assert raw not in str(getattr(token, field.attname)), field.name
    assert len(token.hint) < len(raw)


def test_each_log_in_gives_a_new_token(requester):
    first = data_of(log_in(APIClient()), 201)["token"]
    second = data_of(log_in(APIClient()), 201)["token"]
    assert first != second
    assert ApiToken.objects.filter(user=requester).count() == 2


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("rita@example.com", "wrong password"),
        ("nobody@example.com", "correct horse battery"),
    ],
)
def test_wrong_credentials_are_400_in_the_envelope(requester, email, password):
    error = error_of(log_in(APIClient(), email=email, password=password), 400)
    assert error["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_cannot_log_in():
    RequesterFactory(email="gone@example.com", is_active=False)
    error_of(log_in(APIClient(), email="gone@example.com"), 400)


def test_a_user_without_a_password_cannot_log_in():
    User.objects.create_user("nopass@example.com")
    error_of(log_in(APIClient(), email="nopass@example.com", password=""), 400)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "rita@example.com"}, "password"),
        ({"password": "x"}, "email"),
        ({"email": 5, "password": "x"}, "email"),
    ],
)
def test_log_in_validation_names_the_field(requester, body, field):
    error = error_of(APIClient().post("/v1/auth/token", body, format="json"), 400)
    assert error["message"].startswith(field)
    assert field in error["fields"]


def test_log_in_ignores_a_stale_bearer_token(requester):
    client = bearer("hd_this-token-does-not-exist")
    data_of(log_in(client), 201)


def test_delete_revokes_the_token_it_is_called_with(requester):
    raw = data_of(log_in(APIClient()), 201)["token"]
    client = bearer(raw)
    assert data_of(client.delete("/v1/auth/token")) == {"revoked": True}
    assert ApiToken.objects.get(user=requester).revoked_at is not None
    error = error_of(client.get("/v1/users/me"), 401)
    assert error["code"] == "authentication_failed"


def test_revoking_one_token_leaves_the_others_working(requester):
    keep = data_of(log_in(APIClient()), 201)["token"]
    drop = data_of(log_in(APIClient()), 201)["token"]
    data_of(bearer(drop).delete("/v1/auth/token"))
    data_of(bearer(keep).get("/v1/users/me"))


def test_revoking_needs_a_bearer_token_not_a_session(requester):
    client = APIClient()
    client.force_login(requester)
    error = error_of(client.delete("/v1/auth/token"), 400)
    assert error["code"] == "no_token"


def test_using_a_token_records_when_it_was_last_used(requester):
    token, raw = token_issue(user=requester)
    assert token.last_used_at is None
    data_of(bearer(raw).get("/v1/users/me"))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


# --- 401 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer hd_not-a-real-token", "authentication_failed"),
        ("Bearer", "authentication_failed"),
        ("Bearer two parts", "authentication_failed"),
        ("Bearer t\u00f6ken", "authentication_failed"),
        ("Basic cml0YTpwdw==", "not_authenticated"),
    ],
)
def test_missing_or_invalid_credentials_are_401_with_www_authenticate(requester, header, code):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/v1/requests")
    error = error_of(response, 401)
    assert error["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(requester):
    token, raw = token_issue(user=requester)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = bearer(raw).get("/v1/users/me")
    error_of(response, 401)
    assert "WWW-Authenticate" in response


def test_revoking_without_any_credentials_is_401():
    error_of(APIClient().delete("/v1/auth/token"), 401)


# --- sessions ------------------------------------------------------------------------------------------


def test_a_browser_session_works_for_the_api(requester):
    client = Client()
    client.force_login(requester)
    assert data_of(client.get("/v1/users/me"))["id"] == requester.public_id


def test_a_session_post_without_a_csrf_token_is_403(requester):
    client = Client(enforce_csrf_checks=True)
    client.force_login(requester)
    body = {"title": "x", "description": "y", "priority": "low"}
    error = error_of(client.post("/v1/requests", body, content_type="application/json"), 403)
    assert "CSRF" in error["message"]


def test_a_session_post_with_the_csrf_token_is_accepted(requester):
    client = Client(enforce_csrf_checks=True)
    client.force_login(requester)
    client.get("/accounts/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    body = {"title": "x", "description": "y", "priority": "low"}
    data_of(client.post("/v1/requests", body, content_type="application/json", HTTP_X_CSRFTOKEN=token), 201)


def test_a_bearer_token_needs_no_csrf_token(requester):
    token, raw = token_issue(user=requester)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {"title": "x", "description": "y", "priority": "low"}
    data_of(client.post("/v1/requests", body, content_type="application/json"), 201)


# --- createsuperuser -----------------------------------------------------------------------------------


def test_createsuperuser_noinput_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a strong root secret")
    call_command("createsuperuser", interactive=False, stdout=io.StringIO(), stderr=io.StringIO())

    user = User.objects.get(email="root@example.com")
    assert user.is_superuser and user.is_admin
    raw = data_of(log_in(APIClient(), email="root@example.com", password="a strong root secret"), 201)["token"]
    assert data_of(bearer(raw).get("/v1/users/me"))["role"] == "admin"


# --- rate limit ----------------------------------------------------------------------------------------


def test_the_fourth_call_over_a_three_per_minute_limit_is_429_with_retry_after(settings, requester, api_for):
    settings.API_RATE_LIMIT = "3/min"
    client = api_for(requester)
    for _ in range(3):
        data_of(client.get("/v1/users/me"))
    response = client.get("/v1/users/me")
    error = error_of(response, 429)
    assert error["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 61


def test_the_rate_limit_is_per_user(settings, requester, agent, api_for):
    settings.API_RATE_LIMIT = "3/min"
    busy = api_for(requester)
    for _ in range(3):
        data_of(busy.get("/v1/users/me"))
    error_of(busy.get("/v1/users/me"), 429)
    data_of(api_for(agent).get("/v1/users/me"))


def test_an_empty_rate_limit_means_no_limit(settings, requester, api_for):
    settings.API_RATE_LIMIT = ""
    client = api_for(requester)
    for _ in range(10):
        data_of(client.get("/v1/users/me"))


def test_password_log_ins_are_rate_limited(settings, requester):
    settings.LOGIN_RATE_LIMIT = "2/min"
    client = APIClient()
    for _ in range(2):
        error_of(log_in(client, password="guess"), 400)
    response = log_in(client)
    error_of(response, 429)
    assert "Retry-After" in response
