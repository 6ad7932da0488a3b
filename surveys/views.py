"""The survey pages: the signed-link page (no log-in), the requester's answer on their request
page (an HTMX partial the portal includes), and the admins' satisfaction report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.errors import DomainError, NotFound
from tickets import selectors as ticket_selectors
from tickets.views.access import agent_required

from . import report as reports
from . import selectors, services
from .forms import answer_context
from .models import SurveyInvitation
from .tokens import read_token


def _invitation_from_token(token: str) -> SurveyInvitation | None:
    public_id = read_token(token)
    if public_id is None:
        return None
    return (
        SurveyInvitation.objects.filter(public_id=public_id, request__deleted_at__isnull=True)
        .select_related("survey", "request")
        .first()
    )


def _answer(request, invitation, *, actor=None) -> dict | None:
    """Submits the posted answer; the errors by field when the service refuses it."""
    try:
        services.answer_submit(
            invitation=invitation,
            rating=request.POST.get("rating"),
            rating_2=request.POST.get("rating_2"),
            rating_3=request.POST.get("rating_3"),
            comment=request.POST.get("comment", ""),
            actor=actor,
        )
    except DomainError as error:
        return error.fields or {"__all__": [error.message]}
    return None


def _private(response):
    # The page names a request: never kept by a shared cache, nor indexed.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def survey_link(request, token):
    """The page an invitation email links to. GET never records anything, so a mail scanner that
    opens every link answers nothing: a rating in the link (?rating=3) comes pre-chosen and one
    press of "Send" records it. After that the page thanks them and lets them change the answer
    or add a comment. A bad, altered or expired link shows one page that tells nothing."""
    invitation = _invitation_from_token(token)
    if invitation is None:
        return _private(render(request, "surveys/link.html", {"state": "invalid"}, status=404))
    if request.method == "POST":
        errors = _answer(request, invitation)
        if errors is None:
            return redirect(f"{request.path}?thanks=1")
        context = answer_context(invitation, data=request.POST, errors=errors)
        return _private(render(request, "surveys/link.html", {**context, "state": "ask"}, status=422))
    thanks = request.GET.get("thanks") == "1" and invitation.answered
    context = answer_context(invitation, preselect=request.GET.get("rating"))
    state = "thanks" if thanks else ("answered" if invitation.answered else "ask")
    return _private(render(request, "surveys/link.html", {**context, "state": state}))


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok else "/"


@login_required
@require_POST
def answer(request, public_id):
    """The requester answers on their request page (the portal includes surveys/_answer.html).
    Someone else's request, or one without a survey, is a 404, as everywhere."""
    try:
        found = ticket_selectors.request_get(user=request.user, public_id=public_id)
        invitation = selectors.invitation_for_requester(user=request.user, request=found)
    except NotFound:
        raise Http404("No survey for this request.") from None
    errors = _answer(request, invitation, actor=request.user)
    if not request.htmx:
        if errors:
            messages.error(request, " ".join(m for msgs in errors.values() for m in msgs))
        else:
            messages.success(request, "Thank you for your answer.")
        return redirect(_safe_next(request))
    invitation = selectors.invitation_for_request(request=found)
    context = {
        "invitation": invitation,
        "survey_form": answer_context(invitation, data=request.POST if errors else None, errors=errors),
        "survey_thanks": errors is None,
    }
    return render(request, "surveys/_answer.html", context, status=422 if errors else 200)


@agent_required
def report(request):
    """CSAT %, average five-star and NPS per agent, group and month (admins)."""
    if not request.user.is_admin:
        raise Forbidden("The satisfaction report is for admins.")
    form = reports.ReportForm(request.GET or None)
    since, until = form.period()
    data = reports.satisfaction_report(user=request.user, since=since, until=until)
    return render(request, "surveys/report.html", {"form": form, "report": data})
