"""Forms of the creatives' allocation pages: they parse; the services hold the rules."""

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models import Facility
from broedplaats.views.forms.programmer import RowsChoiceField
from chains.forms import TextareaField
from chains.models import Stage


class PortfolioPicker(forms.CheckboxSelectMultiple):
    """Checkboxes for portfolio images, each shown with its thumbnail beside the caption."""

    def __init__(self, *args, thumbnails: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.thumbnails = thumbnails

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        url = self.thumbnails.get(int(value)) if str(value).isdigit() else None
        if url:
            option["label"] = format_html('<img src="{}" alt="" class="pick-thumb"> {}', url,
                                          label)
        return option


class ApplicationForm(forms.Form):
    """Wishes, motivation and portfolio selection of an application to a call or onto a
    candidate list. `images` are the applicant's own portfolio images to choose from."""

    min_area_m2 = forms.DecimalField(label=_("Area from (m²)"), required=False,
                                     **limits.WISHED_MIN_AREA_M2.bounds,
                                     max_digits=7, decimal_places=2)
    max_area_m2 = forms.DecimalField(label=_("Area up to (m²)"), required=False,
                                     **limits.AREA_M2.bounds, max_digits=7, decimal_places=2)
    max_rent = forms.DecimalField(label=_("Monthly rent up to (€)"), required=False,
                                  **limits.MONTHLY_RENT.bounds, max_digits=9, decimal_places=2)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.all(),
                                   required=False)
    facilities = forms.ModelMultipleChoiceField(
        label=_("Facilities"), queryset=Facility.objects.order_by("code"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    motivation = TextareaField(label=_("Motivation"), required=False,
                               max_length=limits.MOTIVATION, rows=6)

    def __init__(self, *args, images=(), **kwargs):
        super().__init__(*args, **kwargs)
        images = list(images)
        labels = {image.pk: image.caption or _("Image %(n)d") % {"n": n}
                  for n, image in enumerate(images, start=1)}
        self.fields["portfolio_images"] = RowsChoiceField(
            label=_("Portfolio images to show"), rows=images,
            label_of=lambda image: labels[image.pk],
            widget=PortfolioPicker(thumbnails={image.pk: image.thumb_400.url
                                               for image in images}),
            help_text=_("The programmers reviewing your application see these first. "
                        "Without a choice they see your whole portfolio."),
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("min_area_m2"), data.get("max_area_m2")
        if low is not None and high is not None and high < low:
            self.add_error("max_area_m2", _("The largest area cannot be below the smallest."))
        return data
