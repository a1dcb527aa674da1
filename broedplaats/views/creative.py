"""Pages of allocation for creatives: public open calls, applying, my applications and offers.

Thin: forms parse, services.allocation writes, selectors read. Another creative's object is
simply not in the scoped queryset, so it gives 404 without revealing that it exists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats import selectors
from broedplaats.models import FIT_COMPONENTS, AllocationMethod
from broedplaats.roles import require_role
from broedplaats.selectors.matching import own_fits, own_round_entries, weights_for
from broedplaats.services import (
    application_choices_set,
    application_create,
    application_submit,
    application_withdraw,
    offer_accept,
    offer_decline,
)
from broedplaats.views.forms.creative import ApplicationForm
from broedplaats.views.forms.matching import FIT_LABELS, METHOD_EXPLAINED, fit_explained
from chains.formatting import long_date
from chains.forms import add_service_messages, write_with_form
from chains.models import Creative
from chains.selectors import portfolio_of


def _own_creative(request) -> Creative:
    creative = Creative.objects.filter(user=request.user).first()
    if creative is None:
        raise Http404(_("Your account is not linked to a creative profile yet."))
    return creative


# --- public ------------------------------------------------------------------------------------

def call_list(request):
    """Published calls open today."""
    today = timezone.localdate()
    return render(request, "broedplaats/call_list.html",
                  {"calls": selectors.calls_open(today), "today": today})


def call_detail(request, pk: int):
    """A published call with its criteria and spaces, and how applicants are judged: the
    building's fit weights as shares, the allocation method, a committee's criteria."""
    today = timezone.localdate()
    call = get_object_or_404(selectors.calls_published(), pk=pk)
    shares = weights_for([call.building])[call.building_id].normalised()
    judged = {
        "parts": [(FIT_LABELS[name], shares[name], fit_explained(name))
                  for name in FIT_COMPONENTS],
        "method": METHOD_EXPLAINED.get(call.allocation_method, ""),
        "criteria": (list(call.criteria.all())
                     if call.allocation_method == AllocationMethod.COMMITTEE else []),
    }
    return render(request, "broedplaats/call_detail.html",
                  {"call": call, "is_open": call.is_open(today), "today": today,
                   "judged": judged})


# --- my applications ---------------------------------------------------------------------------

@login_required
def application_new(request):
    """Apply to an open call (?call=<id>) or join a building's candidate list (?building=<slug>):
    save a draft or submit at once."""
    require_role(request.user, "creative")
    creative = _own_creative(request)
    today = timezone.localdate()
    call = building = None
    if request.GET.get("call"):
        try:
            call_id = int(request.GET["call"])
        except ValueError as error:
            raise Http404 from error
        call = get_object_or_404(selectors.calls_published(), pk=call_id)
    elif request.GET.get("building"):
        building = get_object_or_404(selectors.buildings_public(), slug=request.GET["building"])
    else:
        raise Http404(_("Choose an open call or a building."))
    form = ApplicationForm(request.POST or None, images=portfolio_of(creative=creative))
    submit = request.POST.get("action") == "submit"

    @transaction.atomic
    def write(data):
        application = application_create(creative=creative, on=today, call=call,
                                         building=building, by=request.user, **data)
        if submit:
            application_submit(application=application, on=today, by=request.user)

    if request.method == "POST" and write_with_form(form, write):
        messages.success(request, _("Your application is submitted.") if submit
                         else _("Your application is saved as a draft."))
        return redirect("creative-applications")
    return render(request, "broedplaats/creative/application_form.html",
                  {"form": form, "call": call, "building": building or call.building})


@login_required
def application_list(request):
    """My applications with status, history and list position, and my offers."""
    require_role(request.user, "creative")
    today = timezone.localdate()
    applications = list(selectors.applications_for_creative_with_position(request.user,
                                                                         on=today)
                        .prefetch_related("choices__space", "call__spaces"))
    fits = own_fits(applications, on=today)
    entries = own_round_entries(applications)
    for application in applications:
        fit = fits.get(application.pk)
        application.fit = fit and {
            "space": fit["space"], "total": fit["parts"]["total"],
            "parts": [(FIT_LABELS[name], fit["parts"][name]) for name in (*FIT_COMPONENTS, "bonus")
                      if name != "bonus" or fit["parts"]["bonus"]]}
        application.round_entry = entries.get(application.pk)
        application.can_rank = (
            application.call is not None
            and application.call.allocation_method == AllocationMethod.STABLE_MATCHING
            and application.status in RANKABLE)
    context = {
        "applications": applications,
        "offers": selectors.offers_for_creative_on(request.user, on=today),
        "today": today,
    }
    return render(request, "broedplaats/creative/application_list.html", context)


RANKABLE = ("draft", "submitted", "screening", "eligible", "ineligible", "shortlisted")


@login_required
@require_POST
def application_choices_view(request, pk: int):
    """Rank the call's spaces for stable matching: `space` values, most wanted first."""
    application = _my_application(request, pk)
    if application.call is None or application.status not in RANKABLE:
        raise Http404
    offered = {str(space.pk): space for space in application.call.spaces.all()}
    picked = [value for value in request.POST.getlist("space") if value]
    unknown = [value for value in picked if value not in offered]
    try:
        if unknown:
            raise ValidationError({"choices": _("Choose spaces of the call.")})
        application_choices_set(application=application,
                                spaces=[offered[value] for value in picked])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your ranking of the spaces is saved."))
    return redirect(f"{reverse('creative-applications')}#application-{application.pk}")


def _my_application(request, pk: int):
    require_role(request.user, "creative")
    today = timezone.localdate()
    return get_object_or_404(
        selectors.applications_for_creative(request.user, on=today).select_related("call"),
        pk=pk,
    )


@login_required
@require_POST
def application_submit_view(request, pk: int):
    application = _my_application(request, pk)
    try:
        application_submit(application=application, on=timezone.localdate(), by=request.user)
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("Your application is submitted."))
    return redirect("creative-applications")


@login_required
@require_POST
def application_withdraw_view(request, pk: int):
    application = _my_application(request, pk)
    try:
        application_withdraw(application=application, by=request.user)
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("creative-applications")


# --- my offers ---------------------------------------------------------------------------------

def _my_offer(request, pk: int):
    require_role(request.user, "creative")
    return get_object_or_404(selectors.offers_for_creative(request.user), pk=pk)


@login_required
@require_POST
def offer_accept_view(request, pk: int):
    offer = _my_offer(request, pk)
    try:
        offer_accept(offer=offer, on=timezone.localdate(), by=request.user)
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("You accepted the offer; your tenancy of %(space)s starts "
                                    "on %(date)s.") % {"space": offer.space,
                                                       "date": long_date(offer.start)})
    return redirect("creative-applications")


@login_required
@require_POST
def offer_decline_view(request, pk: int):
    offer = _my_offer(request, pk)
    try:
        offer_decline(offer=offer, on=timezone.localdate(), by=request.user)
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("You declined the offer."))
    return redirect("creative-applications")
