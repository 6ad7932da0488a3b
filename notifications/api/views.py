"""/v1/webhooks: admins register signed webhook endpoints and watch their deliveries."""

from drf_spectacular.utils import extend_schema

from helpdesk.api.envelope import ok
from helpdesk.api.pagination import paginate
from helpdesk.api.schema import PAGE_PARAMETERS, envelope, page_envelope, responses
from helpdesk.api.views import ApiView
from tickets.api.serializers import DeletedSerializer

from .. import selectors, services
from .serializers import (
    WebhookCreatedSerializer,
    WebhookCreateInput,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateInput,
)


class WebhookListView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses({200: page_envelope("WebhookPage", "webhooks", WebhookSerializer)}, 400, 403),
        summary="List webhook endpoints (admins)",
    )
    def get(self, request):
        items, pagination = paginate(selectors.webhook_list(actor=request.user), request.query_params)
        return ok({"webhooks": WebhookSerializer(items, many=True).data, "pagination": pagination})

    @extend_schema(
        request=WebhookCreateInput,
        responses=responses({201: envelope("WebhookCreated", WebhookCreatedSerializer)}, 400, 403),
        summary="Register a webhook endpoint (admins); the answer carries its signing secret, once",
    )
    def post(self, request):
        data = WebhookCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_create(actor=request.user, **data.validated_data)
        return ok(WebhookCreatedSerializer(endpoint).data, status=201)


class WebhookDetailView(ApiView):
    @extend_schema(
        responses=responses({200: envelope("WebhookDetail", WebhookSerializer)}, 403, 404),
        summary="Get a webhook endpoint (admins)",
    )
    def get(self, request, webhook_id):
        return ok(WebhookSerializer(services.webhook_get(actor=request.user, public_id=webhook_id)).data)

    @extend_schema(
        request=WebhookUpdateInput,
        responses=responses({200: envelope("WebhookUpdated", WebhookSerializer)}, 400, 403, 404),
        summary="Change a webhook endpoint (admins)",
    )
    def patch(self, request, webhook_id):
        endpoint = services.webhook_get(actor=request.user, public_id=webhook_id)
        data = WebhookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_update(actor=request.user, endpoint=endpoint, changes=data.validated_data)
        return ok(WebhookSerializer(endpoint).data)

    @extend_schema(
        responses=responses({200: envelope("WebhookDeleted", DeletedSerializer)}, 403, 404),
        summary="Delete a webhook endpoint and its deliveries (admins)",
    )
    def delete(self, request, webhook_id):
        endpoint = services.webhook_get(actor=request.user, public_id=webhook_id)
        services.webhook_delete(actor=request.user, endpoint=endpoint)
        return ok({"deleted": True})


class WebhookTestView(ApiView):
    @extend_schema(
        request=None,
        responses=responses({202: envelope("WebhookTestQueued", WebhookDeliverySerializer)}, 403, 404),
        summary="Send a signed webhook.test message to the endpoint (admins)",
        operation_id="webhooks_test",
    )
    def post(self, request, webhook_id):
        endpoint = services.webhook_get(actor=request.user, public_id=webhook_id)
        delivery = services.webhook_test(actor=request.user, endpoint=endpoint)
        return ok(WebhookDeliverySerializer(delivery).data, status=202)


class WebhookDeliveriesView(ApiView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses=responses(
            {200: page_envelope("WebhookDeliveryPage", "deliveries", WebhookDeliverySerializer)}, 400, 403, 404
        ),
        summary="List an endpoint's deliveries, newest first (admins)",
    )
    def get(self, request, webhook_id):
        endpoint = services.webhook_get(actor=request.user, public_id=webhook_id)
        items, pagination = paginate(selectors.webhook_deliveries(endpoint=endpoint), request.query_params)
        return ok({"deliveries": WebhookDeliverySerializer(items, many=True).data, "pagination": pagination})
