"""Turns every error raised under /v1 into the error envelope with the right HTTP status."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from helpdesk.errors import DomainError

from .envelope import camel, error_body
from .parsers import body_too_large

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

# However bad the input, the error body stays small: this many fields, messages per field and
# characters per message (a message may quote the input, and the input may be megabytes).
MAX_FIELDS = 20
MAX_MESSAGES = 5
MAX_CHARS = 300


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _bounded(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    bounded = {}
    for name, msgs in list(fields.items())[:MAX_FIELDS]:
        shown = [_clip(str(m)) for m in msgs[:MAX_MESSAGES]]
        if len(msgs) > MAX_MESSAGES:
            shown.append(f"And {len(msgs) - MAX_MESSAGES:,} more.")
        bounded[_clip(str(name))] = shown
    if len(fields) > MAX_FIELDS:
        bounded.setdefault(NON_FIELD, []).append(f"And {len(fields) - MAX_FIELDS:,} more fields with errors.")
    return bounded


def _fields_and_message(fields: dict[str, list[str]], fallback: str) -> tuple[dict, str]:
    """fields are keyed by API names already; the message names the first field."""
    fields = _bounded(fields)
    if not fields:
        return {}, _clip(fallback)
    name, msgs = next(iter(fields.items()))
    if name == NON_FIELD:
        return fields, msgs[0]
    return fields, _clip(f"{name}: {msgs[0]}")


def envelope_exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DomainError):
        # Services speak snake_case (assigned_to); the API camelCase (assignedTo).
        fields, message = _fields_and_message({camel(k): v for k, v in exc.fields.items()}, exc.message)
        if not exc.fields or exc.message != next(iter(exc.fields.values()))[0]:
            message = _clip(exc.message)  # a sentence of its own; otherwise "field: message" names the field
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
    message = _clip(" ".join(_messages(exc.detail)))
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


def json_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "No such endpoint."), status=404)


def json_server_error(request):
    return JsonResponse(error_body("server_error", "Something went wrong on our side; it has been logged."), status=500)


def json_bad_request(request, exception=None):
    """Django's own refusals (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or files)
    raise SuspiciousOperation before any view runs; under /v1 they are answered in the envelope."""
    if isinstance(exception, RequestDataTooBig):
        too_large = body_too_large()
        return JsonResponse(error_body(too_large.code, too_large.message), status=too_large.status)
    if isinstance(exception, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return JsonResponse(error_body("too_many_fields", f"The request has more than {limit:,} fields."), status=400)
    if isinstance(exception, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return JsonResponse(error_body("too_many_files", f"The request has more than {limit:,} files."), status=400)
    return JsonResponse(error_body("bad_request", "The request could not be understood."), status=400)
