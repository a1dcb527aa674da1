"""Pages: the public building list and building page, log-in landing and the role homes.

Views only parse and render; reads go through selectors, filtering through filters.py.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from broedplaats import selectors
from broedplaats.filters import BuildingFilter
from broedplaats.roles import home_url_name, require_role
from broedplaats.selectors import overview
from broedplaats.selectors.places import PagedByIds
from chains.selectors import (
    creative_current_stage,
    creative_history,
    creatives_with_stage,
    stage_list,
)

BUILDINGS_PER_PAGE = 24


def building_list(request):
    """Public list of buildings with filters; htmx requests get only the results block."""
    today = timezone.localdate()
    filterset = BuildingFilter(
        request.GET or None, queryset=selectors.building_list(on=today), request=request, on=today
    )
    # An invalid value is shown as a form error and that filter is left out. Counts are read
    # for the page's rows only (PagedByIds).
    page = Paginator(PagedByIds(filterset.qs), BUILDINGS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), "today": today}
    template = (
        "broedplaats/_building_results.html"
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
        else "broedplaats/building_list.html"
    )
    return render(request, template, context)


def building_detail(request, slug: str):
    """A building with its spaces and their photos, which stages of which chains it houses,
    and what is free. The photos are read with the spaces, in one query for all of them."""
    today = timezone.localdate()
    building = get_object_or_404(selectors.buildings_public(), slug=slug)
    spaces = list(selectors.building_spaces(building=building, on=today)
                  .prefetch_related("photos"))
    context = {
        "building": building,
        "spaces": spaces,
        "free_spaces": [space for space in spaces if not space.is_let],
        "photographed": [space for space in spaces if space.photos.all()],
        "chain_stages": selectors.building_chain_stages(building=building),
        "stages": stage_list(),
        "today": today,
    }
    return render(request, "broedplaats/building_detail.html", context)


@login_required
def home(request):
    """After log-in each role lands on its own home page."""
    return redirect(home_url_name(request.user))


@login_required
def creative_home(request):
    """A creative's overview: where they rent (and whether they may renew), their path along
    the chain, and the applications and offers they wait on, in a fixed number of queries."""
    require_role(request.user, "creative")
    today = timezone.localdate()
    creative = creatives_with_stage().filter(user=request.user).first()
    history = list(creative_history(creative=creative)) if creative else []
    context = {"creative": creative, "history": history,
               "latest": history[-1] if history else None}
    if creative:  # the finder, filled in from the profile: discipline and current stage
        stage = creative_current_stage(creative=creative, on=today)
        context["finder_query"] = urlencode(
            {"discipline": creative.discipline.slug, **({"stage": stage.code} if stage else {})})
        tenancies = overview.tenancies_ahead_of(creative=creative, on=today)
        context.update(
            renting=[tenancy for tenancy in tenancies if tenancy.running],
            coming=[tenancy for tenancy in tenancies if not tenancy.running],
            spells=overview.stage_spells(history, on=today),
            applications=list(overview.open_applications_of(creative=creative)),
            offers=list(overview.open_offers_of(creative=creative, on=today)),
        )
    return render(request, "chains/home_creative.html", context)
