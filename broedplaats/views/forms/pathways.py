"""Forms of the pathway pages: the pathway itself, and its steps as an ordered formset of
(building, stage) rows. They parse and check types only: `services.pathway_save` holds the
rules (active buildings of one city, stages never going back, two steps at least).

The choices are read once by the view and shared by every row of the formset, so a form of
twelve rows renders without a query per row.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models import Pathway, PathwayPriority


class RowChoiceField(forms.TypedChoiceField):
    """One row of a list read beforehand, by id; cleans to the row (None when left empty)."""

    def __init__(self, *, rows, label_of=str, **kwargs):
        self.rows = {row.pk: row for row in rows}
        kwargs.setdefault("required", False)
        super().__init__(coerce=int, empty_value=None,
                         choices=[("", "---------")] + [(pk, label_of(row))
                                                        for pk, row in self.rows.items()],
                         **kwargs)

    def clean(self, value):
        pk = super().clean(value)
        return None if pk is None else self.rows[pk]


class PathwayForm(forms.Form):
    """The pathway's own fields; `cities` and `chains` are the rows the user may choose."""

    name = forms.CharField(label=_("Name"), max_length=Pathway._meta.get_field("name").max_length)
    priority = forms.ChoiceField(label=_("Priority"), choices=PathwayPriority.choices,
                                 initial=PathwayPriority.BONUS)
    bonus_points = forms.IntegerField(
        label=_("Bonus points"), **limits.PATHWAY_BONUS_POINTS.bounds, initial=15,
        help_text=_("Added to the fit score (0–50); only for the bonus priority."))
    priority_months = forms.IntegerField(
        label=_("Priority lasts (months)"), **limits.PATHWAY_PRIORITY_MONTHS.bounds, initial=12,
        help_text=_("After leaving the previous step (1–60)."))

    def __init__(self, *args, cities, chains, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "city": RowChoiceField(label=_("City"), rows=cities, required=True),
            "chain": RowChoiceField(label=_("Chain"), rows=chains, required=True,
                                    label_of=lambda chain: chain.display_name),
            **self.fields,
        }

    @classmethod
    def initial_of(cls, pathway: Pathway) -> dict:
        return {"city": pathway.city_id, "chain": pathway.chain_id, "name": pathway.name,
                "priority": pathway.priority, "bonus_points": pathway.bonus_points,
                "priority_months": pathway.priority_months}


class StepForm(forms.Form):
    """One step: a building and the stage it serves along the chain. A row left empty is no
    step; a row with only one of the two is an error on the missing one."""

    def __init__(self, *args, buildings, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"] = RowChoiceField(
            label=_("Building"), rows=buildings,
            label_of=lambda building: f"{building.name} ({building.city.name})")
        self.fields["stage"] = RowChoiceField(label=_("Stage"), rows=stages)

    def clean(self):
        data = super().clean()
        building, stage = data.get("building"), data.get("stage")
        if building is not None and stage is None and "stage" not in self.errors:
            self.add_error("stage", _("Choose the stage of this step."))
        if stage is not None and building is None and "building" not in self.errors:
            self.add_error("building", _("Choose the building of this step."))
        return data


MAX_STEPS = 12


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[tuple]:
        """The filled rows in order, as (building, stage)."""
        return [(form.cleaned_data["building"], form.cleaned_data["stage"])
                for form in self.forms
                if form.cleaned_data.get("building") and form.cleaned_data.get("stage")]


def step_formset(*, extra: int):
    """A formset class of steps with `extra` empty rows (at most MAX_STEPS rows in all)."""
    return forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=extra,
                                 max_num=MAX_STEPS, validate_max=True, absolute_max=MAX_STEPS)
