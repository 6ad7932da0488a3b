"""Error pages: the /v1 API answers in its JSON envelope, everything else in HTML."""

from django.views import defaults

from helpdesk.api.exceptions import json_bad_request, json_not_found, json_server_error


def _is_api(request) -> bool:
    return request.path.startswith("/v1/")


def bad_request(request, exception=None):
    if _is_api(request):
        return json_bad_request(request, exception)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    if _is_api(request):
        return json_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return json_server_error(request)
    return defaults.server_error(request)
