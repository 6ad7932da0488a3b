"""The agent queue: filters, sort and paging in the URL; HTMX swaps the results and pushes the URL,
and a plain GET of the same URL renders the whole page."""

from django.shortcuts import render

from helpdesk.paging import CappedPaginator
from surveys.selectors import with_latest_rating

from .. import selectors
from ..filters import QUEUE_SORT_LABELS
from ..forms import BulkForm
from ..models import Request
from ..queue_views import BUILTIN_VIEWS, active_view
from .access import agent_required

PAGE_SIZES = (25, 50, 100)


def _page_size(params) -> int:
    try:
        size = int(params.get("size", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


@agent_required
def queue(request):
    choices = selectors.workspace_choices()
    filters = selectors.request_queue(user=request.user, params=request.GET, choices=choices)
    valid = filters.is_valid()
    size = _page_size(request.GET)
    rows = filters.qs if valid else Request.objects.none()
    page = CappedPaginator(rows, size).get_page(request.GET.get("page"))
    saved = selectors.saved_views_for(request.user)
    context = {
        "filters": filters,
        "page": page,
        "rows": list(with_latest_rating(page.object_list)),  # the rows' survey badges, in the same query
        "page_sizes": PAGE_SIZES,
        "size": size,
        "sort": filters.form.cleaned_data.get("sort") if valid else "",
        "columns": QUEUE_SORT_LABELS,
        "views": BUILTIN_VIEWS,
        "saved_views": saved,
        "active_view": active_view(request.GET, [*BUILTIN_VIEWS, *saved]),
        "view_query": _view_query(request.GET),
        "bulk_form": BulkForm(
            agents=choices["agents"],
            groups=choices["groups"],
            macros=selectors.macros_for(request.user),
            auto_id="bulk_%s",
        ),
        **choices,
    }
    # An HTMX filter change re-renders the results (and the sidebar, out of band); the URL is pushed.
    template = "agent/queue.html#results" if request.htmx and not request.htmx.boosted else "agent/queue.html"
    return render(request, template, context)


def _view_query(params) -> str:
    """The filters a "Save view" keeps: everything in the URL but the page."""
    data = params.copy()
    data.pop("page", None)
    return data.urlencode()


@agent_required
def view_counts(request):
    """The sidebar's views with their counts, loaded after the table (cached per agent)."""
    saved = selectors.saved_views_for(request.user)
    counts = selectors.queue_counts(user=request.user, views=[*BUILTIN_VIEWS, *saved])
    context = {
        "views": BUILTIN_VIEWS,
        "saved_views": saved,
        "counts": counts,
        "active_view": active_view(request.GET, [*BUILTIN_VIEWS, *saved]),
    }
    return render(request, "agent/_views_nav.html", context)
