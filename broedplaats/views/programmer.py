"""Programmers' pages: the applicants table, an applicant's page with notes, screening,
status moves and offers, a building's tenancy timeline (a chart per period, paged by spaces)
and a tenancy's actions page, where it is renewed, ended or cancelled.

Thin: forms parse, services write, the scoping selectors read. An object outside the
programmer's buildings is not in their querysets, so asking for it gives 404.
"""

import re
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats import selectors
from broedplaats.filters import ApplicantFilter
from broedplaats.models import Application, OfferStatus, Tenancy
from broedplaats.roles import require_role
from broedplaats.selectors import matching as matching_selectors
from broedplaats.selectors.overview import renewals_used_up, with_renewal_limit
from broedplaats.selectors.places import tenancies_running_of
from broedplaats.selectors.timeline import (
    COMING,
    CURRENT,
    PAST,
    add_months,
    period_of_months,
    timeline_rows,
    timeline_spaces,
)
from broedplaats.services import (
    applicant_note_add,
    application_transition,
    offer_make,
    offer_withdraw,
    screening_record,
    social_return_record,
    tenancy_actions,
    tenancy_cancel,
    tenancy_end,
    tenancy_renew,
    tenancy_stage_move,
)
from broedplaats.services.allocation import OFFERABLE, WAITING_FOR_SCREENING
from broedplaats.views.forms.programmer import (
    ProgrammerNoteForm,
    ProgrammerOfferForm,
    ProgrammerScreeningForm,
    ProgrammerSocialReturnForm,
    ProgrammerStageMoveForm,
    ProgrammerTenancyEndForm,
    ProgrammerTenancyRenewForm,
    ProgrammerTransitionForm,
    programmer_transitions,
)
from chains.forms import add_service_messages, write_with_form
from chains.selectors import creative_history, discipline_list, portfolio_of, stage_list

APPLICANTS_PER_PAGE = 50
APPLICANT_ORDERINGS = {"submitted_at": ("submitted_at", "id"),
                       "-submitted_at": ("-submitted_at", "-id"),
                       "wait": ("waiting_since", "id"),
                       # idea, making, distribution; no stage given last
                       "stage": (F("stage__order").asc(nulls_last=True), "submitted_at", "id"),
                       "fit": None}  # computed: see applicant_list


# --- applicants --------------------------------------------------------------------------------

@login_required
def applicant_list(request):
    """Applicants of the programmer's buildings: a name search and filters, ordering by
    submission, wait, stage or fit, 50 a page."""
    require_role(request.user, "programmer")
    today = timezone.localdate()
    ordering = request.GET.get("order", "submitted_at")
    if ordering not in APPLICANT_ORDERINGS:
        ordering = "submitted_at"
    # The table shows no history or facilities: drop those prefetches for a lean list.
    rows = matching_selectors.with_waiting_since(
        selectors.applications_for_programmer(request.user, on=today).prefetch_related(None))
    if ordering != "fit":
        rows = rows.order_by(*APPLICANT_ORDERINGS[ordering])
    filterset = ApplicantFilter(request.GET or None, queryset=rows, request=request, on=today)
    _filter_choices(filterset.form, request.user)
    if ordering == "fit":
        # Sorting by fit needs every filtered row's fit: scored together, vectorised.
        fits = matching_selectors.application_fits(filterset.qs, on=today)
        ordered = sorted(filterset.qs.order_by().values_list("pk", "submitted_at"),
                         key=lambda row: (-fits[row[0]].score if row[0] in fits else 1,
                                          row[1] is None, row[1] or today, row[0]))
        page = Paginator([pk for pk, _submitted in ordered],
                         APPLICANTS_PER_PAGE).get_page(request.GET.get("page"))
    else:
        # Page over ids first: sorting thousands of narrow id rows is cheap, sorting them
        # with every joined column is not (bench/applicants.py); then read the page in full.
        page = Paginator(filterset.qs.values_list("pk", flat=True),
                         APPLICANTS_PER_PAGE).get_page(request.GET.get("page"))
        fits = None
    ids = list(page.object_list)
    by_id = {row.pk: row for row in filterset.qs.order_by().filter(pk__in=ids)}
    if fits is None:  # only the page's rows are scored
        fits = matching_selectors.application_fits(filterset.qs.order_by().filter(pk__in=ids),
                                                   on=today)
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    for row in page.object_list:
        row.fit = fits.get(row.pk)
        row.wait_days = (today - timezone.localdate(row.waiting_since)).days \
            if row.waiting_since else None
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(),
               "ordering": ordering, "today": today}
    template = (
        "broedplaats/programmer/_applicant_results.html"
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
        and not request.headers.get("HX-History-Restore-Request")
        else "broedplaats/programmer/applicant_list.html"
    )
    return render(request, template, context)


def _filter_choices(form, user) -> None:
    """Offer the programmer's own calls, buildings and the disciplines as choices, not as ids
    and slugs to type in (the filter itself still takes the id or slug)."""
    any_ = [("", _("Any"))]
    calls = selectors.calls_for_programmer(user).prefetch_related(None)
    form.fields["call"].widget = forms.Select(
        choices=any_ + [(pk, title) for pk, title in calls.values_list("pk", "title")])
    buildings = selectors.buildings_for_programmer(user).order_by("name")
    form.fields["building"].widget = forms.Select(
        choices=any_ + list(buildings.values_list("slug", "name")))
    form.fields["discipline"].widget = forms.Select(
        choices=any_ + [(d.slug, str(d)) for d in discipline_list()])
    for name, label in (("status", _("Status")), ("call", _("Call")),
                        ("building", _("Building")), ("discipline", _("Discipline")),
                        ("stage", _("Stage")), ("screening", _("Screening"))):
        form.fields[name].label = label


def _application(request, pk: int) -> Application:
    require_role(request.user, "programmer")
    today = timezone.localdate()
    return get_object_or_404(
        selectors.applications_for_programmer(request.user, on=today, notes=True), pk=pk)


def _offer_spaces(request, application: Application):
    """Active spaces the application can be offered: its building's, and its call's if any."""
    spaces = selectors.spaces_for_programmer(request.user).filter(
        building=application.building_id, archived=False).order_by("code")
    if application.call_id:
        spaces = spaces.filter(calls=application.call_id)
    return spaces


def _offer_form(request, application: Application, data=None) -> ProgrammerOfferForm:
    """The offer form with the spaces ranked by fit for this applicant, and those with an open
    offer marked (a space gets one open offer at a time)."""
    today = timezone.localdate()
    spaces = _offer_spaces(request, application).prefetch_related("stages", "facilities")
    listed = list(spaces)
    return ProgrammerOfferForm(
        data, spaces=spaces, fits=matching_selectors.space_fits(application, listed, on=today),
        open_offers=set(selectors.offers_for_programmer(request.user).filter(
            space__in=[space.pk for space in listed], status=OfferStatus.OPEN,
            reply_by__gte=today).values_list("space", flat=True)))


def _portfolio_for_review(application: Application) -> list:
    """The creative's portfolio with the images chosen for this application first (marked
    `chosen`), then the rest in the creative's order."""
    chosen = {image.pk for image in application.portfolio_images.all()}
    images = list(portfolio_of(creative=application.creative))
    for image in images:
        image.chosen = image.pk in chosen
    return sorted(images, key=lambda image: not image.chosen)


def _render_applicant(request, application: Application, status: int = 200, **forms):
    today = timezone.localdate()
    context = {
        "application": application,
        "today": today,
        "images": _portfolio_for_review(application),
        # Where the creative stands: every stage move and the tenancies they hold today.
        "stage_history": list(creative_history(creative=application.creative)),
        "current_tenancies": list(tenancies_running_of(creative=application.creative,
                                                       on=today)),
        "offers": list(selectors.offers_for_programmer(request.user).filter(
            application=application)),
        "note_form": forms.get("note_form") or ProgrammerNoteForm(),
    }
    # Only the actions the application's status allows: a form that could only be refused is
    # not shown (a refused post still shows its form, with the service's message).
    status_now = application.status
    if status_now in WAITING_FOR_SCREENING or "screening_form" in forms:
        context["screening_form"] = forms.get("screening_form") or ProgrammerScreeningForm()
    if programmer_transitions(status_now) or "transition_form" in forms:
        context["transition_form"] = (forms.get("transition_form")
                                      or ProgrammerTransitionForm(current=status_now))
    if status_now in OFFERABLE or "offer_form" in forms:
        context["offer_form"] = forms.get("offer_form") or _offer_form(request, application)
    return render(request, "broedplaats/programmer/applicant_detail.html", context,
                  status=status)


@login_required
def applicant_detail(request, pk: int):
    """One applicant: profile, portfolio, wishes, motivation, history, notes and actions."""
    return _render_applicant(request, _application(request, pk))


def _post(request, pk: int, form, form_name: str, write, done: str, fields=None):
    """Run a service with a valid form; show its refusal on the form, else back to the page."""
    application = _application(request, pk)
    if write_with_form(form, lambda data: write(application, data), fields):
        messages.success(request, done)
        return redirect("programmer-applicant-detail", pk=application.pk)
    application = _application(request, pk)  # read again: the refused service may have touched it
    return _render_applicant(request, application, status=400, **{form_name: form})


@login_required
@require_POST
def applicant_note(request, pk: int):
    def write(application, data):
        applicant_note_add(application=application, text=data["text"], by=request.user)
    return _post(request, pk, ProgrammerNoteForm(request.POST), "note_form", write,
                 _("The note is saved."))


@login_required
@require_POST
def applicant_screening(request, pk: int):
    def write(application, data):
        screening_record(creative=application.creative, city=application.building.city,
                         on=timezone.localdate(), by=request.user, **data)
    return _post(request, pk, ProgrammerScreeningForm(request.POST), "screening_form", write,
                 _("The screening is recorded."))


@login_required
@require_POST
def applicant_transition(request, pk: int):
    def write(application, data):
        application_transition(application=application, to=data["to"], note=data["note"],
                               by=request.user)
    application = _application(request, pk)
    form = ProgrammerTransitionForm(request.POST, current=application.status)
    return _post(request, pk, form, "transition_form", write,
                 _("The status is changed."), fields={"status": "to"})


@login_required
@require_POST
def applicant_offer(request, pk: int):
    application = _application(request, pk)
    form = _offer_form(request, application, request.POST)

    def write(application, data):
        offer_make(application=application, on=timezone.localdate(), by=request.user, **data)
    return _post(request, pk, form, "offer_form", write, _("The offer is made."))


@login_required
@require_POST
def offer_withdraw_view(request, pk: int):
    """Take back an open offer; the applicant is eligible again. A refusal (the creative
    answered meanwhile) is shown as a message on the applicant's page."""
    require_role(request.user, "programmer")
    offer = get_object_or_404(selectors.offers_for_programmer(request.user), pk=pk)
    try:
        offer_withdraw(offer=offer, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("The offer of %(space)s is withdrawn.")
                         % {"space": offer.space})
    return redirect("programmer-applicant-detail", pk=offer.application_id)


# --- tenancies ---------------------------------------------------------------------------------

# The end form's names for the service's keys (the stage move it records says `moved_on`).
TENANCY_END_FIELDS = {"actual_end": "on", "moved_on": "on", "end_reason": "reason"}
TIMELINE_MONTHS = 12  # a period of the timeline; the previous and next links move by one
TIMELINE_MONTHS_BEFORE_TODAY = 3  # the default period shows a little of what went before
SPACES_PER_PAGE = 24
_MONTH_PARAM = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only


def _period_start(value: str | None, today: date) -> date:
    """The first month of the period asked for as `?from=YYYY-MM`; anything else (or a year
    more than a century away) gives the default: a few months before today's."""
    default = add_months(today.replace(day=1), -TIMELINE_MONTHS_BEFORE_TODAY)
    match = _MONTH_PARAM.fullmatch(value or "")
    if not match:
        return default
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or abs(year - today.year) > 100:
        return default
    return date(year, month, 1)


def _timeline_params(data) -> dict[str, str]:
    """The timeline's period and page from `data` (GET or POST), checked: the action page
    keeps them so the user returns to the part of the timeline they left."""
    params = {}
    if _MONTH_PARAM.fullmatch(data.get("from", "")):
        params["from"] = data["from"]
    if re.fullmatch(r"[0-9]{1,6}", data.get("page", "")):
        params["page"] = data["page"]
    return params


def _timeline_query(data) -> str:
    return urlencode(_timeline_params(data))


def _timeline_url(building, query: str) -> str:
    url = reverse("programmer-tenancies", args=[building.slug])
    return f"{url}?{query}" if query else url


@login_required
def tenancy_timeline(request, slug: str):
    """Who rents which space of a building, as a chart of a year's months: the page's spaces
    as rows, each tenancy a bar linking to what can still be done with it; below, the
    current and coming tenancies of these spaces as a list."""
    require_role(request.user, "programmer")
    building = get_object_or_404(selectors.buildings_for_programmer(request.user), slug=slug)
    today = timezone.localdate()
    period = period_of_months(_period_start(request.GET.get("from"), today), TIMELINE_MONTHS)
    page = Paginator(timeline_spaces(building=building), SPACES_PER_PAGE).get_page(
        request.GET.get("page"))
    rows, still_open = timeline_rows(spaces=list(page.object_list), period=period, on=today)
    # The state in words as well as in colour (a bar's name, the list's badge).
    state_labels = {PAST: _("past"), CURRENT: _("current"), COMING: _("coming")}
    for bar in [bar for row in rows for bar in row.bars] + still_open:
        bar.actions = tenancy_actions(bar.tenancy, on=today)
        bar.state_label = state_labels[bar.state]
    months = period.months()
    offsets = [period.offset(month) for month in months] + [100]
    from_ = period.start.strftime("%Y-%m")
    return render(request, "broedplaats/programmer/tenancy_timeline.html", {
        "building": building, "today": today, "period": period, "rows": rows,
        "still_open": [bar for bar in still_open if bar.actions],
        "months": [{"first": month, "left": offsets[i], "width": offsets[i + 1] - offsets[i]}
                   for i, month in enumerate(months)],
        "last_day": period.end - timedelta(days=1),
        "today_at": period.offset(today) if period.start <= today < period.end else None,
        "previous": add_months(period.start, -TIMELINE_MONTHS).strftime("%Y-%m"),
        "next": add_months(period.start, TIMELINE_MONTHS).strftime("%Y-%m"),
        "is_default": period.start == _period_start(None, today),
        "page": page, "query": urlencode({"from": from_}),
        "back": urlencode({"from": from_, "page": page.number}),
    })


def _render_tenancy_actions(request, tenancy, status: int = 200, failed=None):
    """One tenancy with the forms its state allows (services.tenancy_actions): renew and end
    while it runs, end or cancel before its start, none once past. A refused form is shown
    again with its errors, whatever the state now is."""
    today = timezone.localdate()
    actions = tenancy_actions(tenancy, on=today)
    back = _timeline_params(request.POST if request.method == "POST" else request.GET)
    context = {"tenancy": tenancy, "today": today, "actions": actions,
               "last_day": tenancy.end - timedelta(days=1), "back_fields": back.items(),
               "timeline_url": _timeline_url(tenancy.space.building, urlencode(back))}
    if isinstance(failed, ProgrammerTenancyEndForm):
        context["end_form"] = failed
    elif "end" in actions:
        context["end_form"] = ProgrammerTenancyEndForm(
            prefix=f"end-{tenancy.pk}", stages=list(stage_list()),
            initial={"on": today if tenancy.start <= today else tenancy.planned_end})
    if isinstance(failed, ProgrammerTenancyRenewForm):
        context["renew_form"] = failed
    elif "renew" in actions:
        context["renew_form"] = ProgrammerTenancyRenewForm(prefix=f"renew-{tenancy.pk}")
    if "renew_form" in context:
        # A renewal beyond the policy in force on the start needs a reason: say so beforehand,
        # by the rule the creative's overview reads too (selectors.overview).
        context["renewals_used_up"] = renewals_used_up(
            with_renewal_limit(Tenancy.objects.filter(pk=tenancy.pk)).get())
    context["can_cancel"] = "cancel" in actions
    return render(request, "broedplaats/programmer/tenancy_actions.html", context, status=status)


@login_required
def tenancy_actions_view(request, pk: int):
    """What can still be done with one tenancy: the timeline's bars link here."""
    return _render_tenancy_actions(request, _tenancy(request, pk))


@login_required
@require_POST
def tenancy_end_view(request, pk: int):
    """End a running tenancy; outflow or next stage records the stage move in the same step."""
    tenancy = _tenancy(request, pk)
    form = ProgrammerTenancyEndForm(request.POST, prefix=f"end-{tenancy.pk}",
                                    stages=list(stage_list()))
    if write_with_form(form, lambda data: tenancy_end(tenancy=tenancy, by=request.user,
                                                      **data), TENANCY_END_FIELDS):
        messages.success(request, _("The tenancy of %(creative)s is ended.")
                         % {"creative": tenancy.creative})
        return redirect(_timeline_url(tenancy.space.building, _timeline_query(request.POST)))
    # read again: the refused service may have touched the instance
    return _render_tenancy_actions(request, _tenancy(request, pk), status=400, failed=form)


@login_required
@require_POST
def tenancy_renew_view(request, pk: int):
    """Renew a tenancy: within policy, or beyond it with a recorded exception reason."""
    tenancy = _tenancy(request, pk)
    form = ProgrammerTenancyRenewForm(request.POST, prefix=f"renew-{tenancy.pk}")
    if write_with_form(form, lambda data: tenancy_renew(
            tenancy=tenancy, on=timezone.localdate(), by=request.user, **data)):
        messages.success(request, _("The tenancy of %(creative)s now runs until %(date)s.")
                         % {"creative": tenancy.creative,
                            "date": date_format(tenancy.planned_end, "DATE_FORMAT")})
        return redirect(_timeline_url(tenancy.space.building, _timeline_query(request.POST)))
    return _render_tenancy_actions(request, _tenancy(request, pk), status=400, failed=form)


@login_required
@require_POST
def tenancy_cancel_view(request, pk: int):
    """Call off a tenancy before its start; a refusal (it started meanwhile) is a message on
    the page the user came from (the tenancy's page, its actions, or the timeline)."""
    tenancy = _tenancy(request, pk)
    try:
        tenancy_cancel(tenancy=tenancy, on=timezone.localdate(), by=request.user,
                       reason=request.POST.get("reason", ""))
    except ValidationError as error:
        add_service_messages(request, error)
        cancelled = False
    else:
        messages.success(request, _("The tenancy of %(creative)s is cancelled; %(space)s is "
                                    "free again.") % {"creative": tenancy.creative,
                                                      "space": tenancy.space})
        cancelled = True
    back = _timeline_query(request.POST)
    if request.POST.get("next") == "detail":
        return redirect("programmer-tenancy-detail", pk=tenancy.pk)
    if request.POST.get("next") == "actions" and not cancelled:
        url = reverse("programmer-tenancy-actions", args=[tenancy.pk])
        return redirect(f"{url}?{back}" if back else url)
    return redirect(_timeline_url(tenancy.space.building, back))


# --- one tenancy: the tenant's stage moves and social return ---------------------------------

def _tenancy(request, pk: int):
    require_role(request.user, "programmer")
    return get_object_or_404(selectors.tenancies_for_programmer(request.user), pk=pk)


def _render_tenancy(request, tenancy, *, move_form=None, return_form=None, status=200):
    today = timezone.localdate()
    activities = list(tenancy.social_returns.select_related("recorded_by").order_by("-on", "-id"))
    return render(request, "broedplaats/programmer/tenancy_detail.html", {
        "tenancy": tenancy, "today": today,
        "can_cancel": "cancel" in tenancy_actions(tenancy, on=today),
        "history": list(creative_history(creative=tenancy.creative)),
        "activities": activities,
        "hours": sum((activity.hours for activity in activities), 0),
        "move_form": move_form or ProgrammerStageMoveForm(
            stages=list(stage_list()), initial={"moved_on": min(today, tenancy.end)}),
        "return_form": return_form or ProgrammerSocialReturnForm(
            initial={"on": min(today, tenancy.end)}),
    }, status=status)


@login_required
def tenancy_detail(request, pk: int):
    """A tenancy with the tenant's stage history and social return, and forms to add to both."""
    return _render_tenancy(request, _tenancy(request, pk))


@login_required
@require_POST
def tenancy_stage_move_view(request, pk: int):
    tenancy = _tenancy(request, pk)
    form = ProgrammerStageMoveForm(request.POST, stages=list(stage_list()))
    if write_with_form(form, lambda data: tenancy_stage_move(
            tenancy=tenancy, today=timezone.localdate(), by=request.user, on=data["moved_on"],
            to_stage=data["to_stage"], to_market=data["to_market"], note=data["note"]),
            {"to_stage": "to", "to_market": "to"}):
        messages.success(request, _("The stage move of %(creative)s is recorded.")
                         % {"creative": tenancy.creative})
        return redirect("programmer-tenancy-detail", pk=tenancy.pk)
    return _render_tenancy(request, tenancy, move_form=form, status=400)


@login_required
@require_POST
def tenancy_social_return_view(request, pk: int):
    tenancy = _tenancy(request, pk)
    form = ProgrammerSocialReturnForm(request.POST)
    if write_with_form(form, lambda data: social_return_record(tenancy=tenancy,
                                                               by=request.user, **data)):
        messages.success(request, _("The activity is logged."))
        return redirect("programmer-tenancy-detail", pk=tenancy.pk)
    return _render_tenancy(request, tenancy, return_form=form, status=400)
