"""FilterSets for buildings and spaces, shared by the pages and the API.

Each takes the day that counts as "now" (`on`), so "free now" means the same thing as the
counts the selectors annotate for that day. Filters over related rows use Exists subqueries:
they never duplicate a building or a space and keep the list a single query.
"""

from dataclasses import replace
from datetime import date

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from broedplaats import limits
from broedplaats.models import (
    Application,
    ApplicationStatus,
    Building,
    Call,
    City,
    EndReason,
    FacilityCode,
    Space,
    SpaceKind,
    Tenancy,
)
from broedplaats.selectors import free_on
from broedplaats.selectors.places import running_on
from broedplaats.selectors.throughput import Scope, default_period
from chains.formatting import long_date
from chains.models import Chain, Discipline, StageCode


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number from 1 that the database can hold. Anything else is a form
    error (400 in the API); a number past the database's integers was a 500 on SQLite."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.BOOL)
class YesNoFilter(django_filters.TypedChoiceFilter):
    """A yes/no filter taking 'true' or 'false' and refusing anything else.

    django-filter's boolean widgets read an unknown value such as 'maybe' as "not given", so a
    typo would silently return the unfiltered list; here it is a form error (400 in the API).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("", _("Any")), ("true", _("Yes")), ("false", _("No"))])
        kwargs.setdefault("coerce", lambda value: value == "true")
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


def _free_spaces(spaces: QuerySet[Space], *, on: date) -> QuerySet[Space]:
    """Those of `spaces` no tenancy holds on a date."""
    return spaces.filter(free_on(on))


class DatedFilterSet(django_filters.FilterSet):
    """A FilterSet that knows which day is "today" (`on`, by default the local date)."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None,
                 on: date | None = None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.on = on if on is not None else timezone.localdate()


class BuildingFilter(DatedFilterSet):
    """Buildings by city, chain focus, and the active spaces they have.

    stage, space_kind and free_now are met by one and the same space: "a free workshop for
    making" does not match a building with a free desk and a let workshop.
    """

    SPACE_FILTERS = ("stage", "space_kind", "free_now")

    city = django_filters.ModelChoiceFilter(
        queryset=City.objects.all(), to_field_name="slug", empty_label=_("Any"), label=_("City"),
    )
    chain = django_filters.ModelChoiceFilter(
        queryset=Chain.objects.all(), to_field_name="slug", empty_label=_("Any"), method="filter_chain",
        label=_("Chain"),
    )
    stage = django_filters.ChoiceFilter(
        choices=StageCode.choices, method="filter_spaces", label=_("Stage"),
    )
    space_kind = django_filters.ChoiceFilter(
        choices=SpaceKind.choices, method="filter_spaces", label=_("Kind of space"),
    )
    free_now = YesNoFilter(method="filter_spaces", label=_("Free now"))

    class Meta:
        model = Building
        fields = []

    def filter_chain(self, queryset, name, value: Chain):
        focus = Building.chain_focus.through.objects.filter(building=OuterRef("pk"), chain=value)
        return queryset.filter(Exists(focus))

    def filter_spaces(self, queryset, name, value):
        """The space filters are applied together, in filter_queryset."""
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cleaned = self.form.cleaned_data
        stage, kind, free = cleaned.get("stage"), cleaned.get("space_kind"), cleaned.get("free_now")
        if not stage and not kind and free is None:
            return queryset
        spaces = Space.objects.filter(building=OuterRef("pk"), archived=False)
        if stage:
            spaces = spaces.filter(stages__code=stage)
        if kind:
            spaces = spaces.filter(kind=kind)
        if free is None:
            return queryset.filter(Exists(spaces))
        free_spaces = _free_spaces(spaces, on=self.on)
        if free:
            return queryset.filter(Exists(free_spaces))
        # Not free: every matching space is let (a building without spaces has none free).
        if stage or kind:
            queryset = queryset.filter(Exists(spaces))
        return queryset.exclude(Exists(free_spaces))


class SpaceFilter(DatedFilterSet):
    """Spaces by building, city, kind, stage, facilities, area, rent and whether free now."""

    building = django_filters.ModelChoiceFilter(
        queryset=Building.objects.filter(archived=False), to_field_name="slug",
        empty_label=_("Any"),
        label=_("Building"),
    )
    city = django_filters.ModelChoiceFilter(
        queryset=City.objects.all(), to_field_name="slug", empty_label=_("Any"), field_name="building__city",
        label=_("City"),
    )
    kind = django_filters.ChoiceFilter(choices=SpaceKind.choices, label=_("Kind of space"))
    stage = django_filters.ChoiceFilter(
        choices=StageCode.choices, method="filter_stage", label=_("Stage"),
    )
    facility = django_filters.MultipleChoiceFilter(
        choices=FacilityCode.choices, method="filter_facility", label=_("Facilities"),
        help_text=_("Spaces with all of these facilities."),
    )
    free_now = YesNoFilter(method="filter_free_now", label=_("Free now"))
    min_area = django_filters.NumberFilter(
        field_name="area_m2", lookup_expr="gte", label=_("Area from (m²)"),
        min_value=0, max_value=limits.AREA_M2.high,
    )
    max_area = django_filters.NumberFilter(
        field_name="area_m2", lookup_expr="lte", label=_("Area up to (m²)"),
        min_value=0, max_value=limits.AREA_M2.high,
    )
    max_rent = django_filters.NumberFilter(
        field_name="monthly_rent", lookup_expr="lte", label=_("Monthly rent up to (€)"),
        **limits.MONTHLY_RENT.bounds,
    )

    class Meta:
        model = Space
        fields = []

    def filter_stage(self, queryset, name, value: str):
        served = Space.stages.through.objects.filter(space=OuterRef("pk"), stage__code=value)
        return queryset.filter(Exists(served))

    def filter_facility(self, queryset, name, value: list[str]):
        for code in value:
            has = Space.facilities.through.objects.filter(space=OuterRef("pk"), facility__code=code)
            queryset = queryset.filter(Exists(has))
        return queryset

    def filter_free_now(self, queryset, name, value: bool):
        free = free_on(self.on)
        return queryset.filter(free if value else ~free)


# --- allocation --------------------------------------------------------------------------------

class MyApplicationFilter(DatedFilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)

    class Meta:
        model = Application
        fields = ["status"]


SCREENING_STATES = [("valid", _("Valid")), ("expired", _("Expired")),
                    ("none", _("None"))]


class ApplicantFilter(DatedFilterSet):
    """The programmer's applicants table. Works on `applications_with_screening` rows."""

    # icontains escapes % and _, so a name with them is searched for literally.
    q = django_filters.CharFilter(
        field_name="creative__name", lookup_expr="icontains", label=_("Name"), max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    call = IdFilter(field_name="call_id")
    building = django_filters.CharFilter(field_name="building__slug")
    discipline = django_filters.CharFilter(field_name="creative__discipline__slug")
    stage = django_filters.ChoiceFilter(field_name="stage__code", choices=StageCode.choices)
    screening = django_filters.ChoiceFilter(choices=SCREENING_STATES, method="filter_screening")

    class Meta:
        model = Application
        fields = ["q", "status", "call", "building", "discipline", "stage", "screening"]

    def filter_screening(self, queryset, name, value: str):
        if value == "valid":
            return queryset.filter(screening_valid=True)
        if value == "expired":
            return queryset.filter(screening_valid=False, screening_any=True)
        return queryset.filter(screening_any=False)


class ProgrammerSpaceFilter(DatedFilterSet):
    """The programmer's own spaces by building and whether archived."""

    building = django_filters.CharFilter(field_name="building__slug",
                                         label=_("Building (slug)"), max_length=50)
    archived = YesNoFilter(label=_("Archived"))

    class Meta:
        model = Space
        fields = ["building", "archived"]


class TenancyFilter(DatedFilterSet):
    """Tenancies by creative, building, end reason, and whether they hold their space today."""

    creative = django_filters.NumberFilter(field_name="creative_id", label=_("Creative (id)"))
    building = django_filters.CharFilter(field_name="space__building__slug",
                                         label=_("Building (slug)"), max_length=50)
    end_reason = django_filters.ChoiceFilter(choices=EndReason.choices)
    current = YesNoFilter(method="filter_current",
                          label=_("Current: holds its space today (false: does not)"))

    class Meta:
        model = Tenancy
        fields = ["creative", "building", "end_reason", "current"]

    def filter_current(self, queryset, name, value: bool):
        return queryset.filter(running_on(self.on)) if value else queryset.exclude(
            running_on(self.on))


class PublicCallFilter(DatedFilterSet):
    """Published calls by the city or building they are in."""

    city = django_filters.CharFilter(field_name="building__city__slug", label=_("City (slug)"),
                                     max_length=50)
    building = django_filters.CharFilter(field_name="building__slug",
                                         label=_("Building (slug)"), max_length=50)

    class Meta:
        model = Call
        fields = ["city", "building"]


# --- the throughput dashboards ----------------------------------------------------------------

class ThroughputFilterForm(forms.Form):
    """The dashboards' filters, read from the URL (so a link reproduces the view) by the pages
    and the API alike. Choices are limited to what the reader may see: a bureau's cities, a
    programmer's buildings. `scope()` turns a valid form into a selectors Scope."""

    EARLIEST = date(2000, 1, 1)
    MAX_YEARS = 10

    city = forms.ModelChoiceField(queryset=City.objects.none(), required=False, label=_("City"),
                                  to_field_name="slug", empty_label=_("All my cities"))
    building = forms.ModelChoiceField(queryset=Building.objects.none(), required=False,
                                      label=_("Building"), to_field_name="slug",
                                      empty_label=_("All buildings"))
    chain = forms.ModelChoiceField(queryset=Chain.objects.all(), required=False, label=_("Chain"),
                                   to_field_name="slug", empty_label=_("All chains"))
    discipline = forms.ModelChoiceField(queryset=Discipline.objects.select_related("chain"),
                                        required=False, label=_("Discipline"),
                                        to_field_name="slug", empty_label=_("All disciplines"))
    space_kind = forms.ChoiceField(choices=[("", _("All kinds"))] + SpaceKind.choices,
                                   required=False, label=_("Kind of space"))
    start = forms.DateField(required=False, label=_("From"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(required=False, label=_("Up to"),
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, data=None, *, cities: QuerySet[City], buildings: QuerySet[Building],
                 today: date, choose_city: bool = True):
        super().__init__(data)
        self.today = today
        self.fields["city"].queryset = cities
        self.fields["building"].queryset = buildings.order_by("name")
        if not choose_city:
            del self.fields["city"]
        default_start, _end = default_period(today)
        self.fields["start"].widget.attrs.update(min=self.EARLIEST.isoformat(),
                                                 max=today.isoformat())
        self.fields["end"].widget.attrs.update(min=self.EARLIEST.isoformat(),
                                               max=today.isoformat())
        self.fields["start"].help_text = _("Empty: %(date)s") % {"date": long_date(default_start)}

    def clean_start(self):
        start = self.cleaned_data.get("start")
        if start and not self.EARLIEST <= start <= self.today:
            raise forms.ValidationError(_("Choose a date from %(first)s up to today.")
                                        % {"first": long_date(self.EARLIEST)})
        return start

    def clean_end(self):
        end = self.cleaned_data.get("end")
        if end and not self.EARLIEST <= end <= self.today:
            raise forms.ValidationError(_("Choose a date from %(first)s up to today.")
                                        % {"first": long_date(self.EARLIEST)})
        return end

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or default_period(end)[0]
        if "start" in data and "end" in data and start > end:
            self.add_error("end", _("The period cannot end before it starts."))
        elif end.year - start.year > self.MAX_YEARS:
            self.add_error("start", _("Choose a period of at most %(n)s years.")
                           % {"n": self.MAX_YEARS})
        data["start"], data["end"] = start, end
        building, city = data.get("building"), data.get("city")
        if building and city and building.city_id != city.pk:
            self.add_error("building", _("This building is not in the chosen city."))
        chain, discipline = data.get("chain"), data.get("discipline")
        if chain and discipline and discipline.chain_id != chain.pk:
            self.add_error("discipline", _("This discipline belongs to another chain."))
        return data

    def scope(self, base: Scope) -> Scope:
        """The reader's scope narrowed by the filters; while they are invalid (the errors show
        beside the fields) the reader's default view."""
        if self.is_valid():
            data = self.cleaned_data
        else:
            start, end = default_period(self.today)
            data = {"start": start, "end": end}
        scope = replace(base, start=data["start"], end=data["end"],
                        space_kind=data.get("space_kind") or "")
        if data.get("city"):
            scope = replace(scope, city_ids=(data["city"].pk,))
        if data.get("building"):
            scope = replace(scope, building_ids=(data["building"].pk,))
        if data.get("chain"):
            scope = replace(scope, chain_id=data["chain"].pk)
        if data.get("discipline"):
            scope = replace(scope, discipline_id=data["discipline"].pk,
                            discipline_chain_id=data["discipline"].chain_id)
        return scope
