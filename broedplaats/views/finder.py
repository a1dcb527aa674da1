"""The finder: a creative (or anyone) gives a discipline, a stage and wishes, and sees the
buildings ranked by fit, with the reasons in words. Public, no login.

`FinderForm` parses the query string for the page and for the API (`api/finder.py`), so both
refuse the same input with the same messages beside the same fields. The ranking is
`selectors.finder.finder_page`.
"""

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models import City, Facility
from broedplaats.selectors.finder import FinderWish, finder_page
from chains.forms import DisciplineChoiceField
from chains.selectors import discipline_list, stage_list


class FinderForm(forms.Form):
    """The finder's question, from the URL. Discipline and stage are required; areas and rent
    are amounts of at least 0, and the area range must not run backwards."""

    discipline = DisciplineChoiceField(label=_("Discipline"), queryset=discipline_list(),
                                       to_field_name="slug", empty_label=_("Choose…"))
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=stage_list(),
                                   to_field_name="code", empty_label=_("Choose…"))
    min_area = forms.DecimalField(label=_("Area from (m²)"), required=False, min_value=0,
                                  max_value=limits.AREA_M2.high, max_digits=7, decimal_places=2)
    max_area = forms.DecimalField(label=_("Area up to (m²)"), required=False, min_value=0,
                                  max_value=limits.AREA_M2.high, max_digits=7, decimal_places=2)
    max_rent = forms.DecimalField(label=_("Monthly rent up to (€)"), required=False,
                                  min_value=0, max_value=limits.MONTHLY_RENT.high,
                                  max_digits=9, decimal_places=2,
                                  error_messages={"min_value": _("A rent cannot be negative.")})
    facilities = forms.ModelMultipleChoiceField(
        label=_("Facilities"), queryset=Facility.objects.order_by("code"), required=False,
        to_field_name="code", widget=forms.CheckboxSelectMultiple)
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.order_by("name"),
                                  required=False, to_field_name="slug",
                                  empty_label=_("All cities"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("min_area", "max_area"):
            self.fields[name].error_messages["min_value"] = _("An area cannot be negative.")
        for name in ("min_area", "max_area", "max_rent"):
            # No `min` or `max` for the browser: htmx would not send a form the browser finds
            # invalid, leaving the old results beside a bad value; the server's error says why.
            self.fields[name].widget.attrs.pop("min", None)
            self.fields[name].widget.attrs.pop("max", None)
            self.fields[name].widget.attrs.update(step="any", inputmode="decimal")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_area"), data.get("max_area")
        if low is not None and high is not None and low > high:
            self.add_error("max_area", _("The area up to cannot be less than the area from."))
        return data

    def wish(self) -> FinderWish:
        data = self.cleaned_data
        return FinderWish(discipline=data["discipline"], stage=data["stage"],
                          min_area=data.get("min_area"), max_area=data.get("max_area"),
                          max_rent=data.get("max_rent"),
                          facilities=tuple(data.get("facilities") or ()), city=data.get("city"))


def finder(request):
    """The form, and (once it is filled in validly) the ranked buildings; an htmx request gets
    the results block and the fields' errors (out of band) only."""
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    form = FinderForm(query or None)
    result = None
    if form.is_bound and form.is_valid():
        result = finder_page(wish=form.wish(), on=today, page=request.GET.get("page"))
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    context = {"form": form, "result": result, "page": result.page if result else None,
               "query": query.urlencode(), "today": today, "partial": bool(partial)}
    template = "broedplaats/_finder_results.html" if partial else "broedplaats/finder.html"
    return render(request, template, context)
