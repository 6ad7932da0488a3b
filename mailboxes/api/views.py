"""/v1/mailboxes: admins manage mailboxes; mail providers post raw messages to …/inbound."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny

from accounts.models import Group
from helpdesk.api.envelope import ok
from helpdesk.api.pagination import paginate
from helpdesk.api.schema import PAGE_PARAMETERS, envelope, page_envelope, responses
from helpdesk.api.views import ApiView
from helpdesk.errors import DomainError, PermissionDenied, TooLarge, ValidationFailed

from .. import selectors, services
from ..models import Mailbox, hash_secret
from .serializers import (
    INBOUND_RESULT,
    MailboxCreatedSerializer,
    MailboxCreateInput,
    MailboxSerializer,
    MailboxUpdateInput,
)

DELETED = inline_serializer(name="MailboxDeletedData", fields={"deleted": serializers.BooleanField()})
TOP_FIELDS = {"name": "name", "address": "address", "active": "active"}
IMAP_FIELDS = {
    "host": "imap_host",
    "port": "imap_port",
    "tls": "imap_tls",
    "username": "imap_username",
    "password": "imap_password",
    "folder": "imap_folder",
    "afterImport": "after_import",
    "moveTo": "move_to_folder",
}
# The services' field names as the API spells them, so an error names the field the client sent.
API_NAMES = {"group": "groupId", **{v: f"imap.{k}" for k, v in IMAP_FIELDS.items()}}


def _flatten(detail, prefix="") -> dict:
    """{"imap": {"host": [...]}} -> {"imap.host": [...]}: the error names the nested field."""
    flat = {}
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise exceptions.ValidationError(_flatten(serializer.errors))
    return serializer.validated_data


def _changes(data: dict) -> dict:
    changes = {TOP_FIELDS[k]: v for k, v in data.items() if k in TOP_FIELDS}
    if "groupId" in data:
        group_id = data["groupId"]
        group = Group.objects.filter(public_id=group_id).first() if group_id else None
        if group_id and group is None:
            raise ValidationFailed.for_field("groupId", f"unknown group {group_id}")
        changes["group"] = group
    for key, value in (data.get("imap") or {}).items():
        changes[IMAP_FIELDS[key]] = value
    return changes


def _api_error(exc: DomainError) -> DomainError:
    exc.fields = {API_NAMES.get(name, name): msgs for name, msgs in exc.fields.items()}
    return exc


class MailboxListView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses({200: page_envelope("MailboxPage", "mailboxes", MailboxSerializer)}, 400, 403),
        summary="List mailboxes (admins)",
    )
    def get(self, request):
        mailboxes, pagination = paginate(selectors.mailbox_list(actor=request.user), request.query_params)
        return ok({"mailboxes": MailboxSerializer(mailboxes, many=True).data, "pagination": pagination})

    @extend_schema(
        request=MailboxCreateInput,
        responses=responses({201: envelope("MailboxCreated", MailboxCreatedSerializer)}, 400, 403),
        summary="Create a mailbox (admins); the answer shows its inbound secret, once",
    )
    def post(self, request):
        selectors.mailbox_list(actor=request.user)  # admins only, before the body is judged
        data = _validated(MailboxCreateInput, request.data)
        try:
            mailbox, secret = services.mailbox_create(actor=request.user, **_changes(data))
        except DomainError as exc:
            raise _api_error(exc) from None
        return ok({**MailboxSerializer(mailbox).data, "inboundSecret": secret}, status=201)


class MailboxDetailView(ApiView):
    @extend_schema(
        responses=responses({200: envelope("MailboxDetail", MailboxSerializer)}, 403, 404), summary="Get a mailbox"
    )
    def get(self, request, mailbox_id):
        return ok(MailboxSerializer(selectors.mailbox_get(actor=request.user, public_id=mailbox_id)).data)

    @extend_schema(
        request=MailboxUpdateInput,
        responses=responses({200: envelope("MailboxUpdated", MailboxSerializer)}, 400, 403, 404),
        summary="Update a mailbox (admins)",
    )
    def patch(self, request, mailbox_id):
        mailbox = selectors.mailbox_get(actor=request.user, public_id=mailbox_id)
        data = _validated(MailboxUpdateInput, request.data)
        try:
            mailbox = services.mailbox_update(actor=request.user, mailbox=mailbox, changes=_changes(data))
        except DomainError as exc:
            raise _api_error(exc) from None
        return ok(MailboxSerializer(mailbox).data)

    @extend_schema(
        request=None,
        responses=responses({200: envelope("MailboxDeleted", DELETED)}, 403, 404),
        summary="Delete a mailbox (admins); the messages it received are kept",
    )
    def delete(self, request, mailbox_id):
        mailbox = selectors.mailbox_get(actor=request.user, public_id=mailbox_id)
        services.mailbox_delete(actor=request.user, mailbox=mailbox)
        return ok({"deleted": True})


# --- the inbound endpoint ---------------------------------------------------------------------------


class RawMessageParser(BaseParser):
    """message/rfc822: the body is the message, bytes as they are, at most EMAIL_INTAKE_MAX_BYTES."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.EMAIL_INTAKE_MAX_BYTES
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        too_large = TooLarge.for_field("body", f"the message is larger than the {limit:,} byte limit")
        if declared > limit:
            raise too_large  # refused unread
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large
        return raw


class RawOctetStreamParser(RawMessageParser):
    """The same bytes sent as application/octet-stream (what generic HTTP clients label a file)."""

    media_type = "application/octet-stream"


class InboundSecretAuthentication(BaseAuthentication):
    """`Authorization: Bearer <inbound secret>` of the mailbox named in the URL; request.auth is
    that mailbox. Anything else is a 401, the same whether or not the mailbox exists."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            raise exceptions.NotAuthenticated("Send the mailbox's inbound secret as `Authorization: Bearer <secret>`.")
        given = hash_secret(parts[1].decode("latin-1"))
        mailbox_id = request.parser_context["kwargs"].get("mailbox_id", "")
        mailbox = Mailbox.objects.filter(public_id=mailbox_id).first()
        if mailbox is None or not constant_time_compare(given, mailbox.inbound_secret_hash):
            raise exceptions.AuthenticationFailed("Wrong inbound secret for this mailbox.")
        return AnonymousUser(), mailbox

    def authenticate_header(self, request):
        return 'Bearer realm="inbound"'


class InboundSecretScheme(OpenApiAuthenticationExtension):
    target_class = "mailboxes.api.views.InboundSecretAuthentication"
    name = "inboundSecret"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A mailbox's inbound secret (shown once, when the mailbox is created).",
        }


class InboundView(ApiView):
    """One raw RFC 5322 message, as a mail provider forwards it (Mailgun, Postmark, SES...).

    The message is recorded by its Message-ID (or a hash when it has none) before anything else,
    so posting it twice makes one request or reply; the answer says what it became."""

    authentication_classes = [InboundSecretAuthentication]
    permission_classes = [AllowAny]
    parser_classes = [RawMessageParser, RawOctetStreamParser]

    @extend_schema(
        # The parser takes application/octet-stream too; client generators without message/rfc822 map it
        # to that (openapi-python-client: content_type_overrides).
        request={"message/rfc822": OpenApiTypes.BINARY},
        responses=responses({202: envelope("InboundAccepted", INBOUND_RESULT)}, 400, 403, 413, 415),
        summary="Post a raw message to a mailbox (its inbound secret as the Bearer token)",
        operation_id="mailboxes_inbound_create",
        examples=[OpenApiExample("A new request", value={"requestId": "req_…", "commentId": None}, response_only=True)],
    )
    def post(self, request, mailbox_id):
        mailbox: Mailbox = request.auth
        if not mailbox.active:
            raise PermissionDenied("This mailbox is not active.", code="mailbox_inactive")
        raw = request.data
        if not isinstance(raw, bytes) or not raw.strip():
            raise ValidationFailed.for_field("body", "send one raw message (Content-Type: message/rfc822)")
        outcome = services.message_receive(mailbox=mailbox, raw=raw, channel="http")
        return ok(outcome.answer, status=202)
