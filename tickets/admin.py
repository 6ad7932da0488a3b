"""Django admin for requests and what hangs off them. Requests, comments and history are written by
the services; the admin validates, calls them, and is where soft-deleted requests are restored."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from helpdesk.admin_tools import ServiceSaveMixin, changed, plural

from .models import Attachment, Category, Comment, Macro, Request, RequestEvent, SavedView, Tag
from .services import TAG_PATTERN, comment_add, request_create, request_delete, request_restore, request_update

# Autocompletes (app, model, field) that may only offer live requests: the services refuse deleted ones.
LIVE_REQUEST_CHOICES = {("tickets", "comment", "request")}


def download_link(attachment: Attachment) -> str:
    url = reverse("api-attachment", args=[attachment.public_id])
    return format_html('<a href="{}">Download</a>', url)


def excerpt(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- reference data ----------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "label")
    search_fields = ("name", "label")


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)

    def clean_name(self):
        # The same rule the services apply, so a tag made here can be set through the API.
        name = self.cleaned_data["name"].strip().lower()
        if not TAG_PATTERN.match(name):
            raise forms.ValidationError("Use letters, digits, '.', '-' or '_', starting with a letter or digit.")
        return name


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ("name",)
    search_fields = ("name",)


# --- requests ----------------------------------------------------------------------------------


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """History shown beside the request, never edited there: every field is read-only (so no
    select box is ever built) and rows are added only through the services."""

    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ("created_at", "author", "is_internal", "content_excerpt")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="content")
    def content_excerpt(self, obj):
        return excerpt(obj.content)


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("created_at", "filename", "size", "content_type", "uploaded_by", "comment", "download")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "comment")

    @admin.display(description="file")
    def download(self, obj):
        return download_link(obj)


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ("created_at", "actor", "kind", "field", "old_value", "new_value", "is_internal")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


HISTORY_FIELDS = ("source", "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "deleted_at")
SLA_FIELDS = ("sla_tier", "sla_status", "sla_due_at")  # kept by the SLA clocks


@admin.register(Request)
class RequestAdmin(ServiceSaveMixin, admin.ModelAdmin):
    add_fieldsets = (
        (None, {"fields": ("title", "description", "priority", "category", "tags", "source")}),
        ("People", {"fields": ("requester", "assigned_group", "assigned_to")}),
    )
    fieldsets = (
        (None, {"fields": ("number", "public_id", "title", "description", "status", "priority", "category", "tags")}),
        ("People", {"fields": ("requester", "assigned_group", "assigned_to")}),
        ("Resolution", {"fields": ("resolution",)}),
        ("History", {"fields": HISTORY_FIELDS}),
        ("SLA", {"fields": SLA_FIELDS}),
    )
    readonly_fields = ("number", "public_id", "requester", *HISTORY_FIELDS, *SLA_FIELDS)
    autocomplete_fields = ("requester", "assigned_to", "assigned_group", "category", "tags")
    inlines = (CommentInline, AttachmentInline, RequestEventInline)
    list_display = (
        "number",
        "title",
        "public_id",
        "status",
        "priority",
        "requester",
        "assigned_to",
        "assigned_group",
        "created_at",
        "is_deleted",
    )
    list_display_links = ("number", "title")
    list_filter = ("status", "priority", "sla_status", "source", "assigned_group", DeletedFilter)
    list_select_related = ("requester", "assigned_to", "assigned_group")
    list_per_page = 50
    search_fields = ("title", "public_id", "requester__email")
    search_help_text = "Title, request id (req_…), number (#123) or requester email."
    date_hierarchy = "created_at"
    actions = ("restore_selected", "soft_delete_selected")

    def get_queryset(self, request):
        # Admin is where deleted requests are found and restored, so it sees every row.
        queryset = Request.all_objects.all()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().removeprefix("#")
        if number.isdigit():
            results |= queryset.filter(pk=int(number))
        source = (request.GET.get("app_label"), request.GET.get("model_name"), request.GET.get("field_name"))
        if source in LIVE_REQUEST_CHOICES:
            results = results.filter(deleted_at__isnull=True)
        return results, may_have_duplicates

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # A deleted request is shown read-only: the services act on live requests only; restore it first.
        if obj is not None and obj.is_deleted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # No hard delete, so no request is lost by accident: the soft-delete action can be undone.
        return False

    @admin.display(description="#", ordering="pk")
    def number(self, obj):
        return f"#{obj.number}"

    @admin.display(description="deleted", boolean=True, ordering="deleted_at")
    def is_deleted(self, obj):
        return obj.is_deleted

    def service_create(self, request, form):
        data = form.cleaned_data
        return request_create(
            actor=request.user,
            title=data["title"],
            description=data["description"],
            priority=data["priority"],
            category=data["category"].name if data["category"] else None,
            tags=[tag.name for tag in data["tags"]],
            requester_id=data["requester"].public_id,
            assigned_group=data["assigned_group"].public_id if data["assigned_group"] else None,
            assigned_to=data["assigned_to"].public_id if data["assigned_to"] else None,
            source=data["source"],
        )

    def service_update(self, request, obj, form):
        # The service speaks the API's language: categories by name, people and groups by public id.
        changes = changed(form, {"title", "description", "status", "priority", "resolution"})
        if "category" in form.changed_data:
            category = form.cleaned_data["category"]
            changes["category"] = category.name if category else None
        for field in ("assigned_to", "assigned_group"):
            if field in form.changed_data:
                value = form.cleaned_data[field]
                changes[field] = value.public_id if value else None
        if "tags" in form.changed_data:
            changes["tags"] = [tag.name for tag in form.cleaned_data["tags"]]
        request_update(actor=request.user, request=obj, changes=changes)

    @admin.action(description="Restore selected requests")
    def restore_selected(self, request, queryset):
        deleted = list(queryset.filter(deleted_at__isnull=False))
        for obj in deleted:
            request_restore(actor=request.user, request=obj)
        self.message_user(request, f"Restored {plural(len(deleted), 'request')}.", messages.SUCCESS)

    @admin.action(description="Soft-delete selected requests")
    def soft_delete_selected(self, request, queryset):
        live = list(queryset.filter(deleted_at__isnull=True).values_list("public_id", flat=True))
        for public_id in live:
            request_delete(actor=request.user, request_id=public_id)
        self.message_user(request, f"Deleted {plural(len(live), 'request')}; restore them from here.", messages.SUCCESS)


# --- comments, attachments, history ------------------------------------------------------------


@admin.register(Comment)
class CommentAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Comments are added as the signed-in admin through the service (which records the event and
    the first response). Afterwards only the content can be edited, to redact it: no service
    exists for that, and moving a comment or changing who may see it would contradict the history."""

    add_fields = ("request", "content", "is_internal")
    fields = ("public_id", "request", "author", "is_internal", "created_at", "content")
    readonly_fields = ("public_id", "request", "author", "is_internal", "created_at")
    autocomplete_fields = ("request", "author")
    list_display = ("public_id", "request", "author", "is_internal", "created_at", "content_excerpt")
    list_select_related = ("request", "author")
    list_filter = ("is_internal",)
    search_fields = ("content", "public_id", "request__public_id")
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # The history names the comment; redact its content instead.
        return False

    @admin.display(description="content")
    def content_excerpt(self, obj):
        return excerpt(obj.content)

    def service_create(self, request, form):
        data = form.cleaned_data
        return comment_add(
            actor=request.user, request=data["request"], content=data["content"], is_internal=data["is_internal"]
        )

    def service_update(self, request, obj, form):
        obj.save(update_fields=["content"])


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Files arrive through the service (which names, sizes and types them) and are not edited.
    Deleting one removes access to it; the stored file stays on disk."""

    fields = (
        "public_id",
        "request",
        "comment",
        "filename",
        "size",
        "content_type",
        "uploaded_by",
        "created_at",
        "download",
    )
    readonly_fields = fields
    list_display = ("filename", "public_id", "request", "uploaded_by", "size", "content_type", "created_at", "download")
    list_select_related = ("request", "uploaded_by")
    search_fields = ("filename", "public_id", "request__public_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="file")
    def download(self, obj):
        return download_link(obj)


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    """Append-only history: read, never written here."""

    list_display = ("created_at", "request", "kind", "field", "old_value", "new_value", "actor", "is_internal")
    list_select_related = ("request", "actor")
    list_filter = ("kind", "is_internal")
    search_fields = ("request__public_id", "field")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    """Queue views: an agent's own, or shared with every agent when the owner is empty."""

    list_display = ("name", "owner", "position", "query")
    list_filter = (("owner", admin.EmptyFieldListFilter),)
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    search_fields = ("name", "owner__email")
    ordering = ("owner", "position")


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Canned responses: an agent's own, or shared with every agent when the owner is empty."""

    list_display = ("name", "owner", "is_internal", "status", "priority")
    list_filter = (("owner", admin.EmptyFieldListFilter), "is_internal")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner", "assigned_group", "assigned_to")
    search_fields = ("name", "body")
