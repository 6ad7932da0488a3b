"""Production settings: `check --deploy` is clean with the README's variables, and HTML pages carry a
Content-Security-Policy that no inline script gets past."""

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.factories import upload
from tickets.models import Priority
from tickets.services import attachment_add, request_create

ROOT = Path(__file__).resolve().parent.parent


def readme_production_variables() -> dict[str, str]:
    """The variables block of the README's "## Production" section, as an operator would set them."""
    section = (ROOT / "README.md").read_text().split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    pairs = [re.match(r"([A-Z][A-Z0-9_]*)=(\S*)", line) for block in blocks for line in block.splitlines()]
    return {m[1]: m[2] for m in pairs if m}


PRODUCTION = readme_production_variables()


def manage(*args: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    # Only the variables given here: nothing from the machine running the tests (DEBUG, DATABASE_URL…).
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV"}}
    base.update(env)
    # A strong key in place of the README's placeholder; a throwaway var/ folder.
    base.update({"SECRET_KEY": secrets.token_urlsafe(50), "HELPDESK_VAR_DIR": str(tmp_path / "var")})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_the_readme_names_the_production_variables():
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL"} <= set(PRODUCTION)
    assert {"SECURE_COOKIES", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS"} <= set(
        PRODUCTION
    )
    assert "DEBUG" not in PRODUCTION


def test_check_deploy_is_clean_with_the_production_variables(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_https_variables(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("SECURE_")}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_the_security_variables_reach_the_settings(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.API_TOKEN_TTL_DAYS)"
    )
    env = {
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto, https",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "true",
        "API_TOKEN_TTL_DAYS": "90",
    }
    result = manage("shell", "--no-imports", "-c", code, env=env, tmp_path=tmp_path)
    assert result.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "31536000", "True", "90"]


def test_a_malformed_proxy_header_stops_the_start(tmp_path):
    result = manage("check", env={"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in result.stderr


def test_ssl_redirect_behind_a_proxy_trusts_only_the_named_header(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/accounts/login/").status_code == 301
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.wsgi_request.is_secure()


# --- Content-Security-Policy -------------------------------------------------------------------------

EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}


class ScriptFinder(HTMLParser):
    """Collects the script elements and inline event handlers (onclick=…) of a page."""

    def __init__(self):
        super().__init__()
        self.sources: list[str] = []
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        self.handlers += [f"<{tag} {k}>" for k, v in attrs.items() if (v or "").strip().startswith("javascript:")]
        if tag == "script":
            self._open = attrs
            self._body = ""

    def handle_data(self, data):
        if self._open is not None:
            self._body += data

    def handle_endtag(self, tag):
        if tag != "script" or self._open is None:
            return
        attrs, self._open = self._open, None
        # A JSON data block (Django's json_script) is not run, so the policy has no say over it.
        if (attrs.get("type") or "").lower() not in EXECUTABLE_TYPES:
            return
        if attrs.get("src"):
            self.sources.append(attrs["src"])
        else:
            self.inline.append(self._body.strip()[:80])


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def assert_strict_page(client, path: str) -> ScriptFinder:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html"), path
    directives = policy(response)
    scripts = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
    assert not [s for s in scripts if s not in ("'self'",) and not s.startswith("'nonce-")], path
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]

    page = ScriptFinder()
    page.feed(response.content.decode())
    assert page.inline == [], (path, page.inline)
    assert page.handlers == [], (path, page.handlers)
    for src in page.sources:
        assert src.startswith("/"), (path, src)  # our own origin, as script-src 'self' requires
        static = src.removeprefix("/" + django_settings.STATIC_URL.strip("/") + "/")
        if static != src:
            assert finders.find(static.split("?")[0]), (path, src)
        else:
            script = client.get(src)
            assert script.status_code == 200, (path, src)
            assert "javascript" in script["Content-Type"], (path, src)
    return page


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_log_in_page_has_a_strict_policy_and_no_inline_script(db):
    page = assert_strict_page(Client(), reverse("login"))
    assert page.sources  # htmx, as a file


def test_the_portal_has_a_strict_policy(requester):
    client = Client()
    client.force_login(requester)
    assert_strict_page(client, reverse("portal:requests"))


def test_the_admin_log_in_page_has_a_strict_policy(db):
    assert_strict_page(Client(), reverse("admin:login"))


@pytest.mark.parametrize("view", ["index", "changelist", "add", "change", "password"])
def test_admin_pages_run_only_script_files(admin_client, agent, view):
    paths = {
        "index": reverse("admin:index"),
        "changelist": reverse("admin:accounts_user_changelist"),
        "add": reverse("admin:accounts_user_add"),
        "change": reverse("admin:accounts_user_change", args=[agent.pk]),
        "password": reverse("admin:auth_user_password_change", args=[agent.pk]),
    }
    page = assert_strict_page(admin_client, paths[view])
    if view in ("changelist", "change"):
        assert page.sources  # the admin's own JavaScript, as files


def test_the_request_admin_change_form_runs_only_script_files(admin_client, requester):
    ticket = request_create(actor=requester, title="Printer jammed", description="Paper", priority=Priority.LOW)
    assert_strict_page(admin_client, reverse("admin:tickets_request_change", args=[ticket.pk]))
    assert_strict_page(admin_client, reverse("admin:tickets_request_changelist"))


def test_swagger_ui_loads_its_start_up_script_as_a_file(requester):
    client = Client()
    client.force_login(requester)
    page = assert_strict_page(client, "/v1/docs")
    start_up = [src for src in page.sources if "script" in src and src.startswith("/v1/docs")]
    assert len(start_up) == 1
    script = client.get(start_up[0])
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/v1/schema" in script.content.decode()


def test_an_attachment_download_keeps_its_own_stricter_policy(requester, api_for):
    ticket = request_create(actor=requester, title="Printer jammed", description="Paper", priority=Priority.LOW)
    attachment = attachment_add(actor=requester, request=ticket, upload=upload())
    response = api_for(requester).get(f"/v1/attachments/{attachment.public_id}")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response.close()


def test_no_template_of_ours_has_an_inline_script():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        finder = ScriptFinder()
        finder.feed(re.sub(r"{[%{#].*?[%}#]}", "T", template.read_text(), flags=re.S))  # a tag stands for a value
        if finder.inline or finder.handlers:
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []
