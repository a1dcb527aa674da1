"""Programmers' forms for allocation rounds, committee scoring and fit weights. They parse
and check types only; `services.matching` holds the rules (dates, one city, ranges...)."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models import (
    COMMITTEE_MAX,
    FIT_COMPONENTS,
    AllocationMethod,
    CommitteeCriterion,
    FitWeights,
)
from broedplaats.views.forms.programmer import DateInput

# How each allocation method decides, in one plain sentence (the form's help and the public
# call page say the same).
METHOD_EXPLAINED = {
    AllocationMethod.LOTTERY: _(
        "Every eligible applicant gets one random number; in that order each gets the free "
        "space that fits them best."),
    AllocationMethod.RANKING: _(
        "Applicants are ranked by their best fit score, highest first; the lottery breaks "
        "ties."),
    AllocationMethod.COMMITTEE: _(
        "Committee members score every eligible applicant on the call's criteria; the mean "
        "ranks, the lottery breaks ties."),
    AllocationMethod.STABLE_MATCHING: _(
        "Applicants rank the spaces they want and each space prefers the best fit, so that "
        "no applicant and space would both rather have each other."),
    AllocationMethod.OPTIMAL: _(
        "The spaces are divided so that the fit of all applicants together is as high as "
        "possible."),
}

# The parts of a fit score as a reader sees them (the keys of a round entry's breakdown).
FIT_LABELS = {
    "stage": _("Stage"),
    "chain": _("Chain"),
    "completeness": _("Missing link"),
    "area": _("Area"),
    "rent": _("Rent"),
    "facilities": _("Facilities"),
    "wait": _("Waiting time"),
    "bonus": _("Pathway bonus"),
}


def fit_explained(name: str) -> str:
    """What one part of the fit score means, in one line (the weight's help text)."""
    return FitWeights._meta.get_field(name).help_text


def first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


class CallsField(forms.TypedMultipleChoiceField):
    """Published calls as checkboxes grouped by building; cleans to the chosen calls. The
    calls are read once, when the form is made."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, calls, **kwargs):
        self.calls = {call.pk: call for call in calls}
        groups: dict[str, list] = {}
        for call in calls:
            groups.setdefault(call.building.name, []).append((call.pk, call.title))
        super().__init__(coerce=int, choices=list(groups.items()), **kwargs)

    def clean(self, value):
        return [self.calls[pk] for pk in super().clean(value)]


def method_choices() -> list:
    return [(value, format_html('{} <small class="help">{}</small>', label,
                                METHOD_EXPLAINED[value]))
            for value, label in AllocationMethod.choices]


class RoundForm(forms.Form):
    """Run a round: over one call (the view gives it), or over `calls` for a city-wide round."""

    method = forms.ChoiceField(label=_("Method"), widget=forms.RadioSelect)
    start = forms.DateField(label=_("Tenancies start"), widget=DateInput)
    reply_by = forms.DateField(label=_("Reply by"), widget=DateInput,
                               help_text=_("The offers' reply deadline, at the latest the "
                                           "start."))
    seed = forms.IntegerField(
        label=_("Lottery seed"), required=False, **limits.LOTTERY_SEED.bounds,
        help_text=_("Leave empty to draw a new one. Give the seed of an earlier round to "
                    "re-run its draw and check it."))

    def __init__(self, *args, today: date, calls=None, method: str | None = None, **kwargs):
        start = first_of_next_month(today)
        kwargs.setdefault("initial", {
            "method": method or AllocationMethod.LOTTERY, "start": start,
            "reply_by": min(today + timedelta(days=14), start)})
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = method_choices()
        if calls is not None:
            self.fields["calls"] = CallsField(
                label=_("Open calls"), calls=calls,
                help_text=_("Published calls of one city; an applicant of several takes part "
                            "once."))
            self.order_fields(["calls"])


class RoundAdjustForm(forms.Form):
    """Give one applicant of a proposal another space, or none. `spaces` are the round's
    open spaces the applicant applied to."""

    space = forms.TypedChoiceField(label=_("Space"), coerce=int, empty_value=None,
                                   required=False)

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.spaces = {space.pk: space for space in spaces}
        self.fields["space"].choices = [("", _("none"))] + [
            (space.pk, space.code) for space in spaces]

    def clean_space(self):
        pk = self.cleaned_data.get("space")
        return self.spaces[pk] if pk is not None else None


class CriteriaForm(forms.Form):
    criteria = forms.CharField(
        label=_("Criteria"), widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_("One a line, in the order the committee scores them; each member gives "
                    "every eligible applicant 0 to 10 on each."))

    def clean_criteria(self) -> list[str]:
        return [line for line in self.cleaned_data["criteria"].splitlines() if line.strip()]


def score_name(application_id: int, criterion_id: int) -> str:
    return f"score-{application_id}-{criterion_id}"


class CommitteeScoresForm(forms.Form):
    """The logged-in member's scores: a 0–10 number per applicant and criterion. An empty
    cell is not scored; a score given earlier cannot be emptied, only changed."""

    def __init__(self, *args, applications, criteria: list[CommitteeCriterion], own: dict,
                 **kwargs):
        self.own = own  # (application id, criterion id) -> the member's earlier score
        self.cells = {}
        initial = {}
        super().__init__(*args, **kwargs)
        for application in applications:
            for criterion in criteria:
                name = score_name(application.pk, criterion.pk)
                self.fields[name] = forms.IntegerField(
                    label=_("%(criterion)s for %(name)s") % {
                        "criterion": criterion.name, "name": application.creative.name},
                    required=False, min_value=0, max_value=COMMITTEE_MAX,
                    widget=forms.NumberInput(attrs={"min": 0, "max": COMMITTEE_MAX,
                                                    "step": 1, "class": "score"}))
                self.fields[name].criterion_name = criterion.name  # the cell's column
                self.cells[name] = (application, criterion)
                if (application.pk, criterion.pk) in own:
                    initial[name] = own[application.pk, criterion.pk]
        self.initial = {**initial, **self.initial}

    def clean(self):
        data = super().clean()
        for name, (application, criterion) in self.cells.items():
            if name in data and data[name] is None and (application.pk, criterion.pk) in self.own:
                self.add_error(name, ValidationError(
                    _("Your earlier score stays: give a number from 0 to %(max)s."),
                    params={"max": COMMITTEE_MAX}))
        return data

    def changed_cells(self) -> list[tuple[str, object, CommitteeCriterion, int]]:
        """(field name, application, criterion, score) of every cell given a new value."""
        changed = []
        for name, (application, criterion) in self.cells.items():
            value = self.cleaned_data.get(name)
            if value is not None and self.own.get((application.pk, criterion.pk)) != value:
                changed.append((name, application, criterion, value))
        return changed


class WeightsForm(forms.Form):
    """A building's own fit weights: seven relative points and the days to full waiting
    points. `fallback` are the weights it uses without its own (the city's or the defaults),
    shown beside each field."""

    def __init__(self, *args, fallback, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FIT_COMPONENTS:
            self.fields[name] = forms.IntegerField(
                label=FIT_LABELS[name], **limits.FIT_POINTS.bounds,
                help_text=format_html("{} {}", fit_explained(name),
                                      _("City default: %(points)s.")
                                      % {"points": getattr(fallback, name)}),
                widget=forms.NumberInput(attrs={"step": 1}))
        self.fields["wait_full_days"] = forms.IntegerField(
            label=capfirst(FitWeights._meta.get_field("wait_full_days").verbose_name),
            **limits.WAIT_FULL_DAYS.bounds,
            help_text=_("City default: %(points)s.") % {"points": fallback.wait_full_days},
            widget=forms.NumberInput(attrs={"step": 1}))
