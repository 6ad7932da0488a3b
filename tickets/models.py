from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from helpdesk.ids import new_public_id


def new_request_id() -> str:
    return new_public_id("req_")


def new_comment_id() -> str:
    return new_public_id("cmt_")


def new_attachment_id() -> str:
    return new_public_id("att_")


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Source(models.TextChoices):
    WEB = "web", "Agent workspace"
    PORTAL = "portal", "Portal"
    API = "api", "API"
    EMAIL = "email", "Email"


class Category(models.Model):
    """What a request is about ("software", "hardware"); the API names it by `name`."""

    name = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.label or self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class LiveRequestManager(models.Manager):
    """Soft-deleted requests are gone for everything but Django admin (which uses `all_objects`)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


LIVE = Q(deleted_at__isnull=True)
# The columns the request list filters on.
_LIST_FILTERS = ("status", "priority", "assigned_to", "assigned_group", "sla_status")


def _by_creation(name: str, lead: str | None = None) -> models.Index:
    """A live-rows index in creation order, led by one list filter (or none), carrying the last update
    and every other filter column (PostgreSQL's INCLUDE; other databases make it without them)."""
    return models.Index(
        fields=[*([lead] if lead else []), "-created_at", "-id"],
        include=["updated_at", *(column for column in _LIST_FILTERS if column != lead)],
        condition=LIVE,
        name=name,
    )


class Request(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=new_request_id, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_requests"
    )
    assigned_group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PORTAL)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The last change its requester can see (not internal notes, their files or SLA moves): what
    # requesters are shown as updatedAt and sort by, so an internal note tells them nothing.
    public_updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Kept by the SLA clocks (sla.services), for filtering and ordering lists by SLA.
    sla_tier = models.CharField("SLA tier", max_length=50, blank=True)
    sla_status = models.CharField(
        "SLA status", max_length=16, blank=True, help_text="The worst of the request's clocks."
    )
    sla_due_at = models.DateTimeField(
        "SLA due", null=True, blank=True, help_text="The nearest target of a running clock."
    )

    objects = LiveRequestManager()
    all_objects = models.Manager()

    class Meta:
        # Newest first, with the id as tie-breaker so pages never overlap.
        ordering = ["-created_at", "-id"]
        base_manager_name = "all_objects"
        indexes = [
            # Every list filter together with the default ordering, on live rows only, each carrying
            # the others: a page's ids, and a range of creation times sorted by last update, are read
            # from one of them alone, led by the filter that narrows most.
            _by_creation("req_live_created"),
            _by_creation("req_status_created", "status"),
            _by_creation("req_priority_created", "priority"),
            _by_creation("req_assignee_created", "assigned_to"),
            _by_creation("req_group_created", "assigned_group"),
            models.Index(fields=["requester", "-created_at", "-id"], condition=LIVE, name="req_requester_created"),
            models.Index(
                fields=["requester", "-public_updated_at", "-id"], condition=LIVE, name="req_requester_public_updated"
            ),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="req_deleted"),
            _by_creation("req_sla_status_created", "sla_status"),
            models.Index(
                fields=["sla_due_at", "-created_at", "-id"],
                condition=LIVE & Q(sla_due_at__isnull=False),
                name="req_sla_due",
            ),
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="req_live_updated"),
            # ordering=sla's index, nulls last included, is PostgreSQL's only (migration tickets 0006):
            # SQLite cannot put NULLS LAST in an index.
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    @property
    def number(self) -> int:
        """The human number shown in the UI and emails (#123). Not used to look requests up."""
        return self.pk

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Comment(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=new_comment_id, editable=False)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.TextField()
    is_internal = models.BooleanField(default=False, help_text="Internal notes are never shown to requesters.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at", "id"], name="cmt_request_created")]

    def __str__(self):
        return f"{self.public_id} on {self.request_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random; the original (sanitised) name is kept in `filename`.
    return f"attachments/{timezone.now():%Y/%m}/{instance.public_id}"


class Attachment(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=new_attachment_id, editable=False)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="att_request_created")]

    def __str__(self):
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Field changed"
    COMMENTED = "commented", "Commented"
    ATTACHED = "attached", "File attached"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"
    SLA = "sla", "SLA clock changed"


class RequestEvent(models.Model):
    """Append-only history: who changed what, from what to what, when."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    field = models.CharField(max_length=32, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    is_internal = models.BooleanField(default=False, help_text="Concerns an internal note; hidden from requesters.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at", "id"], name="evt_request_created")]

    def __str__(self):
        what = f"{self.field}: {self.old_value!r} → {self.new_value!r}" if self.field else self.kind
        return f"{self.created_at:%Y-%m-%d %H:%M} {what}"


class SavedView(models.Model):
    """A queue filter saved under a name: an agent's own, or (owner empty) shared by an admin with
    every agent, as Zendesk's views are. The filters are the queue URL's query string."""

    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, help_text="The queue's filters, as in its URL after the '?'.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        help_text="Empty: shared with every agent.",
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["owner", "position"], name="view_owner_position")]

    def __str__(self):
        return self.name

    @property
    def slug(self) -> str:
        return f"saved-{self.pk}"

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class Macro(models.Model):
    """A canned response: reply text with placeholders, and field changes staged with it. An agent's
    own, or (owner empty) shared with every agent. Nothing happens until the agent sends the reply."""

    name = models.CharField(max_length=100)
    body = models.TextField(
        blank=True,
        help_text="Placeholders: {{ requester.name }}, {{ requester.email }}, {{ request.number }}, "
        "{{ request.title }}, {{ agent.name }}.",
    )
    is_internal = models.BooleanField("as an internal note", default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text="Empty: shared with every agent.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    priority = models.CharField(max_length=16, choices=Priority.choices, blank=True)
    assigned_group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="group"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="assignee",
    )
    add_tags = models.CharField(max_length=500, blank=True, help_text="Separated by spaces or commas.")
    remove_tags = models.CharField(max_length=500, blank=True, help_text="Separated by spaces or commas.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name"], name="macro_owner_name")]

    def __str__(self):
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None
