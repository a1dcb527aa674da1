"""Admin forms: the admin refuses what the services refuse, with the services' words.

Each form builds the object its save would store from the cleaned data and hands it to the
service's check (`tenancy_check`, `space_check`, `policy_check`), so a broken rule is a form
error, never a 500. The rows a check depends on are locked first: the admin runs a POST in one
transaction, so the lock holds from the check until the save commits.
"""

import copy

from django import forms
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet, construct_instance
from django.utils import timezone

from broedplaats.models import Building, City, Policy, Space, Tenancy, normalize_postcode
from broedplaats.services import overlap_message, policy_check, space_check, tenancy_check
from chains.forms import add_service_errors
from chains.locking import lock_rows


def candidate(form: forms.ModelForm) -> models.Model:
    """A copy of the form's instance with the cleaned data applied, as the save would make it."""
    obj = copy.copy(form.instance)
    construct_instance(form, obj, fields=form._meta.fields, exclude=form._meta.exclude)
    return obj


def related(obj: models.Model, name: str) -> models.Model | None:
    """The object behind a foreign key, or None when it is not set yet."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def unchanged_row(form: forms.ModelForm) -> bool:
    """An existing row the user did not touch: it is not saved, so it is not judged again."""
    return form.instance.pk is not None and not form.has_changed()


class ParentInstanceFormSet(BaseInlineFormSet):
    """Gives each inline form the parent object itself, as edited in the same request.

    The forms' checks then see the parent's new values (and need no query to fetch it).
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        setattr(form.instance, self.fk.name, self.instance)
        return form


# --- policy ----------------------------------------------------------------------------------

class PolicyAdminForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ("city", "valid_from", "valid_to", "source", "income_limit",
                  "screening_validity_months", "live_work_retest_years",
                  "required_screened_share", "standard_term_months", "max_renewals",
                  "max_tenancies_per_creative")

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("city") and cleaned_data.get("valid_from"):
            policy = candidate(self)
            # Serialise policy writes per city, as policy_create does.
            lock_rows(City.objects.filter(pk=policy.city_id))
            try:
                policy_check(policy)
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned_data


# --- buildings and spaces --------------------------------------------------------------------

class PostcodeField(forms.CharField):
    """Normalises '1012ab' to '1012 AB' before any validation sees it."""

    def to_python(self, value):
        return normalize_postcode(super().to_python(value))


class BuildingAdminForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ("city", "name", "slug", "description", "archived", "address", "postcode",
                  "latitude", "longitude", "operator_name", "operator_kind", "cluster_type",
                  "chain_focus", "temporary_until", "programmers")
        field_classes = {"postcode": PostcodeField}


class SpaceAdminForm(forms.ModelForm):
    """A space on its own page or inline under its building: the city's rent cap applies."""

    class Meta:
        model = Space
        fields = ("building", "code", "kind", "area_m2", "monthly_rent", "rent_exception_reason",
                  "facilities", "stages", "description", "archived")

    def clean(self):
        cleaned_data = super().clean()
        if unchanged_row(self):
            return cleaned_data
        space = candidate(self)
        building = related(space, "building")
        if building is None or building.city_id is None:
            return cleaned_data  # the building's own errors are reported
        try:
            space_check(space, on=timezone.localdate())
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned_data


# --- tenancies -------------------------------------------------------------------------------

class TenancyAdminForm(forms.ModelForm):
    """A tenancy on its own page or inline under its space: every rule of `tenancy_check`.

    Its end is not edited here: a tenancy ends through `tenancy_end` (the tenancy's end page in
    the admin), which also records the creative's stage move and who ended it.
    """

    class Meta:
        model = Tenancy
        fields = ("space", "creative", "start", "planned_end", "monthly_rent",
                  "rent_exception_reason", "term_exception_reason")

    def clean(self):
        cleaned_data = super().clean()
        if unchanged_row(self):
            return cleaned_data
        tenancy = candidate(self)
        space = related(tenancy, "space")
        if (space is None or tenancy.creative_id is None or tenancy.start is None
                or tenancy.planned_end is None or tenancy.monthly_rent is None):
            return cleaned_data  # the missing fields report themselves
        # Hold the space as tenancy_save does, so no other tenancy slips in before the save.
        lock_rows(Space.objects.filter(pk=space.pk))
        try:
            tenancy_check(tenancy)
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned_data


class TenancyInlineFormSet(ParentInstanceFormSet):
    """The tenancies under one space, judged together: new rows must not overlap each other.

    Each form's check compares its row with what is stored; rows added or changed in the same
    submission are not stored yet, so they are compared here.
    """

    def clean(self):
        super().clean()
        periods = []
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            data = getattr(form, "cleaned_data", {})
            # The end is read-only here (tenancy_end sets it), so the stored one counts.
            start, end = data.get("start"), form.instance.actual_end or data.get("planned_end")
            if start is None or end is None or end <= start:
                continue
            if any(start < other_end and other_start < end for other_start, other_end in periods):
                form.add_error("start", overlap_message())
            else:
                periods.append((start, end))
