from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from accounts.forms import AdminLoginForm
from helpdesk.api.views import UnknownEndpointView
from tickets.views import home

# The admin log-in counts guesses like every other way in.
admin.site.login_form = AdminLoginForm

v1 = [
    path("", include("tickets.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("mailboxes.api.urls")),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): our CSP allows no inline script.
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^.*$", UnknownEndpointView.as_view()),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("admin/", admin.site.urls),
    path("agent/", include("tickets.urls")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home.home, name="home"),
]

handler400 = "helpdesk.views.bad_request"
handler404 = "helpdesk.views.not_found"
handler500 = "helpdesk.views.server_error"
