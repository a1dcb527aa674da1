"""Pathways: a chain running through several buildings as ordered (building, stage) steps.

The list is public (a pathway describes buildings, not people). How many creatives moved
along each step (the throughput figure "Moves along pathways", over the last twelve months)
is shown to the city bureau of the pathway's city (small counts as "< 5") and to the
programmers of a step's buildings (that step only), and to admins.

City bureau members create, change and archive pathways through any buildings of their city;
programmers only pathways whose every step is a building they program. The choices on the
form are limited to those buildings, and a pathway someone may not change is not found (404).
`services.pathway_save` holds the rules of a pathway itself.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats.models import Building, City, Pathway, PathwayStep
from broedplaats.roles import roles_of
from broedplaats.selectors import throughput
from broedplaats.selectors.matching import (
    bureau_city_ids,
    editable_pathways,
    programmed_ids,
)
from broedplaats.services import pathway_archive, pathway_save
from broedplaats.views.forms.pathways import MAX_STEPS, PathwayForm, step_formset
from chains.forms import add_service_errors
from chains.models import Chain
from chains.selectors import stage_list

PATHWAYS_PER_PAGE = 24


# --- who may see and change what ----------------------------------------------------------------

def _require_manager(user) -> None:
    roles = roles_of(user)
    if not (roles.city_bureau or roles.programmer or roles.admin):
        raise PermissionDenied


def _choices(user, *, current: list[int] = ()) -> tuple[list[City], list[Building]]:
    """The cities a user may make a pathway in, and the buildings its steps may use: the
    active buildings of their bureau's cities and those they program (and, when changing a
    pathway, its current buildings, so that the service can say what became of them)."""
    if roles_of(user).admin:
        cities = City.objects.all()
        buildings = Building.objects.filter(Q(archived=False) | Q(pk__in=current))
    else:
        bureau = City.objects.filter(bureau_members=user) if roles_of(user).city_bureau \
            else City.objects.none()
        programmed = Building.objects.filter(programmers=user) if roles_of(user).programmer \
            else Building.objects.none()
        cities = City.objects.filter(Q(pk__in=bureau.values("pk"))
                                     | Q(pk__in=programmed.values("city")))
        buildings = Building.objects.filter(
            ((Q(city__in=bureau.values("pk")) | Q(pk__in=programmed.values("pk")))
             & Q(archived=False)) | Q(pk__in=current))
    return (list(cities.order_by("name")),
            list(buildings.select_related("city").order_by("city__name", "name", "pk")))


# --- the list ------------------------------------------------------------------------------------

def pathway_list(request):
    """Active pathways with their steps and priority; the moves along each step for those who
    may see them."""
    today = timezone.localdate()
    pathways = (Pathway.objects.filter(archived=False).select_related("city", "chain")
                .prefetch_related(Prefetch("steps", queryset=PathwayStep.objects
                                           .select_related("building", "stage")
                                           .order_by("order")))
                .order_by("city__name", "name", "pk"))
    page = Paginator(pathways, PATHWAYS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    roles = roles_of(request.user)
    start, end = throughput.default_period(today)
    bureau, programmed = bureau_city_ids(request.user), programmed_ids(request.user)
    visible = [p.pk for p in shown if roles.admin or p.city_id in bureau or programmed
               & {step.building_id for step in p.steps.all()}]
    moves = {}
    if visible:
        scope = throughput.Scope(today=today, start=start, end=end)
        city_of = {p.pk: p.city_id for p in shown}
        for row in throughput.pathway_moves(scope, pathway_ids=visible):
            # A programmer sees the steps into or out of their own buildings only.
            if roles.admin or city_of[row["pathway"]] in bureau or {
                    row["building"], row["to_building"]} & programmed:
                moves[(row["pathway"], row["order"])] = row
    editable = set(editable_pathways(request.user).filter(pk__in=[p.pk for p in shown])
                   .values_list("pk", flat=True)) if request.user.is_authenticated else set()
    for pathway in shown:
        steps = list(pathway.steps.all())
        pathway.step_rows = [
            {"step": step, "next": following, "moves": moves.get((pathway.pk, step.order))}
            for step, following in zip(steps, [*steps[1:], None], strict=True)]
        pathway.editable = pathway.pk in editable
    return render(request, "broedplaats/pathways/list.html", {
        "page": page, "pathways": shown, "start": start, "end": end,
        "suppressed": throughput.suppressed_for(request.user), "counts_shown": bool(moves),
        # Only who has a city or buildings to make one in.
        "can_create": roles.admin or bool(bureau) or bool(programmed),
    })


# --- create, change, archive ---------------------------------------------------------------------

def _render_form(request, *, form, formset, pathway=None, steps_errors=(), status=200):
    return render(request, "broedplaats/pathways/form.html", {
        "form": form, "formset": formset, "pathway": pathway, "steps_errors": steps_errors,
        "max_steps": MAX_STEPS, "can_choose": bool(form.fields["city"].rows),
    }, status=status)


def _save(request, *, pathway: Pathway | None, current: list[int], initial: dict,
          step_initial: list[dict], extra: int):
    """The form page of a new or existing pathway: parse, save through the service, and show
    the service's refusals beside the field they are about (the steps above the steps)."""
    cities, buildings = _choices(request.user, current=current)
    chains = list(Chain.objects.order_by("name"))
    stages = list(stage_list())
    Steps = step_formset(extra=extra)
    kwargs = {"buildings": buildings, "stages": stages}
    if request.method != "POST":
        if pathway is None and len(cities) == 1:
            initial = {**initial, "city": cities[0].pk}
        form = PathwayForm(initial=initial, cities=cities, chains=chains)
        formset = Steps(initial=step_initial, form_kwargs=kwargs, prefix="steps")
        return _render_form(request, form=form, formset=formset, pathway=pathway)
    form = PathwayForm(request.POST, cities=cities, chains=chains)
    formset = Steps(request.POST, form_kwargs=kwargs, prefix="steps")
    steps_errors = []
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            saved = pathway_save(
                city=data["city"], chain=data["chain"], name=data["name"],
                steps=formset.steps(), pathway=pathway, by=request.user,
                priority=data["priority"], bonus_points=data["bonus_points"],
                priority_months=data["priority_months"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):  # the steps' errors go above the steps
                errors = dict(error.message_dict)
                steps_errors = errors.pop("steps", [])
                if errors:
                    add_service_errors(form, ValidationError(errors))
            else:
                add_service_errors(form, error)
        else:
            messages.success(request, _("The pathway %(name)s is saved.") % {"name": saved.name})
            return redirect("pathway-list")
    return _render_form(request, form=form, formset=formset, pathway=pathway,
                        steps_errors=steps_errors, status=400)


@login_required
def pathway_new(request):
    _require_manager(request.user)
    return _save(request, pathway=None, current=[], initial={}, step_initial=[], extra=4)


@login_required
def pathway_edit(request, pk: int):
    _require_manager(request.user)
    pathway = get_object_or_404(editable_pathways(request.user), pk=pk)
    steps = list(pathway.steps.order_by("order"))
    return _save(request, pathway=pathway, current=[step.building_id for step in steps],
                 initial=PathwayForm.initial_of(pathway),
                 step_initial=[{"building": step.building_id, "stage": step.stage_id}
                               for step in steps], extra=2)


@login_required
@require_POST
def pathway_archive_view(request, pk: int):
    _require_manager(request.user)
    pathway = get_object_or_404(editable_pathways(request.user), pk=pk)
    pathway_archive(pathway=pathway, by=request.user)
    messages.success(request, _("The pathway %(name)s is archived: it gives no priority from "
                                "now on.") % {"name": pathway.name})
    return redirect("pathway-list")
