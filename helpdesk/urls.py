from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tickets.views import home

v1 = [
    path("", include("tickets.api.urls")),
    path("", include("accounts.api.urls")),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home.home, name="home"),
]

handler400 = "helpdesk.views.bad_request"
handler404 = "helpdesk.views.not_found"
handler500 = "helpdesk.views.server_error"
