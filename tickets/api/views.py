import re
from types import SimpleNamespace

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser

from helpdesk.api.envelope import ok
from helpdesk.api.pagination import paginate
from helpdesk.api.schema import _PAGINATION, PAGE_PARAMETERS, envelope, page_envelope, responses
from helpdesk.api.views import ApiView, rename
from helpdesk.errors import ValidationFailed
from helpdesk.paging import EXACT_TOTAL_UP_TO
from sla.models import ClockStatus
from surveys import selectors as survey_selectors

from .. import selectors, services
from ..filters import ORDERINGS, RequestFilter, ordering_name
from ..models import Priority, Source, Status
from .comment_items import comment_item, comment_items, request_detail
from .list_items import list_items
from .pagination import paginate_requests
from .serializers import (
    AttachmentCreatedSerializer,
    CommentCreateInput,
    CommentSerializer,
    DeletedSerializer,
    RequestCreatedSerializer,
    RequestCreateInput,
    RequestDetailSerializer,
    RequestListItemSerializer,
    RequestUpdatedSerializer,
    RequestUpdateInput,
)

REQUEST_FIELDS = {"assignedTo": "assigned_to", "assignedGroup": "assigned_group"}
# Multipart framing around the file; a body larger than the limit plus this is refused unread.
UPLOAD_OVERHEAD = 64 * 1024

# An unknown id matches nothing; an empty value is no filter; NUL is refused.
_ID_QUERY = {"type": "string", "maxLength": 64, "pattern": r"^[^\u0000]*$"}
LIST_PARAMETERS = [
    OpenApiParameter("status", str, enum=Status.values, description="Filter by status"),
    OpenApiParameter("priority", str, enum=Priority.values, description="Filter by priority"),
    OpenApiParameter("assignedTo", _ID_QUERY, description="Filter by assignee (user id)"),
    OpenApiParameter("groupId", _ID_QUERY, description="Filter by group (group id)"),
    OpenApiParameter(
        "createdAfter", OpenApiTypes.DATETIME, description="Created at or after (ISO 8601 date or date-time)"
    ),
    OpenApiParameter("createdBefore", OpenApiTypes.DATETIME, description="Created before (ISO 8601 date or date-time)"),
    OpenApiParameter(
        "updatedSince",
        OpenApiTypes.DATETIME,
        description="Changed at or after this instant (ISO 8601 date or date-time), by updatedAt as you see it. "
        "Without `ordering` the list is then ordered by `updatedAt` (oldest change first, id breaking ties), "
        "so a sync can walk it with `cursor` and resume from its last `updatedAt` next time.",
    ),
    OpenApiParameter(
        "slaStatus",
        str,
        enum=ClockStatus.values,
        description="Filter by the request's SLA status: the worst of its clocks (breached > at_risk > on_track).",
    ),
    OpenApiParameter(
        "ordering",
        {
            "type": "string",
            "enum": list(ORDERINGS),
            # Names for generated clients, which cannot call a constant "-createdAt": CREATED_AT_DESC.
            "x-enum-varnames": [
                re.sub(r"(?<!^)(?=[A-Z])", "_", name.lstrip("-")).upper() + ("_DESC" if name[0] == "-" else "")
                for name in ORDERINGS
            ],
        },
        description="Sort order; default -createdAt (newest first), or updatedAt with `updatedSince`. `sla`: nearest "
        "running SLA target first; `-sla`: furthest first; requests with no running clock come last in both.",
    ),
    OpenApiParameter(
        "include",
        str,
        enum=["survey"],
        description="`survey`: each item also carries `survey`, as GET /v1/requests/{id} does.",
    ),
    *PAGE_PARAMETERS,
    OpenApiParameter(
        "cursor",
        {"type": "string", "maxLength": 2000},
        description="Instead of `page`: empty for the first page, then the `nextCursor` of the previous answer, "
        "with the same filters and ordering. Each page then starts right after the last request of the previous "
        "one (keyset), so it costs the same at the millionth request as at the first, and requests created "
        "meanwhile never shift a page. A cursor does not expire.",
    ),
]
INCLUDES = {"survey"}


def _includes(params) -> set[str]:
    asked = {name.strip() for name in params.get("include", "").split(",") if name.strip()}
    if asked - INCLUDES:
        raise ValidationFailed.for_field("include", f"unknown: {', '.join(sorted(asked - INCLUDES))}; known: survey")
    return asked


_CURSOR_PAGINATION = inline_serializer(
    name="CursorPagination",
    fields={
        "limit": serializers.IntegerField(),
        "total": serializers.IntegerField(
            help_text=f"Requests matching the filters: exact up to {EXACT_TOTAL_UP_TO:,}, else an estimate."
        ),
        "totalEstimated": serializers.BooleanField(help_text="true when total is PostgreSQL's estimate."),
        "pages": serializers.IntegerField(help_text="ceil(total / limit)."),
        "nextCursor": serializers.CharField(
            allow_null=True, help_text="Pass it as `cursor` for the next page; null on the last page."
        ),
    },
)


# Page mode answers the seed's Pagination, cursor mode a CursorPagination (no page number).
_REQUEST_PAGINATION = PolymorphicProxySerializer(
    component_name="RequestPagination",
    serializers=[_PAGINATION, _CURSOR_PAGINATION],
    resource_type_field_name=None,
)

LIST_DESCRIPTION = f"""Requests you may see, filtered and ordered, a page at a time.

**Pagination.** `page` and `limit` work as always. For walking everything (an export, a sync) use
`cursor`: send `cursor=` (empty) for the first page, then pass back `pagination.nextCursor` until it
is null. Cursor pages are keyset pages (they start after the previous page's last request in the
ordering), so every page costs the same however deep,
and inserts never make a walk repeat or skip a request. For a sync, walk `updatedSince=<last run>`
(ordered by updatedAt): a request changed during the walk moves to its end and is seen again, never lost.

**pagination.total** never costs a full count: it is exact when at most {EXACT_TOTAL_UP_TO:,} requests
match; beyond that it is PostgreSQL's planner estimate for the same filters, never below
{EXACT_TOTAL_UP_TO + 1:,}: a total above {EXACT_TOTAL_UP_TO:,} is an estimate (cursor pages also say
`totalEstimated: true`). Such an estimate
is usually within a few percent for one filter and within a factor of two for combinations; `pages`
follows it, and a page past the real end is simply empty. The server remembers for up to a minute
which filters matched more than {EXACT_TOTAL_UP_TO:,} and gives the same estimate meanwhile without
counting, even if the list shrank to {EXACT_TOTAL_UP_TO:,} or fewer in that minute.
"""


class RequestListView(ApiView):
    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses=responses(
            {
                200: envelope(
                    "RequestPage",
                    inline_serializer(
                        name="RequestPageData",
                        fields={"requests": RequestListItemSerializer(many=True), "pagination": _REQUEST_PAGINATION},
                    ),
                )
            },
            400,
        ),
        summary="List requests, newest first",
        description=LIST_DESCRIPTION,
    )
    def get(self, request):
        filters = {
            name: request.query_params[name] for name in RequestFilter.base_filters if name in request.query_params
        }
        includes = _includes(request.query_params)
        queryset = selectors.request_list(user=request.user, filters=filters)
        rows, pagination = paginate_requests(
            queryset,
            request.query_params,
            ordering=ordering_name(filters),
            updated_field=selectors.updated_at_seen_by(request.user),
        )
        invitations = None
        if "survey" in includes:  # one more query for the whole page
            invitations = survey_selectors.invitations_for_requests([SimpleNamespace(pk=row["id"]) for row in rows])
        return ok({"requests": list_items(rows, invitations), "pagination": pagination})

    @extend_schema(
        request=RequestCreateInput,
        responses=responses({201: envelope("RequestCreated", RequestCreatedSerializer)}, 400, 403),
        summary="Create a request",
    )
    def post(self, request):
        data = RequestCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = rename(data.validated_data, REQUEST_FIELDS)
        fields.update(fields.pop("requester", {}))
        created = services.request_create(actor=request.user, source=Source.API, **fields)
        return ok(RequestCreatedSerializer(created).data, status=201)


class RequestDetailView(ApiView):
    @extend_schema(
        responses=responses({200: envelope("RequestDetail", RequestDetailSerializer)}, 404),
        summary="Get a request with its SLA, comments and attachments",
    )
    def get(self, request, request_id):
        found = selectors.request_get(user=request.user, public_id=request_id, detail=True)
        found.survey_invitation = survey_selectors.invitation_for_request(request=found)
        return ok(request_detail(found))

    @extend_schema(
        request=RequestUpdateInput,
        responses=responses({200: envelope("RequestUpdated", RequestUpdatedSerializer)}, 400, 403, 404),
        summary="Update a request",
    )
    def patch(self, request, request_id):
        found = selectors.request_get(user=request.user, public_id=request_id)
        data = RequestUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = rename(data.validated_data, REQUEST_FIELDS)
        updated = services.request_update(actor=request.user, request=found, changes=changes)
        return ok(RequestUpdatedSerializer(selectors.as_seen_by(request.user, updated)).data)

    @extend_schema(
        responses=responses({200: envelope("RequestDeleted", DeletedSerializer)}, 403, 404),
        summary="Delete a request (admins; restorable in Django admin)",
    )
    def delete(self, request, request_id):
        services.request_delete(actor=request.user, request_id=request_id)
        return ok({"deleted": True})


class RequestCommentsView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses({200: page_envelope("CommentPage", "comments", CommentSerializer)}, 400, 404),
        summary="List a request's comments, oldest first (requesters never see internal notes)",
    )
    def get(self, request, request_id):
        found = selectors.request_get(user=request.user, public_id=request_id, related=False)
        items, pagination = paginate(selectors.visible_comments(request.user, found), request.query_params)
        return ok({"comments": comment_items(items), "pagination": pagination})

    @extend_schema(
        request=CommentCreateInput,
        responses=responses({201: envelope("CommentCreated", CommentSerializer)}, 400, 403, 404),
        summary="Add a comment or an internal note",
    )
    def post(self, request, request_id):
        # comment_add reads the request again, locked: here it is only found (or not) for this user.
        found = selectors.request_get(user=request.user, public_id=request_id, related=False)
        data = CommentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(
            actor=request.user,
            request=found,
            content=data.validated_data["content"],
            is_internal=data.validated_data["isInternal"],
        )
        return ok(comment_item(comment), status=201)


class RequestAttachmentsView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("AttachmentUpload", {"file": serializers.FileField()})},
        responses=responses({201: envelope("AttachmentCreated", AttachmentCreatedSerializer)}, 400, 404, 413),
        summary="Upload a file to a request (multipart field `file`)",
    )
    def post(self, request, request_id):
        found = selectors.request_get(user=request.user, public_id=request_id)
        # Refuse an oversized body before reading it.
        services.ensure_upload_fits(int(request.META.get("CONTENT_LENGTH") or 0), slack=UPLOAD_OVERHEAD)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed.for_field("file", "send the file as multipart form field 'file'")
        attachment = services.attachment_add(actor=request.user, request=found, upload=upload)
        return ok(AttachmentCreatedSerializer(attachment, context={"request": request}).data, status=201)


class AttachmentDownloadView(ApiView):
    @extend_schema(
        # The bytes as stored, never JSON. Content-Type is guessed from the file name (image/png, ...),
        # application/octet-stream when unknown: both are declared, the generic one first for generators.
        responses=responses(
            {
                (200, "application/octet-stream", "*/*"): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The file, as an attachment"
                )
            },
            404,
        ),
        summary="Download an attachment",
        operation_id="attachments_download",
    )
    def get(self, request, attachment_id):
        attachment = selectors.attachment_get(user=request.user, public_id=attachment_id)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,  # never rendered inline: an uploaded HTML file must not run on our origin
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
