"""The requesters' portal: their own requests, a new request, and one request's public conversation.

Thin: each view parses, calls tickets.services or the selectors (which decide who sees what), and
renders. A refusal from a service comes back as an error on the form; another's request is a 404.
"""

from collections import defaultdict
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from helpdesk.errors import DomainError, TooLarge
from surveys.selectors import invitation_for_request
from tickets import services, workflow
from tickets.forms import FILES_PER_POST, form_errors_from, posted_files
from tickets.models import Category, Priority, Source, Status
from tickets.views.access import refusals_as_http

from . import selectors
from .forms import NewRequestForm, ReplyForm

PER_PAGE = 20
MULTIPART_SLACK = 64 * 1024  # the form's fields and multipart framing around the files


def requester_required(view):
    """Requesters only (staff work in the agent workspace); the services' refusals become 404/403."""
    view = refusals_as_http(view)

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.is_agent:
            return redirect("agent:queue")
        return view(request, *args, **kwargs)

    return wrapper


def _body_too_large(request) -> bool:
    """Checked before the body is read, so a huge upload is refused without being stored."""
    limit = FILES_PER_POST * settings.ATTACHMENT_MAX_BYTES + MULTIPART_SLACK
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


def _status_code(error: DomainError | None) -> int:
    return 413 if isinstance(error, TooLarge) else 422


def _upload_limits() -> dict:
    limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
    return {"max_bytes": settings.ATTACHMENT_MAX_BYTES, "max_files": FILES_PER_POST, "max_label": f"{limit_mb:g} MB"}


# --- my requests -------------------------------------------------------------------------------


@requester_required
@require_GET
def my_requests(request):
    show = request.GET.get("show") if request.GET.get("show") in selectors.SHOWS else "open"
    q = request.GET.get("q", "")[:200]
    page = Paginator(selectors.my_requests(user=request.user, show=show, q=q), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "show": show, "q": q, "shows": [("open", "Open"), ("solved", "Solved"), ("all", "All")]}
    return render(request, "portal/my_requests.html", context)


# --- a new request -----------------------------------------------------------------------------


@requester_required
def new_request(request):
    categories = list(Category.objects.all())
    if request.method != "POST":
        form = NewRequestForm(categories=categories)
        return render(request, "portal/new_request.html", {"form": form, **_upload_limits()})
    if _body_too_large(request):
        # The body is not read, so the form comes back empty, with why.
        context = {"form": NewRequestForm(categories=categories), "upload_error": _too_large_message()}
        return render(request, "portal/new_request.html", {**context, **_upload_limits()}, status=413)
    form = NewRequestForm(request.POST, categories=categories)
    files = posted_files(request, form)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the request and its files, or nothing
                created = services.request_create(
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    priority=Priority.MEDIUM,
                    category=data["category"] or None,
                    source=Source.PORTAL,
                )
                for upload in files:
                    services.attachment_add(actor=request.user, request=created, upload=upload)
        except DomainError as refused:
            error = refused
            form_errors_from(form, refused)
        else:
            messages.success(request, f"Thanks: request #{created.number} was sent to the support team.")
            url = reverse("portal:request", args=[created.public_id])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    status = _status_code(error)
    return render(request, "portal/new_request.html", {"form": form, **_upload_limits()}, status=status)


def _too_large_message() -> str:
    limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
    return f"The files are too large: each may be at most {limit_mb:g} MB, and at most {FILES_PER_POST} at a time."


# --- one request -------------------------------------------------------------------------------


def _reopen_until(found):
    """The deadline while it is still ahead (the same rule the services apply), else None."""
    until = workflow.reopen_deadline(found.status, found.resolved_at, days=settings.REOPEN_DAYS)
    return until if until is not None and until > timezone.now() else None


def _page_context(request, found, *, reply_form=None) -> dict:
    files = defaultdict(list)  # by comment id; None: attached to the request itself
    for attachment in found.visible_attachments:
        files[attachment.comment_id].append(attachment)
    reopen_until = _reopen_until(found)
    return {
        "r": found,
        "files_by_comment": files,
        "reply_form": reply_form or ReplyForm(),
        "can_resolve": found.status in workflow.WORKING,
        "reopen_until": reopen_until,
        # A resolved request past its reopen window, or a closed one, takes no more replies.
        "can_reply": found.status != Status.CLOSED and not (found.status == Status.RESOLVED and not reopen_until),
        "poll_seconds": settings.PORTAL_POLL_SECONDS,
        **_upload_limits(),
    }


@requester_required
@require_GET
def request_page(request, public_id):
    found = selectors.my_request(user=request.user, public_id=public_id)
    # Not in _page_context: the poll re-renders only the conversation, never a half-typed survey comment.
    survey = invitation_for_request(request=found)
    return render(request, "portal/request.html", {**_page_context(request, found), "survey_invitation": survey})


@requester_required
@require_GET
def request_updates(request, public_id):
    """The poll: 204 while nothing the requester can see changed, else the live part of the page."""
    found = selectors.my_request(user=request.user, public_id=public_id)
    since = parse_datetime(request.GET.get("since", "") or "")
    if since is not None and found.public_updated_at <= since:
        return HttpResponse(status=204)
    return render(request, "portal/request.html#live", _page_context(request, found))


@requester_required
@require_POST
def reply(request, public_id):
    found = selectors.my_request(user=request.user, public_id=public_id)
    if _body_too_large(request):
        return _reply_refused(request, public_id, ReplyForm(), status=413, upload_error=_too_large_message())
    form = ReplyForm(request.POST)
    files = posted_files(request, form)
    error = None
    if form.is_valid():
        try:
            services.reply_post(actor=request.user, request=found, content=form.cleaned_data["content"], files=files)
        except DomainError as refused:
            error = refused
            form_errors_from(form, refused)
    if form.errors:
        return _reply_refused(request, public_id, form, status=_status_code(error))
    if request.htmx:
        # A fresh reply box, and the conversation with the reply at its end (out of band).
        found = selectors.my_request(user=request.user, public_id=public_id)
        return render(request, "portal/request.html#after-reply", _page_context(request, found))
    return redirect("portal:request", public_id=public_id)


def _reply_refused(request, public_id, form, *, status, upload_error=""):
    found = selectors.my_request(user=request.user, public_id=public_id)
    context = {**_page_context(request, found, reply_form=form), "upload_error": upload_error}
    template = "portal/request.html#reply-form" if request.htmx else "portal/request.html"
    return render(request, template, context, status=status)


def _set_status(request, public_id, status: str, done: str):
    found = selectors.my_request(user=request.user, public_id=public_id)
    try:
        services.request_update(actor=request.user, request=found, changes={"status": status})
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("portal:request", public_id=public_id)


@requester_required
@require_POST
def mark_solved(request, public_id):
    return _set_status(request, public_id, Status.RESOLVED, "Marked as solved. Thanks for letting us know.")


@requester_required
@require_POST
def reopen(request, public_id):
    return _set_status(request, public_id, Status.OPEN, "Reopened: the support team will pick it up again.")
