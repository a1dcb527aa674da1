"""Programmers' pages for allocation: a call's rounds (and running one), a city-wide round
over several calls, one round's proposal (change it by hand, confirm it, discard it), the
committee's scoring sheet of a call and a building's fit weights.

Thin like the other programmer pages: forms parse, `services.matching` writes, and every read
starts from the scoping selectors, so a call, round or building of someone else's buildings is
not found (404). A round is the programmer's when every one of its calls is.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from broedplaats import selectors
from broedplaats.matching import Weights
from broedplaats.models import (
    FIT_COMPONENTS,
    AllocationRound,
    Building,
    Call,
    FitWeights,
    RoundEntry,
    RoundStatus,
    Space,
)
from broedplaats.roles import require_role
from broedplaats.selectors.matching import committee_sheet, rounds_for_programmer
from broedplaats.services import (
    committee_criteria_set,
    committee_score_record,
    fit_weights_reset,
    fit_weights_set,
    round_adjust,
    round_confirm,
    round_discard,
    round_run,
)
from broedplaats.views.forms.matching import (
    FIT_LABELS,
    CommitteeScoresForm,
    CriteriaForm,
    RoundAdjustForm,
    RoundForm,
    WeightsForm,
    score_name,
)
from chains.formatting import long_date
from chains.forms import add_service_messages, write_with_form


def _call(request, pk: int) -> Call:
    require_role(request.user, "programmer")
    return get_object_or_404(selectors.calls_for_programmer(request.user).prefetch_related(None),
                             pk=pk)


def _round(request, pk: int) -> AllocationRound:
    require_role(request.user, "programmer")
    return get_object_or_404(rounds_for_programmer(request.user), pk=pk)


def _run_message(request) -> None:
    messages.success(request, _("The round is run: check the proposal, change it by hand if "
                                "needed, then confirm it to make the offers."))


# --- a call's rounds, and a city-wide round ------------------------------------------------------

@login_required
def call_rounds(request, pk: int):
    """A call's rounds, newest first, and the form to run one over the call."""
    call = _call(request, pk)
    today = timezone.localdate()
    form = RoundForm(request.POST or None, today=today, method=call.allocation_method)
    round_ = None

    def write(data):
        nonlocal round_
        round_ = round_run(calls=[call], on=today, by=request.user, **data)

    if request.method == "POST" and write_with_form(form, write):
        _run_message(request)
        return redirect("programmer-round", pk=round_.pk)
    rounds = (rounds_for_programmer(request.user).filter(calls=call)
              .annotate(offer_count=Count("entries", distinct=True,
                                          filter=Q(entries__space__isnull=False))))
    return render(request, "broedplaats/programmer/rounds/call_rounds.html",
                  {"call": call, "building": call.building, "form": form, "rounds": rounds},
                  status=400 if form.is_bound else 200)


@login_required
def round_new(request):
    """A city-wide round over several of the programmer's published calls."""
    require_role(request.user, "programmer")
    today = timezone.localdate()
    calls = list(selectors.calls_for_programmer(request.user).prefetch_related(None)
                 .filter(published_at__isnull=False, building__archived=False)
                 .order_by("building__name", "-opens_on", "title"))
    form = RoundForm(request.POST or None, today=today, calls=calls,
                     method="stable_matching")
    round_ = None

    def write(data):
        nonlocal round_
        round_ = round_run(on=today, by=request.user, **data)

    if request.method == "POST" and write_with_form(form, write):
        _run_message(request)
        return redirect("programmer-round", pk=round_.pk)
    return render(request, "broedplaats/programmer/rounds/round_new.html",
                  {"form": form, "has_calls": bool(calls)},
                  status=400 if form.is_bound else 200)


# --- one round ---------------------------------------------------------------------------------

def _round_spaces(round_: AllocationRound):
    """The spaces a round names (open and left out) by id, and per space the round's calls
    that offer it: three queries whatever the size of the round."""
    inputs = round_.inputs or {}
    ids = set(inputs.get("spaces", [])) | {int(pk) for pk in inputs.get("spaces_left_out", {})}
    spaces = Space.objects.select_related("building").in_bulk(ids)
    offered_in = defaultdict(set)
    for space_id, call_id in Call.spaces.through.objects.filter(
            call__rounds=round_, space__in=ids).values_list("space", "call"):
        offered_in[space_id].add(call_id)
    return spaces, offered_in


def _options(round_: AllocationRound, entry: RoundEntry, spaces: dict, offered_in: dict,
             applied: dict) -> list[Space]:
    """The round's open spaces the entry's creative applied to (through one of its calls)."""
    calls = applied.get(entry.creative_id, set())
    return [spaces[pk] for pk in round_.inputs.get("spaces", [])
            if pk in spaces and offered_in.get(pk, set()) & calls]


def _applied(round_: AllocationRound) -> dict[int, set[int]]:
    """Per creative, the ids of the round's calls they applied to (as the round saw them)."""
    return {row["creative"]: {int(call) for call in row["applications"]}
            for row in round_.inputs.get("applicants", [])}


def _parts(breakdown: dict) -> list[tuple[str, float]]:
    parts = [(FIT_LABELS[name], breakdown[name]) for name in FIT_COMPONENTS if name in breakdown]
    if breakdown.get("bonus"):
        parts.append((FIT_LABELS["bonus"], breakdown["bonus"]))
    return parts


def _render_round(request, round_: AllocationRound, *, failed=None, errors=(), status=200):
    """The round page. `failed` is (entry id, form) of a refused hand change; `errors` are a
    refused confirmation's messages, shown once above the proposal."""
    proposed = round_.status == RoundStatus.PROPOSED
    calls = list(round_.calls.select_related("building").order_by("building__name", "title"))
    spaces, offered_in = _round_spaces(round_)
    applied = _applied(round_)
    entries, left_out = [], []
    rows = round_.entries.select_related("creative", "space__building",
                                         "proposed_space__building").order_by("position")
    for entry in rows:
        if entry.excluded:
            left_out.append(entry)
            continue
        entry.parts = _parts(entry.breakdown)
        fit_space = entry.breakdown.get("space")
        # Without a space, the breakdown is of the applicant's best-fitting open space.
        entry.fit_space = spaces.get(fit_space) if fit_space != entry.space_id else None
        if proposed:
            if failed and failed[0] == entry.pk:
                entry.form = failed[1]
            else:
                entry.form = RoundAdjustForm(
                    initial={"space": entry.space_id}, auto_id=f"id_entry{entry.pk}_%s",
                    spaces=_options(round_, entry, spaces, offered_in, applied))
        entries.append(entry)
    if failed and not proposed:  # changed meanwhile: no row forms to show the refusal on
        errors = [*errors, *failed[1].non_field_errors()]
    left = round_.inputs.get("spaces_left_out", {})
    return render(request, "broedplaats/programmer/rounds/round_detail.html", {
        "round": round_, "calls": calls, "proposed": proposed, "entries": entries,
        "left_out": left_out, "errors": errors,
        "many_buildings": len({call.building_id for call in calls}) > 1,
        "spaces_left_out": [(spaces[int(pk)], reason) for pk, reason in left.items()
                            if int(pk) in spaces],
        "open_spaces": [spaces[pk] for pk in round_.inputs.get("spaces", []) if pk in spaces],
        "changes": list(round_.changes.select_related("entry__creative", "from_space",
                                                      "to_space", "by")),
    }, status=status)


@login_required
def round_detail(request, pk: int):
    """A round: how it ran, the spaces left out, the proposal with each fit's breakdown, the
    applicants left out and the hand changes."""
    return _render_round(request, _round(request, pk))


@login_required
@require_POST
def round_adjust_view(request, pk: int, entry_pk: int):
    """Change one applicant's space by hand (a swap when another holds it)."""
    round_ = _round(request, pk)
    entry = get_object_or_404(round_.entries.select_related("creative"), pk=entry_pk,
                              excluded="")
    spaces, offered_in = _round_spaces(round_)
    form = RoundAdjustForm(request.POST, auto_id=f"id_entry{entry.pk}_%s",
                           spaces=_options(round_, entry, spaces, offered_in, _applied(round_)))
    if write_with_form(form, lambda data: round_adjust(round=round_, entry=entry,
                                                       space=data["space"], by=request.user)):
        space = form.cleaned_data["space"]
        messages.success(request, _("%(name)s now gets %(space)s.")
                         % {"name": entry.creative.name, "space": space.code} if space
                         else _("%(name)s now gets no space.") % {"name": entry.creative.name})
        return redirect(reverse("programmer-round", args=[round_.pk]) + f"#entry-{entry.pk}")
    return _render_round(request, _round(request, pk), failed=(entry.pk, form), status=400)


@login_required
@require_POST
def round_confirm_view(request, pk: int):
    """Make the proposal's offers, all or none."""
    round_ = _round(request, pk)
    try:
        offers = round_confirm(round=round_, on=timezone.localdate(), by=request.user)
    except ValidationError as error:
        return _render_round(request, _round(request, pk), errors=error.messages, status=400)
    messages.success(request, ngettext(
        "Confirmed: %(n)s offer went out by mail, to answer by %(date)s.",
        "Confirmed: %(n)s offers went out by mail, to answer by %(date)s.", len(offers))
        % {"n": len(offers), "date": long_date(round_.reply_by)})
    return redirect("programmer-round", pk=round_.pk)


@login_required
@require_POST
def round_discard_view(request, pk: int):
    round_ = _round(request, pk)
    try:
        round_discard(round=round_, by=request.user)
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("The round is discarded; no offer was made."))
    return redirect("programmer-round", pk=round_.pk)


# --- the committee -----------------------------------------------------------------------------

def _render_committee(request, call: Call, *, criteria_form=None, scores_form=None,
                      status=200):
    """The criteria and the member's sheet: their own scores only (never another member's),
    and per applicant the mean over every member."""
    criteria, applications, own = committee_sheet(call, request.user)
    if scores_form is None:
        scores_form = CommitteeScoresForm(applications=applications, criteria=criteria, own=own)
    rows = [{"application": application,
             "cells": [scores_form[score_name(application.pk, criterion.pk)]
                       for criterion in criteria]}
            for application in applications]
    return render(request, "broedplaats/programmer/committee.html", {
        "call": call, "building": call.building, "criteria": criteria, "rows": rows,
        "scores_form": scores_form,
        "criteria_form": criteria_form or CriteriaForm(
            initial={"criteria": "\n".join(c.name for c in criteria)}),
    }, status=status)


@login_required
def call_committee(request, pk: int):
    """The committee's sheet of a call; POST saves the member's changed scores, all or none."""
    call = _call(request, pk)
    if request.method != "POST":
        return _render_committee(request, call)
    criteria, applications, own = committee_sheet(call, request.user)
    form = CommitteeScoresForm(request.POST, applications=applications, criteria=criteria,
                               own=own)
    changed = 0

    def write(data):
        nonlocal changed
        errors = {}
        with transaction.atomic():
            for name, application, criterion, score in form.changed_cells():
                try:
                    committee_score_record(criterion=criterion, application=application,
                                           member=request.user, score=score)
                except ValidationError as error:
                    errors[name] = error.messages
                changed += 1
            if errors:
                raise ValidationError(errors)  # rolls back the cells saved before

    if write_with_form(form, write):
        messages.success(request, ngettext("%(n)s score is saved.", "%(n)s scores are saved.",
                                           changed) % {"n": changed})
        return redirect("programmer-call-committee", pk=call.pk)
    return _render_committee(request, call, scores_form=form, status=400)


@login_required
@require_POST
def call_criteria(request, pk: int):
    """Set the criteria the call's committee scores on."""
    call = _call(request, pk)
    form = CriteriaForm(request.POST)
    if write_with_form(form, lambda data: committee_criteria_set(call=call,
                                                                 names=data["criteria"])):
        messages.success(request, _("The criteria are saved."))
        return redirect("programmer-call-committee", pk=call.pk)
    return _render_committee(request, call, criteria_form=form, status=400)


# --- fit weights -------------------------------------------------------------------------------

def _city_weights(building: Building) -> Weights:
    """What the building uses without its own weights: its city's, else the defaults."""
    city = FitWeights.objects.filter(city=building.city_id).first()
    return Weights(**city.points(), wait_full_days=city.wait_full_days) if city else Weights()


def _render_weights(request, building: Building, fallback: Weights, form=None, status=200):
    own = FitWeights.objects.filter(building=building).select_related("updated_by").first()
    using = Weights(**own.points(), wait_full_days=own.wait_full_days) if own else fallback
    if form is None:
        form = WeightsForm(fallback=fallback, initial={
            **{name: getattr(using, name) for name in FIT_COMPONENTS},
            "wait_full_days": using.wait_full_days})
    shares = using.normalised()
    return render(request, "broedplaats/programmer/weights.html", {
        "building": building, "form": form, "own": own,
        "shares": [(FIT_LABELS[name], shares[name]) for name in FIT_COMPONENTS],
        "wait_full_days": using.wait_full_days,
    }, status=status)


@login_required
def building_weights(request, slug: str):
    """A building's own fit weights, beside the city defaults it otherwise uses."""
    require_role(request.user, "programmer")
    building = get_object_or_404(selectors.buildings_for_programmer(request.user), slug=slug)
    fallback = _city_weights(building)
    if request.method != "POST":
        return _render_weights(request, building, fallback)
    if "reset" in request.POST:
        fit_weights_reset(building=building, by=request.user)
        messages.success(request, _("%(building)s uses the city's weights again.")
                         % {"building": building.name})
        return redirect("programmer-building-weights", slug=building.slug)
    form = WeightsForm(request.POST, fallback=fallback)
    if write_with_form(form, lambda data: fit_weights_set(building=building, by=request.user,
                                                          **data)):
        messages.success(request, _("The fit weights of %(building)s are saved; the next "
                                    "rounds use them.") % {"building": building.name})
        return redirect("programmer-building-weights", slug=building.slug)
    return _render_weights(request, building, fallback, form=form, status=400)
