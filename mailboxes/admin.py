"""Django admin for mailboxes and the messages they received (quarantine included, with "retry
import"). Writes go through mailboxes.services."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from helpdesk.admin_tools import ServiceSaveMixin, changed, plural
from helpdesk.errors import DomainError

from . import services
from .models import InboundMessage, Mailbox, MessageStatus

RAW_SHOWN = 200_000  # characters of a raw message shown on its admin page (the download has all)


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label="IMAP password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored as given (the IMAP server needs it) and never shown again. Leave empty to keep it.",
    )

    class Meta:
        model = Mailbox
        fields = services.MAILBOX_FIELDS

    def clean_imap_password(self):
        # Left empty: the stored one stays (the form never shows it, so it is empty unless retyped).
        return self.cleaned_data["imap_password"] or self.instance.imap_password


@admin.register(Mailbox)
class MailboxAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = MailboxForm
    autocomplete_fields = ("group",)
    list_display = ("name", "address", "group", "active", "imap_host", "after_import", "last_polled_at", "error")
    list_filter = ("active", "after_import")
    search_fields = ("name", "address", "imap_host", "public_id")
    readonly_fields = ("public_id", "password_stored", "inbound_secret_hint", "last_polled_at", "last_error")
    actions = ["poll_now", "rotate_secret"]
    fieldsets = [
        (None, {"fields": ("public_id", "name", "address", "group", "active")}),
        (
            "IMAP",
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_tls",
                    "imap_username",
                    "imap_password",
                    "password_stored",
                    "imap_folder",
                    "after_import",
                    "move_to_folder",
                )
            },
        ),
        ("Inbound posts and polling", {"fields": ("inbound_secret_hint", "last_polled_at", "last_error")}),
    ]

    @admin.display(description="stored password")
    def password_stored(self, obj):
        return obj.password_masked or "(none)"

    @admin.display(description="last error")
    def error(self, obj):
        return (obj.last_error[:60] + "…") if len(obj.last_error) > 60 else obj.last_error

    def service_create(self, request, form):
        mailbox, secret = services.mailbox_create(actor=request.user, **form.cleaned_data)
        self.message_user(
            request,
            f"The inbound secret of {mailbox.name} (POST /v1/mailboxes/{mailbox.public_id}/inbound), shown only "
            f"now: {secret}",
            messages.WARNING,
        )
        return mailbox

    def service_update(self, request, obj, form):
        services.mailbox_update(actor=request.user, mailbox=obj, changes=changed(form, services.MAILBOX_FIELDS))

    def delete_model(self, request, obj):
        services.mailbox_delete(actor=request.user, mailbox=obj)

    @admin.action(description="Poll the selected mailboxes now")
    def poll_now(self, request, queryset):
        from .imap import poll

        for mailbox in queryset.filter(active=True):
            result = poll(mailbox)
            level = messages.ERROR if result.errors else messages.SUCCESS
            detail = f"; error: {result.errors[0]}" if result.errors else ""
            self.message_user(
                request,
                f"{mailbox.name}: {plural(result.fetched, 'message')} fetched, {result.imported} imported, "
                f"{result.ignored} ignored, {result.quarantined} quarantined{detail}",
                level,
            )

    @admin.action(description="Make a new inbound secret (the old one stops working)")
    def rotate_secret(self, request, queryset):
        for mailbox in queryset:
            secret = services.mailbox_rotate_secret(actor=request.user, mailbox=mailbox)
            self.message_user(
                request, f"New inbound secret of {mailbox.name}, shown only now: {secret}", messages.WARNING
            )


class QuarantinedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return MessageStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "subject", "mailbox", "status", "reason_short", "request_link")
    list_filter = (QuarantinedFilter, "mailbox", "channel")
    search_fields = ("key", "sender", "subject", "=request__public_id", "=follows_request__public_id")
    list_select_related = ("mailbox", "request")
    actions = ["retry_import"]
    fields = (
        "key",
        "mailbox",
        "channel",
        "status",
        "reason",
        "sender",
        "subject",
        "request_link",
        "comment",
        "follows_request",
        "attempts",
        "received_at",
        "imported_at",
        "size",
        "download",
        "text",
        "raw_message",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the page is read-only; "retry import" is the one way to act

    @admin.display(description="reason")
    def reason_short(self, obj):
        first = obj.reason.split("\n", 1)[0]
        return first[:80] + ("…" if len(first) > 80 else "")

    @admin.display(description="request")
    def request_link(self, obj):
        if obj.request_id is None:
            return "—"
        url = reverse("admin:tickets_request_change", args=[obj.request_id])
        return format_html('<a href="{}">#{}</a>', url, obj.request_id)

    @admin.display(description="raw message")
    def raw_message(self, obj):
        # Shown as text, never rendered: HTML in a message is only ever escaped here.
        text = bytes(obj.raw).decode("utf-8", "replace")
        shown = text[:RAW_SHOWN] + ("\n… (download it for the rest)" if len(text) > RAW_SHOWN else "")
        return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>', shown)

    @admin.display(description="original")
    def download(self, obj):
        url = reverse("admin:mailboxes_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">Download the raw message (.eml)</a>', url)

    def get_urls(self):
        raw = path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="mailboxes_inboundmessage_raw")
        return [raw, *super().get_urls()]

    def raw_view(self, request, pk):
        message = InboundMessage.objects.filter(pk=pk).first()
        if message is None or not self.has_view_permission(request, message):
            return HttpResponse(status=404)
        response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
        return response

    @admin.action(description="Retry import of the selected quarantined messages")
    def retry_import(self, request, queryset):
        results = {MessageStatus.IMPORTED: 0, MessageStatus.IGNORED: 0, MessageStatus.QUARANTINED: 0}
        for message in queryset.filter(status=MessageStatus.QUARANTINED):
            try:
                outcome = services.message_retry(actor=request.user, message=message)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            results[outcome.status] = results.get(outcome.status, 0) + 1
        self.message_user(
            request,
            f"{results[MessageStatus.IMPORTED]} imported, {results[MessageStatus.IGNORED]} ignored, "
            f"{results[MessageStatus.QUARANTINED]} still quarantined.",
            messages.SUCCESS if not results[MessageStatus.QUARANTINED] else messages.WARNING,
        )
