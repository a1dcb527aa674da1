"""Forms of the creatives' allocation pages: they parse; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from broedplaats.models import Facility
from chains.models import Stage


class ApplicationForm(forms.Form):
    """Wishes and motivation of an application to a call or onto a candidate list."""

    min_area_m2 = forms.DecimalField(label=_("Area from (m²)"), required=False, min_value=0,
                                     max_digits=7, decimal_places=2)
    max_area_m2 = forms.DecimalField(label=_("Area up to (m²)"), required=False, min_value=0,
                                     max_digits=7, decimal_places=2)
    max_rent = forms.DecimalField(label=_("Monthly rent up to (€)"), required=False,
                                  min_value=0, max_digits=9, decimal_places=2)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.all(),
                                   required=False)
    facilities = forms.ModelMultipleChoiceField(
        label=_("Facilities"), queryset=Facility.objects.order_by("code"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    motivation = forms.CharField(label=_("Motivation"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}))

    def clean(self):
        data = super().clean()
        low, high = data.get("min_area_m2"), data.get("max_area_m2")
        if low is not None and high is not None and high < low:
            self.add_error("max_area_m2", _("The largest area cannot be below the smallest."))
        return data
