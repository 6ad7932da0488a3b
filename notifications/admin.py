from django import forms
from django.contrib import admin, messages

from helpdesk.admin_tools import ServiceSaveMixin, changed

from . import delivery, services
from .models import Delivery, NotificationPreference, NotificationRule, WebhookEndpoint, WebhookEvent


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    """The default email notifications; switch one off and nobody gets that email."""

    list_display = ("__str__", "enabled")
    list_editable = ("enabled",)
    fields = ("rule", "enabled")
    readonly_fields = ("rule",)

    def has_add_permission(self, request):
        return False  # the set is fixed (a migration adds them); they are switched, not made

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "request_created_agents", "requester_reply", "assigned", "sla_at_risk", "sla_breached")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__name")
    autocomplete_fields = ("user",)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "events", "active", "description")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Endpoints are saved through the services (SSRF guard, event names); the secret is shown once."""

    form = WebhookForm
    list_display = ("public_id", "url", "active", "failing_since", "disabled_at", "created_at")
    list_filter = ("active",)
    search_fields = ("public_id", "url", "description")
    readonly_fields = ("public_id", "failing_since", "disabled_at", "disabled_reason", "created_at", "updated_at")

    def get_fields(self, request, obj=None):
        fields = ["url", "events", "active", "description"]
        return fields + list(self.readonly_fields) if obj else fields

    def service_create(self, request, form):
        endpoint = services.webhook_create(actor=request.user, **form.cleaned_data)
        self.message_user(
            request,
            f"The signing secret of {endpoint.public_id}, shown this once: {endpoint.secret}",
            messages.WARNING,
        )
        return endpoint

    def service_update(self, request, obj, form):
        fields = changed(form, ("url", "events", "active", "description"))
        if fields:
            services.webhook_update(actor=request.user, endpoint=obj, changes=fields)

    def delete_model(self, request, obj):
        services.webhook_delete(actor=request.user, endpoint=obj)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("public_id", "channel", "event", "to", "status", "attempts", "due_at", "sent_at", "created_at")
    list_filter = ("status", "channel", "event", "endpoint")
    search_fields = ("public_id", "idempotency_key", "message_id", "recipient__email", "request__public_id")
    list_select_related = ("recipient", "endpoint")
    date_hierarchy = "created_at"
    actions = ("retry_selected",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
    show_full_result_count = False  # no COUNT(*) over a million delivered rows

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="to")
    def to(self, obj):
        return obj.recipient.email if obj.recipient_id else (obj.endpoint.url if obj.endpoint_id else "")

    @admin.action(description="Retry selected deliveries now")
    def retry_selected(self, request, queryset):
        count = delivery.retry(actor=request.user, ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{count} {'delivery' if count == 1 else 'deliveries'} queued again (sent ones are left alone)."
        )
