"""Every write to requests, comments and attachments: permissions, domain rules and history."""

import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Group, User
from accounts.services import requester_get_or_create
from helpdesk.errors import Conflict, DomainError, NotFound, PermissionDenied, TooLarge, ValidationFailed
from sla.timeline import reads_updated_at
from sla.triggers import recompute_after_commit

from . import macros, reactions, workflow
from .models import (
    Attachment,
    Category,
    Comment,
    EventKind,
    Macro,
    Request,
    RequestEvent,
    SavedView,
    Source,
    Status,
    Tag,
)
from .selectors import may_see_request, request_queue, visible_requests

TAG_PATTERN = re.compile(r"^[\w][\w.\-]*$")


# --- helpers -----------------------------------------------------------------------------------


def _event(
    request: Request,
    actor: User | None,
    kind: str,
    field: str = "",
    old="",
    new="",
    react=True,
    about=None,
    **extra,
) -> RequestEvent:
    """Records one event; react=False leaves handing it to reactions to the caller (one batch per change).
    about: the object the event names (a comment), handed to the reactions so they need not load it."""
    event = RequestEvent.objects.create(
        request=request,
        actor=actor,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        **extra,
    )
    event.about = about
    if react:
        reactions.events_recorded([event])
    return event


def _category(name: str | None) -> Category | None:
    if not name:
        return None
    category = Category.objects.filter(name__iexact=name.strip()).first()
    if category is None:
        raise ValidationFailed.for_field("category", f"unknown category '{name}'")
    return category


def _clean_tags(names: Iterable[str]) -> list[str]:
    cleaned = []
    for raw in names:
        name = raw.strip().lower()
        if not name or len(name) > 50 or not TAG_PATTERN.match(name):
            raise ValidationFailed.for_field(
                "tags", f"'{raw}' is not a tag: use letters, digits, '.', '-' or '_', at most 50"
            )
        cleaned.append(name)
    return sorted(set(cleaned))


def _set_tags(request: Request, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    request.tags.set([existing[n] for n in names])


def _user(public_id: str, *, field: str) -> User:
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        raise ValidationFailed.for_field(field, f"unknown user {public_id}")
    return user


def _group(public_id: str, *, field: str) -> Group:
    group = Group.objects.filter(public_id=public_id).first()
    if group is None:
        raise ValidationFailed.for_field(field, f"unknown group {public_id}")
    return group


def _resolve_assignment(
    *, assignee: User | None, group: Group | None, group_given: bool
) -> tuple[User | None, Group | None]:
    """The assignment rules: only active agents; an assignee belongs to the request's group, and a
    request without a group takes the assignee's first group."""
    if assignee is None:
        return None, group
    if not assignee.is_agent:
        raise ValidationFailed.for_field("assigned_to", f"{assignee.public_id} is not an active agent")
    member_of = list(assignee.agent_groups.order_by("name"))
    if group is None:
        if group_given:  # the caller cleared the group explicitly: keep it so
            return assignee, None
        return assignee, (member_of[0] if member_of else None)
    if group not in member_of:
        raise ValidationFailed.for_field(
            "assigned_to",
            f"{assignee.public_id} is not a member of group {group.public_id}; change the group too",
        )
    return assignee, group


def _apply_status(request: Request, status: str, now) -> None:
    if status in workflow.DONE and request.resolved_at is None:
        request.resolved_at = now
    if status == Status.CLOSED and request.closed_at is None:
        request.closed_at = now
    if status not in workflow.DONE:
        request.resolved_at = None
        request.closed_at = None
    request.status = status


def _ensure_reopen_window(role: str, request: Request, now, *, field: str) -> None:
    workflow.ensure_reopen_window(
        role, request.status, request.resolved_at, now, days=settings.REOPEN_DAYS, field=field
    )


def _ensure_visible(actor: User, request: Request) -> None:
    if not may_see_request(actor, request):
        raise NotFound("No request with this id.")


# --- requests ----------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor: User,
    title: str,
    description: str,
    priority: str,
    category: str | None = None,
    assigned_to: str | None = None,
    assigned_group: str | None = None,
    tags: Iterable[str] = (),
    requester_id: str | None = None,
    requester_email: str | None = None,
    requester_name: str = "",
    source: str = Source.PORTAL,
    routed_group: Group | None = None,
) -> Request:
    """Opens a request. Agents may open it for a requester (by id, or by email, made if new).

    routed_group: the group a channel routes its new requests to (a mailbox's group), whoever the
    actor is; an explicit assigned_group wins."""
    if not actor.is_agent:
        if assigned_to or assigned_group:
            raise PermissionDenied("Requesters cannot assign requests.", fields={"assigned_to": ["agents only"]})
        if requester_id or requester_email:
            raise PermissionDenied(
                "Requesters open requests for themselves only.", fields={"requester": ["agents only"]}
            )
    if requester_id:
        requester = _user(requester_id, field="requester")
        if not requester.is_active:
            raise ValidationFailed.for_field("requester", "this user is deactivated")
    elif requester_email:
        requester = requester_get_or_create(email=requester_email, name=requester_name)
    else:
        requester = actor

    group = _group(assigned_group, field="assigned_group") if assigned_group else routed_group
    assignee = _user(assigned_to, field="assigned_to") if assigned_to else None
    assignee, group = _resolve_assignment(assignee=assignee, group=group, group_given=False)
    tag_names = _clean_tags(tags)
    now = timezone.now()
    request = Request.objects.create(
        title=title.strip(),
        description=description,
        priority=priority,
        category=_category(category),
        requester=requester,
        assigned_to=assignee,
        assigned_group=group,
        status=Status.ASSIGNED if assignee else Status.OPEN,
        source=source,
        created_at=now,
        updated_at=now,
        public_updated_at=now,
    )
    if tag_names:
        _set_tags(request, tag_names)
    _event(request, actor, EventKind.CREATED, new=request.status)
    recompute_after_commit(request.pk)
    return request


@transaction.atomic
def request_update(*, actor: User, request: Request, changes: dict) -> Request:
    """changes may hold title, description, status, priority, category, assigned_to (user id or
    None), assigned_group (group id or None), tags and resolution. Records an event per change."""
    # all_objects: a request deleted meanwhile is a NotFound from _ensure_visible, not a DoesNotExist.
    request = Request.all_objects.select_for_update().get(pk=request.pk)
    _ensure_visible(actor, request)
    role = workflow.role_of(actor)
    workflow.ensure_fields(role, changes)
    now = timezone.now()
    if "status" in changes:
        workflow.ensure_move(role, request.status, changes["status"])
        if changes["status"] not in workflow.DONE:
            _ensure_reopen_window(role, request, now, field="status")
    old = {f: getattr(request, f) for f in ("title", "description", "status", "priority", "resolution")}
    old_category = request.category
    old_assignee, old_group = request.assigned_to, request.assigned_group

    for field in ("title", "description", "priority", "resolution"):
        if field in changes:
            value = changes[field]
            setattr(request, field, value.strip() if field == "title" else value)
    if "category" in changes:
        request.category = _category(changes["category"])

    if "assigned_to" in changes or "assigned_group" in changes:
        group_given = "assigned_group" in changes
        group = request.assigned_group
        if group_given:
            group = _group(changes["assigned_group"], field="assigned_group") if changes["assigned_group"] else None
        assignee = request.assigned_to
        if "assigned_to" in changes:
            assignee = _user(changes["assigned_to"], field="assigned_to") if changes["assigned_to"] else None
        elif (
            group_given
            and assignee is not None
            and group is not None
            and not assignee.agent_groups.filter(pk=group.pk).exists()
        ):
            assignee = None  # moving to another group drops an assignee who is not one of its members
        request.assigned_to, request.assigned_group = _resolve_assignment(
            assignee=assignee, group=group, group_given=group_given or assignee is None
        )

    status = changes.get("status", request.status)
    if "status" not in changes:
        if request.assigned_to and not old_assignee and request.status == Status.OPEN:
            status = Status.ASSIGNED
        elif not request.assigned_to and old_assignee and request.status in workflow.NEEDS_ASSIGNEE:
            status = Status.OPEN
    elif role == workflow.REQUESTER and status == Status.OPEN and status != request.status:
        status = workflow.reopened_status(request.assigned_to is not None)
    workflow.ensure_assignee(status, request.assigned_to is not None)
    if status != request.status:
        _apply_status(request, status, now)

    recorded = []
    for field, before in old.items():
        after = getattr(request, field)
        if after != before:
            recorded.append((field, before, after))
    if request.category != old_category:
        recorded.append(("category", old_category and old_category.name, request.category and request.category.name))
    if request.assigned_to != old_assignee:
        recorded.append(
            ("assigned_to", old_assignee and old_assignee.email, request.assigned_to and request.assigned_to.email)
        )
    if request.assigned_group != old_group:
        recorded.append(
            ("assigned_group", old_group and old_group.name, request.assigned_group and request.assigned_group.name)
        )
    new_tags = None
    if "tags" in changes:
        new_tags = _clean_tags(changes["tags"])
        old_tags = sorted(request.tags.values_list("name", flat=True))
        if new_tags != old_tags:
            recorded.append(("tags", ", ".join(old_tags), ", ".join(new_tags)))
        else:
            new_tags = None
    # Checked on what really changes, so repeating a request's current values is never refused.
    workflow.ensure_editable(role, old["status"], [field for field, _, _ in recorded])
    if new_tags is not None:
        _set_tags(request, new_tags)

    if recorded:
        # Every field of a request is shown to its requester, so every change is one they can see.
        request.updated_at = request.public_updated_at = now
        request.save()
        # One batch for the whole change, so a reaction sees every field it changed together.
        reactions.events_recorded(
            [
                _event(request, actor, EventKind.CHANGED, field, before, after, react=False)
                for field, before, after in recorded
            ]
        )
        recompute_after_commit(request.pk)
    return request


def requests_close_settled(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Closes resolved requests whose reopen window (REOPEN_DAYS) has passed, as Zendesk closes solved
    tickets: closed is final, and the requester's next question is a new request. Each is its own
    status change by nobody (the system), with its event. Returns how many it closed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REOPEN_DAYS)
    settled = Request.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff)
    closed = 0
    for pk in list(settled.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            request = settled.select_for_update().filter(pk=pk).first()  # still resolved and settled?
            if request is None:
                continue
            _event(request, None, EventKind.CHANGED, "status", request.status, Status.CLOSED)
            _apply_status(request, Status.CLOSED, now)
            request.updated_at = request.public_updated_at = now
            request.save(update_fields=["status", "closed_at", "resolved_at", "updated_at", "public_updated_at"])
            recompute_after_commit(request.pk)
        closed += 1
    return closed


@transaction.atomic
def request_delete(*, actor: User, request_id: str) -> None:
    """Soft delete, for admins: gone from the API and UI, restorable in Django admin. The role is
    checked before the lookup, so non-admins learn nothing about which ids exist."""
    if not actor.is_admin:
        raise PermissionDenied("Only admins may delete requests.")
    request = Request.objects.select_for_update().filter(public_id=request_id).first()
    if request is None:
        raise NotFound("No request with this id.")
    request.deleted_at = timezone.now()
    request.save(update_fields=["deleted_at"])
    _event(request, actor, EventKind.DELETED)
    recompute_after_commit(request.pk)


@transaction.atomic
def request_restore(*, actor: User, request: Request) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins may restore requests.")
    if request.deleted_at is None:
        return
    request.deleted_at = None
    request.save(update_fields=["deleted_at"])
    _event(request, actor, EventKind.RESTORED)
    recompute_after_commit(request.pk)


# --- comments and attachments ------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor: User, request: Request, content: str, is_internal: bool = False) -> Comment:
    # all_objects: a request deleted meanwhile is a NotFound from _ensure_visible, not a DoesNotExist.
    request = Request.all_objects.select_for_update().get(pk=request.pk)
    _ensure_visible(actor, request)
    workflow.ensure_may_post(workflow.role_of(actor), request.status, is_internal=is_internal, field="content")
    if not content.strip():
        raise ValidationFailed.for_field("content", "a comment cannot be empty")
    now = timezone.now()
    if actor.pk == request.requester_id:  # answering a resolved request reopens it
        _ensure_reopen_window(workflow.role_of(actor), request, now, field="content")
    comment = Comment.objects.create(
        request=request, author=actor, content=content, is_internal=is_internal, created_at=now
    )
    commented = _event(
        request, actor, EventKind.COMMENTED, new=comment.public_id, is_internal=is_internal, about=comment, react=False
    )
    events = [commented]

    fields = ["updated_at"]
    is_agent_reply = actor.is_agent and actor.pk != request.requester_id and not is_internal
    if is_agent_reply and request.first_response_at is None:
        request.first_response_at = now
        fields.append("first_response_at")
    new_status = None
    if actor.pk == request.requester_id:
        new_status = workflow.status_after_requester_reply(request.status, request.assigned_to_id is not None)
    if new_status is not None:
        events.append(_event(request, actor, EventKind.CHANGED, "status", request.status, new_status, react=False))
    # The reply and the status change it caused in one batch: the outbox looks the people up once and
    # writes the deliveries of both in one INSERT. (Before the status is applied, as each alone was.)
    reactions.events_recorded(events)
    if new_status is not None:
        _apply_status(request, new_status, now)
        fields += ["status", "resolved_at", "closed_at"]
    request.updated_at = now
    if not is_internal:  # an internal note is no news a requester could see
        request.public_updated_at = now
        fields.append("public_updated_at")
    request.save(update_fields=fields)
    # The clocks read the status, the first response and, for a request waiting or done, its last
    # update: a note or a further reply on a running request changes none of them (most comments).
    if new_status is not None or "first_response_at" in fields or reads_updated_at(request.status):
        recompute_after_commit(request.pk)
    return comment


_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w .()+\-]")


def sanitize_filename(name: str) -> str:
    """A display name safe in headers and on disk: no path, no control or shell characters."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_FILENAME_CHARS.sub("_", name).strip(" .")
    stem, ext = os.path.splitext(name)
    if len(name) > 200:
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "attachment"


def ensure_upload_fits(size: int, *, slack: int = 0) -> None:
    """The attachment size limit. slack: bytes of multipart framing allowed around the file, for a
    check of the whole request body before it is read."""
    if size > settings.ATTACHMENT_MAX_BYTES + slack:
        limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
        raise TooLarge.for_field("file", f"larger than the {limit_mb:g} MB limit")


@transaction.atomic
def attachment_add(
    *, actor: User, request: Request, upload: UploadedFile, comment: Comment | None = None
) -> Attachment:
    # Locked and re-read so a request closed or deleted meanwhile is judged as it is now.
    request = Request.all_objects.select_for_update().get(pk=request.pk)
    _ensure_visible(actor, request)
    # A file attached to an internal note is as internal as the note.
    is_internal = comment is not None and comment.is_internal
    workflow.ensure_may_post(workflow.role_of(actor), request.status, is_internal=is_internal, field="file")
    ensure_upload_fits(upload.size)
    if upload.size == 0:
        raise ValidationFailed.for_field("file", "the file is empty")
    filename = sanitize_filename(upload.name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    attachment = Attachment(
        request=request,
        comment=comment,
        filename=filename,
        size=upload.size,
        content_type=content_type,
        uploaded_by=actor,
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    _event(request, actor, EventKind.ATTACHED, new=filename, is_internal=is_internal)
    now = timezone.now()
    Request.objects.filter(pk=request.pk).update(updated_at=now, **({} if is_internal else {"public_updated_at": now}))
    return attachment


@transaction.atomic
def reply_post(
    *,
    actor: User,
    request: Request,
    content: str,
    is_internal: bool = False,
    files: Iterable[UploadedFile] = (),
    status: str | None = None,
    macro: Macro | None = None,
) -> Comment:
    """A reply or internal note with its files, and optionally a new status ("reply and set pending")
    and a macro's field changes, all or nothing: each part through its own service, so the rules and
    history are the same."""
    comment = comment_add(actor=actor, request=request, content=content, is_internal=is_internal)
    for upload in files:
        attachment_add(actor=actor, request=request, upload=upload, comment=comment)
    changes = {}
    if macro is not None:
        _may_use_macro(actor, macro)
        changes.update(macros.field_changes(macro, current_tags=set(request.tags.values_list("name", flat=True))))
    if status:
        changes["status"] = status
    if changes:
        request_update(actor=actor, request=request, changes=changes)
    return comment


# --- saved queue views -------------------------------------------------------------------------

SAVED_VIEWS_MAX = 50


def _may_change_own_or_shared(actor: User, thing: SavedView | Macro, *, kind: str) -> None:
    """Saved views and macros: an agent changes their own; only admins change the shared ones;
    another agent's own is not there at all."""
    if not actor.is_agent or not (thing.is_shared or thing.owner_id == actor.pk):
        raise NotFound(f"No {kind} with this id.")
    if thing.is_shared and not actor.is_admin:
        raise PermissionDenied(f"Only admins may change shared {kind}s.")


@transaction.atomic
def saved_view_create(*, actor: User, name: str, query: str, shared: bool = False) -> SavedView:
    """Saves the queue's current filters under a name: the agent's own, or shared by an admin."""
    if not actor.is_agent:
        raise PermissionDenied("Views are for agents.")
    if shared and not actor.is_admin:
        raise PermissionDenied("Only admins may share views.", fields={"shared": ["admins only"]})
    name = name.strip()
    if not name:
        raise ValidationFailed.for_field("name", "give the view a name")
    params = QueryDict(query, mutable=True)
    params.pop("page", None)
    if not request_queue(user=actor, params=params).is_valid():
        raise ValidationFailed.for_field("query", "these filters are not valid; fix them in the queue first")
    owner = None if shared else actor
    siblings = SavedView.objects.select_for_update().filter(owner=owner)
    if not shared and siblings.count() >= SAVED_VIEWS_MAX:
        raise ValidationFailed.for_field("name", f"you have {SAVED_VIEWS_MAX} views already; delete one first")
    last = siblings.order_by("-position").values_list("position", flat=True).first()
    return SavedView.objects.create(name=name, query=params.urlencode(), owner=owner, position=(last or 0) + 1)


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    _may_change_own_or_shared(actor, view, kind="view")
    view.delete()


@transaction.atomic
def saved_view_move(*, actor: User, view: SavedView, offset: int) -> None:
    """Moves a view one place up (-1) or down (+1) among its own kind (the owner's, or the shared)."""
    _may_change_own_or_shared(actor, view, kind="view")
    siblings = list(SavedView.objects.select_for_update().filter(owner_id=view.owner_id).order_by("position", "id"))
    index = next(i for i, v in enumerate(siblings) if v.pk == view.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


# --- bulk changes ------------------------------------------------------------------------------


@dataclass
class BulkResult:
    changed: list[int]  # request numbers
    unchanged: list[int]
    refused: dict[int, str]  # number -> the service's message


BULK_MAX = 100


@transaction.atomic
def requests_bulk_update(
    *, actor: User, request_ids: list[str], changes: dict, add_tags=(), remove_tags=(), macro: Macro | None = None
) -> BulkResult:
    """The same change to many requests in one transaction, each through request_update (the same
    rules and history as one at a time). A request the rules refuse is rolled back alone (a savepoint)
    and reported by number; the others still change."""
    if not actor.is_agent:
        raise PermissionDenied("Bulk changes are for agents.")
    if len(request_ids) > BULK_MAX:
        raise ValidationFailed.for_field("requests", f"at most {BULK_MAX} requests at a time")
    add, remove = set(_clean_tags(add_tags)), set(_clean_tags(remove_tags))
    requests = list(visible_requests(actor).filter(public_id__in=request_ids).order_by("pk"))
    result = BulkResult(changed=[], unchanged=[], refused={})
    if macro is not None:
        _may_use_macro(actor, macro)
    for request in requests:
        row_changes = {}
        current = set(request.tags.values_list("name", flat=True)) if (add or remove or macro) else set()
        if macro is not None:  # the macro's field changes (its reply text is for one request at a time)
            row_changes.update(macros.field_changes(macro, current_tags=current))
            if macro.status:
                row_changes["status"] = macro.status
            current = set(row_changes.get("tags", current))
        row_changes.update(changes)
        if add or remove:
            row_changes["tags"] = sorted((current | add) - remove)
        before = request.updated_at
        try:
            with transaction.atomic():
                updated = request_update(actor=actor, request=request, changes=row_changes)
        except DomainError as error:
            result.refused[request.number] = error.message
            continue
        (result.changed if updated.updated_at != before else result.unchanged).append(request.number)
    return result


def ensure_unchanged_since(*, request: Request, seen: datetime | None) -> None:
    """Optimistic concurrency for the workspace: refuses to act on a request someone changed after
    the caller loaded it (the caller may look again and then send anyway)."""
    if seen is None:
        return
    current = Request.objects.filter(pk=request.pk).values_list("updated_at", flat=True).first()
    if current is not None and current > seen:
        last = request.events.exclude(actor=None).select_related("actor").order_by("-created_at", "-id").first()
        who = last.actor.get_full_name() if last else "Someone"
        raise Conflict(f"{who} changed this request after you opened it. Look at the changes, then send again.")


# --- macros ------------------------------------------------------------------------------------

MACRO_FIELDS = (
    "name",
    "body",
    "is_internal",
    "status",
    "priority",
    "assigned_group",
    "assigned_to",
    "add_tags",
    "remove_tags",
)


def _may_use_macro(actor: User, macro: Macro) -> None:
    if not actor.is_agent or not (macro.is_shared or macro.owner_id == actor.pk):
        raise NotFound("No macro with this id.")


def _macro_fill(macro: Macro, fields: dict) -> Macro:
    for name in MACRO_FIELDS:
        if name in fields:
            setattr(macro, name, fields[name])
    macro.name = (macro.name or "").strip()
    if not macro.name:
        raise ValidationFailed.for_field("name", "give the macro a name")
    for name in ("add_tags", "remove_tags"):
        _clean_tags(macros.split_tags(getattr(macro, name)))  # refuses what could never be a tag
    if macro.assigned_to is not None and not macro.assigned_to.is_agent:
        raise ValidationFailed.for_field("assigned_to", "not an active agent")
    return macro


@transaction.atomic
def macro_create(*, actor: User, shared: bool = False, **fields) -> Macro:
    """fields: name, body, is_internal, status, priority, assigned_group (Group), assigned_to (User),
    add_tags, remove_tags."""
    if not actor.is_agent:
        raise PermissionDenied("Macros are for agents.")
    if shared and not actor.is_admin:
        raise PermissionDenied("Only admins may share macros.", fields={"shared": ["admins only"]})
    macro = _macro_fill(Macro(owner=None if shared else actor), fields)
    macro.save()
    return macro


@transaction.atomic
def macro_update(*, actor: User, macro: Macro, **fields) -> Macro:
    _may_change_own_or_shared(actor, macro, kind="macro")
    _macro_fill(macro, fields).save()
    return macro


@transaction.atomic
def macro_delete(*, actor: User, macro: Macro) -> None:
    _may_change_own_or_shared(actor, macro, kind="macro")
    macro.delete()
