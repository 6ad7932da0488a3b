"""Turns every error raised under /v1 into the error envelope with the right HTTP status."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from helpdesk.errors import DomainError

from .envelope import camel, error_body

_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def _messages(detail) -> list[str]:
    """Flattens DRF's nested error details ({"tags": {"0": ["..."]}}) into plain strings."""
    if isinstance(detail, dict):
        # List items fail under int keys ({"tags": {0: [...]}}): name the position, "0: Must be a string."
        return [
            f"{key}: {msg}" if str(key).isdigit() else msg for key, value in detail.items() for msg in _messages(value)
        ]
    if isinstance(detail, list):
        return [msg for item in detail for msg in _messages(item)]
    return [str(detail)]


NON_FIELD = "nonFieldErrors"


def _fields_and_message(fields: dict[str, list[str]], fallback: str) -> tuple[dict, str]:
    """fields are keyed by API names already; the message names the first field."""
    if not fields:
        return {}, fallback
    name, msgs = next(iter(fields.items()))
    if name == NON_FIELD:
        return fields, msgs[0]
    return fields, f"{name}: {msgs[0]}"


def envelope_exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DomainError):
        # Services speak snake_case (assigned_to); the API camelCase (assignedTo).
        fields, message = _fields_and_message({camel(k): v for k, v in exc.fields.items()}, exc.message)
        if not exc.fields or exc.message != next(iter(exc.fields.values()))[0]:
            message = exc.message  # a sentence of its own; otherwise "field: message" names the field
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return Response(error_body(exc.code, message, fields), status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # DRF has rounded it up already
    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "error")

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        # Serializer errors are keyed by the names the client sent: "assigned_to" stays "assigned_to".
        detail = {NON_FIELD if k == api_settings.NON_FIELD_ERRORS_KEY else k: v for k, v in detail.items()}
        fields, message = _fields_and_message({k: _messages(v) for k, v in detail.items()}, "Invalid input.")
        return Response(error_body(code, message, fields), status=exc.status_code, headers=headers)
    message = " ".join(_messages(exc.detail))
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


def json_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "No such endpoint."), status=404)


def json_server_error(request):
    return JsonResponse(error_body("server_error", "Something went wrong on our side; it has been logged."), status=500)
