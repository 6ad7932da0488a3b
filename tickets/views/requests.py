"""The agent's request page and its actions: reply, change fields in place, take it; and new requests.
Every change goes through the services; a refusal comes back as an error on the form."""

from collections import defaultdict
from datetime import datetime

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from helpdesk.errors import DomainError

from .. import macros, selectors, services
from ..forms import NewRequestForm, ReplyForm, RequestFieldsForm, TitleForm, form_errors_from, posted_files
from ..models import Source
from ..presence import report as report_presence
from .access import agent_required


def _seen(request) -> datetime | None:
    """When the agent's page last loaded the request (a hidden field), to warn before overwriting."""
    try:
        return parse_datetime(request.POST.get("seen", "") or "")
    except ValueError:
        return None


def _macro(request, form):
    pk = form.cleaned_data.get("macro")
    return selectors.macro_get(user=request.user, pk=pk) if pk else None


def _check_fresh(request, found) -> None:
    services.ensure_unchanged_since(request=found, seen=_seen(request))


def _page_context(request, found, *, reply_form=None, fields_form=None, choices=None) -> dict:
    choices = choices or selectors.workspace_choices()
    files = defaultdict(list)  # by comment id; None: attached to the request itself
    for attachment in found.visible_attachments:
        files[attachment.comment_id].append(attachment)
    return {
        "r": found,
        "attachments_by_comment": files,
        "events": selectors.request_history(request=found),
        "other_requests": selectors.requester_recent(user=request.user, request=found, limit=5),
        "reply_form": reply_form or ReplyForm(),
        "fields_form": fields_form or RequestFieldsForm(initial=RequestFieldsForm.initial_for(found), **choices),
        **choices,
    }


@agent_required
def request_page(request, public_id):
    """?macro=<id> fills the reply box from a macro and stages its changes; nothing is saved until
    the agent sends (htmx asks for the reply box alone)."""
    found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
    macro = selectors.macro_get(user=request.user, pk=request.GET["macro"]) if request.GET.get("macro") else None
    reply_form = None
    if macro is not None:
        body = macros.render_body(macro.body, request=found, agent=request.user)
        initial = {"content": body, "is_internal": macro.is_internal, "status": macro.status, "macro": macro.pk}
        reply_form = ReplyForm(initial=initial)
    context = _page_context(request, found, reply_form=reply_form)
    context["macro"] = macro
    context["edit_title"] = request.GET.get("edit") == "title"
    context["tab"] = "history" if request.GET.get("tab") == "history" else "conversation"
    template = "agent/request.html#reply-box" if request.htmx and macro else "agent/request.html"
    return render(request, template, context)


@agent_required
def macro_picker(request, public_id):
    """The reply box's macro list, searched by name or text."""
    found = selectors.request_get(user=request.user, public_id=public_id)
    found_macros = selectors.macros_for(request.user, search=request.GET.get("q", ""))[:30]
    return render(request, "agent/_macro_list.html", {"r": found, "macros": found_macros})


@agent_required
@require_POST
def reply(request, public_id):
    found = selectors.request_get(user=request.user, public_id=public_id)
    form = ReplyForm(request.POST)
    files = posted_files(request, form)
    if form.is_valid():
        try:
            _check_fresh(request, found)
            services.reply_post(
                actor=request.user,
                request=found,
                content=form.cleaned_data["content"],
                is_internal=form.cleaned_data["is_internal"],
                files=files,
                status=form.cleaned_data["status"] or None,
                macro=_macro(request, form),
            )
        except DomainError as error:
            form_errors_from(form, error)
    if form.errors:
        found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
        context = _page_context(request, found, reply_form=form)
        context["macro"] = _macro(request, form) if form.cleaned_data.get("macro") else None
        if request.htmx:
            # The reply box keeps the text and shows why; the rest shows the request as it is now.
            return render(request, "agent/request.html#after-reply", context, status=422)
        return render(request, "agent/request.html", context, status=422)
    url = reverse("agent:request", args=[public_id])
    if request.htmx:
        # The conversation, header and panel all moved: re-render the page's regions in one go.
        found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
        return render(request, "agent/request.html#after-reply", _page_context(request, found))
    return redirect(url)


@agent_required
@require_POST
def update_fields(request, public_id):
    found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
    choices = selectors.workspace_choices()
    form = RequestFieldsForm(request.POST, initial=RequestFieldsForm.initial_for(found), **choices)
    if form.is_valid():
        try:
            _check_fresh(request, found)
            services.request_update(actor=request.user, request=found, changes=form.changes())
        except DomainError as error:
            form_errors_from(form, error)
    if form.errors:
        context = _page_context(request, found, fields_form=form, choices=choices)
        template = "agent/request.html#after-update" if request.htmx else "agent/request.html"
        return render(request, template, context, status=422)
    found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
    if request.htmx:
        return render(request, "agent/request.html#after-update", _page_context(request, found, choices=choices))
    messages.success(request, "Saved.")
    return redirect("agent:request", public_id=public_id)


@agent_required
@require_POST
def edit_title(request, public_id):
    """The title, edited in place; a refusal (empty, too long, changed meanwhile) shows in the header."""
    found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
    form = TitleForm(request.POST)
    if form.is_valid():
        try:
            _check_fresh(request, found)
            services.request_update(actor=request.user, request=found, changes=form.cleaned_data)
        except DomainError as problem:
            form_errors_from(form, problem)
    error = " ".join(form.errors.get("title", []) + form.non_field_errors())
    found = selectors.request_get(user=request.user, public_id=public_id, detail=True)
    context = _page_context(request, found)
    if error:
        context.update(edit_title=True, title_error=error, title_value=request.POST.get("title", ""))
    if request.htmx:
        template = "agent/request.html#header" if error else "agent/request.html#after-update-title"
        return render(request, template, context, status=422 if error else 200)
    if error:
        return render(request, "agent/request.html", context, status=422)
    return redirect("agent:request", public_id=public_id)


@agent_required
@require_POST
def presence(request, public_id):
    """Polled by the open page: reports this agent (typing or not), answers who else is here and
    whether the request changed since the page loaded it."""
    found = selectors.request_get(user=request.user, public_id=public_id)
    others = report_presence(request_pk=found.pk, user=request.user, typing=request.POST.get("typing") == "1")
    seen = _seen(request)
    changed = seen is not None and found.updated_at > seen
    return render(request, "agent/_presence.html", {"others": others, "changed": changed, "r": found})


@agent_required
@require_POST
def take(request, public_id):
    found = selectors.request_get(user=request.user, public_id=public_id)
    try:
        services.request_update(actor=request.user, request=found, changes={"assigned_to": request.user.public_id})
    except DomainError as error:
        messages.error(request, error.message)
    url = reverse("agent:request", args=[public_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@agent_required
def new_request(request):
    choices = selectors.workspace_choices()
    form = NewRequestForm(request.POST or None, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_create(
                actor=request.user,
                title=data["title"],
                description=data["description"],
                priority=data["priority"],
                category=data["category"] or None,
                assigned_group=data["assigned_group"] or None,
                assigned_to=data["assigned_to"] or None,
                requester_email=data["requester_email"],
                requester_name=data["requester_name"],
                source=Source.WEB,
            )
        except DomainError as error:
            form_errors_from(form, error)
        else:
            return redirect("agent:request", public_id=created.public_id)
    elif request.method not in ("GET", "POST"):
        return HttpResponseBadRequest()
    return render(request, "agent/new_request.html", {"form": form}, status=422 if form.errors else 200)
