"""Programmers' pages for their buildings' spaces (with photos) and open calls.

Thin like the other programmer pages: forms parse, services write, the scoping selectors read,
so a space or call of another building is not found (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from broedplaats import selectors
from broedplaats.models import ApplicationStatus, Building, Call, Space, SpacePhoto
from broedplaats.roles import require_role
from broedplaats.selectors.places import spaces_with_tenants
from broedplaats.services import (
    SPACE_PHOTO_LIMIT,
    call_close,
    call_create,
    call_publish,
    call_update,
    space_archive,
    space_create,
    space_photo_add,
    space_photo_remove,
    space_unarchive,
    space_update,
)
from broedplaats.views.forms.places import CallForm, SpaceForm, SpacePhotoForm
from chains.forms import (
    add_service_errors,
    add_service_messages,
    focus_first_error,
    write_with_form,
)


def _building(request, slug: str) -> Building:
    require_role(request.user, "programmer")
    return get_object_or_404(selectors.buildings_for_programmer(request.user), slug=slug)


def _space(request, pk: int) -> Space:
    require_role(request.user, "programmer")
    return get_object_or_404(selectors.spaces_for_programmer(request.user), pk=pk)


# --- spaces ------------------------------------------------------------------------------------

@login_required
def space_list(request, slug: str):
    """A building's spaces, active first, with their stages and photo count, and whether
    each is let now: to whom and until when, or free and until when."""
    building = _building(request, slug)
    today = timezone.localdate()
    spaces = (selectors.spaces_for_programmer(request.user).filter(building=building)
              .prefetch_related("stages")
              .annotate(photo_count=Count("photos", distinct=True))
              .order_by("archived", "code"))
    return render(request, "broedplaats/programmer/space_list.html",
                  {"building": building, "today": today,
                   "spaces": spaces_with_tenants(spaces, on=today)})


@login_required
def space_new(request, slug: str):
    building = _building(request, slug)
    form = SpaceForm(request.POST or None)
    space = None

    def write(data):
        nonlocal space
        space = space_create(building=building, on=timezone.localdate(), **data)

    if request.method == "POST" and write_with_form(form, write):
        messages.success(request, _("Space %(code)s is added.") % {"code": space.code})
        return redirect("programmer-space-edit", pk=space.pk)
    return render(request, "broedplaats/programmer/space_form.html",
                  {"building": building, "form": form},
                  status=400 if form.is_bound else 200)


def _render_space(request, space: Space, *, form=None, photo_form=None, status=200):
    photos = list(space.photos.all())
    return render(request, "broedplaats/programmer/space_form.html", {
        "building": space.building, "space": space,
        "form": form or SpaceForm(initial=SpaceForm.initial_of(space)),
        "photo_form": photo_form or SpacePhotoForm(),
        "photos": photos, "photo_limit": SPACE_PHOTO_LIMIT,
    }, status=status)


@login_required
def space_edit(request, pk: int):
    """Edit a space; its photos and archiving are on the same page."""
    space = _space(request, pk)
    if request.method != "POST":
        return _render_space(request, space)
    form = SpaceForm(request.POST)
    if write_with_form(form, lambda data: space_update(space=space, on=timezone.localdate(), **data)):
        messages.success(request, _("Space %(code)s is saved.") % {"code": space.code})
        return redirect("programmer-space-edit", pk=space.pk)
    return _render_space(request, _space(request, pk), form=form, status=400)


@login_required
@require_POST
def space_archive_view(request, pk: int):
    space = _space(request, pk)
    try:
        if request.POST.get("archived") == "0":
            space_unarchive(space=space)
            messages.success(request, _("Space %(code)s is in use again.") % {"code": space.code})
        else:
            space_archive(space=space, on=timezone.localdate())
            messages.success(request, _("Space %(code)s is archived.") % {"code": space.code})
    except ValidationError as error:
        add_service_messages(request, error)
    return redirect("programmer-space-edit", pk=space.pk)


@login_required
@require_POST
def space_photo_upload(request, pk: int):
    space = _space(request, pk)
    form = SpacePhotoForm(request.POST, request.FILES)
    if write_with_form(form, lambda data: space_photo_add(space=space, file=data["image"],
                                                 caption=data["caption"], by=request.user)):
        messages.success(request, _("The photo is added."))
        return redirect("programmer-space-edit", pk=space.pk)
    return _render_space(request, _space(request, pk), photo_form=form, status=400)


@login_required
@require_POST
def space_photo_delete(request, pk: int):
    require_role(request.user, "programmer")
    photo = get_object_or_404(SpacePhoto.objects.filter(
        space__in=selectors.spaces_for_programmer(request.user)), pk=pk)
    space_photo_remove(photo=photo)
    messages.success(request, _("The photo is removed."))
    return redirect("programmer-space-edit", pk=photo.space_id)


# --- open calls --------------------------------------------------------------------------------

@login_required
def call_list(request):
    """The calls of the programmer's buildings, newest first, with their applicant counts."""
    require_role(request.user, "programmer")
    today = timezone.localdate()
    calls = (selectors.calls_for_programmer(request.user).prefetch_related(None)
             .annotate(space_count=Count("spaces", distinct=True),
                       # Drafts are the creative's own until submitted, as in the table.
                       applicant_count=Count("applications", distinct=True, filter=~Q(
                           applications__status=ApplicationStatus.DRAFT))))
    return render(request, "broedplaats/programmer/call_list.html",
                  {"calls": calls, "today": today,
                   "buildings": selectors.buildings_for_programmer(request.user)
                   .filter(archived=False).order_by("name")})


def _call_spaces(request, building: Building):
    return (selectors.spaces_for_programmer(request.user)
            .filter(building=building, archived=False).order_by("code"))


@login_required
def call_new(request, slug: str):
    """A new call of a building; saved as a draft, or published at once."""
    building = _building(request, slug)
    form = CallForm(request.POST or None, spaces=_call_spaces(request, building))
    call = None
    publish = request.POST.get("action") == "publish"

    @transaction.atomic  # a call refused for publishing is not kept as a draft either
    def write(data):
        nonlocal call
        call = call_create(building=building, by=request.user, **data)
        if publish:
            call_publish(call=call, on=timezone.localdate(), by=request.user)

    if request.method == "POST" and write_with_form(form, write):
        messages.success(request, _("The call is published.") if publish
                         else _("The call is saved as a draft."))
        return redirect("programmer-call-edit", pk=call.pk)
    return render(request, "broedplaats/programmer/call_form.html",
                  {"building": building, "form": form},
                  status=400 if form.is_bound else 200)


def _call(request, pk: int) -> Call:
    require_role(request.user, "programmer")
    return get_object_or_404(selectors.calls_for_programmer(request.user), pk=pk)


@login_required
@require_POST
def call_close_view(request, pk: int):
    """Close an open call at the end of today; a refusal is shown as a message."""
    call = _call(request, pk)
    try:
        call_close(call=call, on=timezone.localdate(), by=request.user)
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, _("The call closes at the end of today."))
    return redirect("programmer-call-edit", pk=call.pk)


def _call_spaces_with_current(request, call: Call):
    """Active spaces of the building, and the call's own spaces even when archived since."""
    current = [space.pk for space in call.spaces.all()]
    return (selectors.spaces_for_programmer(request.user).filter(building=call.building_id)
            .filter(Q(archived=False) | Q(pk__in=current)).order_by("code"))


def _render_call(request, call: Call, form=None, status=200):
    form = form or CallForm(initial=CallForm.initial_of(call),
                            spaces=_call_spaces_with_current(request, call))
    return render(request, "broedplaats/programmer/call_form.html",
                  {"building": call.building, "call": call, "form": form,
                   "is_open": call.is_open(timezone.localdate()),
                   "today": timezone.localdate(),
                   "applicant_count": selectors.applications_for_programmer(
                       request.user, on=timezone.localdate()).filter(call=call).count()},
                  status=status)


@login_required
def call_edit(request, pk: int):
    call = _call(request, pk)
    if request.method != "POST":
        return _render_call(request, call)
    form = CallForm(request.POST, spaces=_call_spaces_with_current(request, call))
    if write_with_form(form, lambda data: call_update(call=call, **data)):
        messages.success(request, _("The call is saved."))
        return redirect("programmer-call-edit", pk=call.pk)
    return _render_call(request, _call(request, pk), form=form, status=400)


@login_required
@require_POST
def call_publish_view(request, pk: int):
    call = _call(request, pk)
    try:
        call_publish(call=call, on=timezone.localdate(), by=request.user)
    except ValidationError as error:  # said beside the date or spaces to change
        form = CallForm(initial=CallForm.initial_of(call),
                        spaces=_call_spaces_with_current(request, call))
        form.cleaned_data = {}  # an unbound form has none, and add_error looks there
        add_service_errors(form, error)
        focus_first_error(form)
        return _render_call(request, call, form=form, status=400)
    messages.success(request, _("The call is published."))
    return redirect("programmer-call-edit", pk=call.pk)
