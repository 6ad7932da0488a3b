"""Log-in and the placeholder home page."""

import pytest
from django.test import Client


def test_home_sends_anonymous_visitors_to_log_in(db, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_logs_in_with_email_and_sees_home(requester):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "RITA@example.com", "password": "correct horse battery", "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert response.status_code == 200
    assert b"rita@example.com" in response.content
    assert b"Requester" in response.content


def test_a_wrong_password_shows_an_error_on_the_form(requester, client):
    response = client.post("/accounts/login/", {"username": "rita@example.com", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_the_login_form_refuses_a_post_without_csrf_token(requester):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "rita@example.com", "password": "correct horse battery"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/v1/nothing", "/v1/requests/req_x/nothing"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_answer_in_the_envelope(db, client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["RateLimit-Limit"]
    assert response.json() == {
        "success": False,
        "error": {"code": "not_found", "message": "No such endpoint.", "fields": {}},
    }


def test_user_text_is_escaped_on_pages(db, client):
    from tests.factories import RequesterFactory

    user = RequesterFactory(name="<script>alert(1)</script>")
    client.force_login(user)
    page = client.get("/", follow=True).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
