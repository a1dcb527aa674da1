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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats import selectors
from broedplaats.forms_creative import ApplicationForm
from broedplaats.roles import require_role
from broedplaats.services import (
    application_create,
    application_submit,
    application_withdraw,
    offer_accept,
    offer_decline,
)
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
    """A published call with its criteria and spaces."""
    today = timezone.localdate()
    call = get_object_or_404(selectors.calls_published(), pk=pk)
    return render(request, "broedplaats/call_detail.html",
                  {"call": call, "is_open": call.is_open(today), "today": today})


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
    context = {
        "applications": selectors.applications_for_creative_with_position(request.user,
                                                                           on=today),
        "offers": selectors.offers_for_creative_on(request.user, on=today),
        "today": today,
    }
    return render(request, "broedplaats/creative/application_list.html", context)


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
                                                       "date": offer.start.isoformat()})
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
