"""A building's audit history for its programmers (and admins): every change to the building,
its spaces, calls, applications, offers, screenings, tenancies and stage moves, newest first.

Read only: there is no form here, and nothing writes a history row but the saves it records.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from broedplaats import selectors
from broedplaats.roles import require_role
from broedplaats.selectors.history import HISTORY_PER_PAGE, building_history, history_entries


@login_required
def building_history_view(request, slug: str):
    """One page of the building's changes: when, who, which record and what changed. A
    building the programmer does not program is not found (404), like their other pages."""
    require_role(request.user, "programmer")
    building = get_object_or_404(selectors.buildings_for_programmer(request.user), slug=slug)
    page = Paginator(building_history(building), HISTORY_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "broedplaats/programmer/building_history.html", {
        "building": building, "page": page, "entries": history_entries(page.object_list),
    })
