"""Programmers' forms for spaces, their photos and open calls. They parse and check types
only; broedplaats.services holds the rules (rent cap, spaces of the call's building...)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models import AllocationMethod, Call, Facility, Space, SpaceKind, SpacePhoto
from broedplaats.views.forms.programmer import DateInput, RowsChoiceField
from chains.formatting import money
from chains.forms import TextareaField
from chains.models import Chain, Discipline, Stage


class SpaceForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=Space._meta.get_field("code").max_length,
                           help_text=_("How the building names the space, e.g. A.1.04."))
    kind = forms.ChoiceField(label=_("Kind"), choices=SpaceKind.choices)
    area_m2 = forms.DecimalField(label=_("Area (m²)"), **limits.AREA_M2.bounds, max_digits=7,
                                 decimal_places=2)
    monthly_rent = forms.DecimalField(label=_("Monthly rent (€)"), **limits.MONTHLY_RENT.bounds,
                                      max_digits=9, decimal_places=2)
    rent_exception_reason = TextareaField(
        label=_("Rent cap exception"), required=False, max_length=limits.EXCEPTION_REASON,
        rows=2, help_text=_("Only when the rent is above the city's cap: why it may be."))
    description = TextareaField(label=_("Description"), required=False,
                                max_length=limits.SPACE_DESCRIPTION)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilities"] = RowsChoiceField(
            label=_("Facilities"), rows=Facility.objects.order_by("code"))
        self.fields["stages"] = RowsChoiceField(
            label=_("Stages served"), rows=Stage.objects.order_by("order"))

    @classmethod
    def initial_of(cls, space: Space) -> dict:
        """The form's initial values from a stored space (for editing)."""
        initial = {name: getattr(space, name) for name in (
            "code", "kind", "area_m2", "monthly_rent", "rent_exception_reason", "description")}
        initial["facilities"] = [facility.pk for facility in space.facilities.all()]
        initial["stages"] = [stage.pk for stage in space.stages.all()]
        return initial


class SpacePhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"), help_text=_("JPEG, PNG or WebP, at most 15 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    caption = forms.CharField(label=_("Caption"), required=False,
                              max_length=SpacePhoto._meta.get_field("caption").max_length)


class CallForm(forms.Form):
    """An open call of one of the programmer's buildings; `spaces` are that user's spaces."""

    title = forms.CharField(label=_("Title"), max_length=Call._meta.get_field("title").max_length)
    text = TextareaField(label=_("Text"), required=False, max_length=limits.CALL_TEXT, rows=6)
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput)
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput)
    allocation_method = forms.ChoiceField(
        label=_("Allocation method"), choices=AllocationMethod.choices,
        help_text=_("How the spaces are allocated; you can always decide by hand."))

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spaces"] = RowsChoiceField(
            label=_("Spaces offered"), rows=spaces,
            label_of=lambda space: f"{space.code} ({space.get_kind_display()}, "
                                  f"{space.area_m2:.0f} m², {money(space.monthly_rent)})")
        self.fields["chains"] = RowsChoiceField(label=_("Chains"),
                                                rows=Chain.objects.order_by("name"))
        self.fields["disciplines"] = RowsChoiceField(
            label=_("Disciplines"),
            rows=Discipline.objects.select_related("chain").order_by("chain__name", "name"),
            label_of=lambda discipline: f"{discipline.display_name} "
                                        f"({discipline.chain.display_name})")
        self.fields["stages"] = RowsChoiceField(label=_("Stages"),
                                                rows=Stage.objects.order_by("order"))
        self.fields["facilities"] = RowsChoiceField(label=_("Facilities"),
                                                    rows=Facility.objects.order_by("code"))

    @classmethod
    def initial_of(cls, call) -> dict:
        initial = {name: getattr(call, name) for name in (
            "title", "text", "opens_on", "closes_on", "allocation_method")}
        for name in ("spaces", "chains", "disciplines", "stages", "facilities"):
            initial[name] = [row.pk for row in getattr(call, name).all()]
        return initial
