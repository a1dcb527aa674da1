"""Forms of the pages. They parse and check types only; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from broedplaats import limits
from broedplaats.models import (
    APPLICATION_TRANSITIONS,
    ApplicationStatus,
    EndReason,
    SocialReturnKind,
)
from chains import limits as chain_limits
from chains.forms import TextareaField
from chains.models import Stage

# The moves a programmer makes by hand on the applicant page; offers and screening have their
# own forms, and the creative's moves (submit, withdraw, accept, decline) are not theirs.
PROGRAMMER_TRANSITIONS = (
    ApplicationStatus.SCREENING,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.INELIGIBLE,
    ApplicationStatus.SHORTLISTED,
)


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always ISO (yyyy-mm-dd), whatever the language;
    a localised value (24-11-2026 in Dutch) would leave the picker empty."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 (Django's argument name)
        super().__init__(attrs, format=format or "%Y-%m-%d")


class RowsChoiceField(forms.TypedMultipleChoiceField):
    """A multiple choice of rows by id, checkboxes by default; cleans to the chosen rows.

    The rows are read once, when the form is made, so rendering the form again (after a
    refusal) does not query again.
    """

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, rows, label_of=str, **kwargs):
        self.rows = {row.pk: row for row in rows}
        kwargs.setdefault("required", False)
        super().__init__(coerce=int, choices=[(pk, label_of(row))
                                              for pk, row in self.rows.items()], **kwargs)

    def clean(self, value):
        return [self.rows[pk] for pk in super().clean(value)]


class ProgrammerNoteForm(forms.Form):
    text = TextareaField(label=_("Private note"), max_length=limits.PRIVATE_NOTE, rows=3)


class ProgrammerScreeningForm(forms.Form):
    professional_practice = forms.BooleanField(
        label=_("Professional practice and output in the last year"), required=False)
    income_within_limit = forms.BooleanField(
        label=_("Taxable income at most the policy limit"), required=False)
    reasons = TextareaField(label=_("Reasons"), required=False,
                            max_length=limits.SCREENING_REASONS, rows=3)


def programmer_transitions(current: str) -> list[ApplicationStatus]:
    """The statuses a programmer may move an application to from `current` (never itself)."""
    if current == ApplicationStatus.OFFERED:
        return []  # an offered applicant moves by the offer: accepted, declined, withdrawn
    allowed = APPLICATION_TRANSITIONS.get(current, frozenset())
    return [status for status in PROGRAMMER_TRANSITIONS if status in allowed and status != current]


class ProgrammerTransitionForm(forms.Form):
    """A status move. With `current`, only the moves the workflow allows from it are listed;
    any programmer move is still accepted, so a page gone stale (another moved the applicant
    meanwhile) gets the service's message naming both statuses."""

    to = forms.ChoiceField(
        label=_("New status"),
        choices=[(status.value, status.label) for status in PROGRAMMER_TRANSITIONS])
    note = forms.CharField(label=_("Note"), required=False, max_length=limits.STATUS_NOTE)

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current is not None:
            self.fields["to"].widget.choices = [
                (status.value, status.label) for status in programmer_transitions(current)]


class _SpaceSelect(forms.Select):
    """A select whose options for spaces that already have an open offer are disabled."""

    def __init__(self, *args, disabled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled = {str(pk) for pk in disabled}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class ProgrammerOfferForm(forms.Form):
    """Offer a space. With `fits` ({space id: fit}) the spaces are listed best fit first with
    their fit; `open_offers` (space ids) are shown but cannot be chosen."""

    space = forms.ModelChoiceField(label=_("Space"), queryset=None)
    start = forms.DateField(label=_("Tenancy starts"), widget=DateInput)
    reply_by = forms.DateField(label=_("Reply by"), widget=DateInput)

    def __init__(self, *args, spaces, fits=None, open_offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["space"]
        field.queryset = spaces.exclude(pk__in=list(open_offers)) if open_offers else spaces
        if fits is None:
            return
        listed = sorted(spaces, key=lambda space: (-fits.get(space.pk, 0), space.code))
        choices = [("", "---------")]
        for space in listed:
            label = _("%(space)s · fit %(fit)s") % {"space": space,
                                                    "fit": f"{fits.get(space.pk, 0):.0f}"}
            if space.pk in open_offers:
                label = _("%(label)s · has an open offer") % {"label": label}
            choices.append((space.pk, label))
        field.widget = _SpaceSelect(choices=choices, disabled=open_offers)


class ProgrammerTenancyEndForm(forms.Form):
    """End a tenancy. `stages` is read once by the view: a timeline shows one form per running
    tenancy, and a ModelChoiceField would query the stages for each of them."""

    on = forms.DateField(label=_("End date"), widget=DateInput,
                         help_text=_("The space is free again from this day."))
    reason = forms.ChoiceField(label=_("End reason"), choices=EndReason.choices)
    to_stage = forms.TypedChoiceField(label=_("Next stage"), required=False, coerce=int,
                                      empty_value=None,
                                      help_text=_("Only for “next stage”."))
    note = forms.CharField(label=_("Note"), required=False,
                           max_length=chain_limits.STAGE_MOVE_NOTE)

    def __init__(self, *args, stages: list[Stage], **kwargs):
        super().__init__(*args, **kwargs)
        self.stages = {stage.pk: stage for stage in stages}
        self.fields["to_stage"].choices = [("", "---------")] + [
            (stage.pk, str(stage)) for stage in stages]

    def clean_to_stage(self) -> Stage | None:
        pk = self.cleaned_data.get("to_stage")
        return self.stages.get(pk) if pk is not None else None


class ProgrammerTenancyRenewForm(forms.Form):
    """Renew a tenancy: a later planned end, or empty for one standard term of the policy."""

    planned_end = forms.DateField(
        label=_("New planned end"), widget=DateInput, required=False,
        help_text=_("Empty: one standard term from the current planned end."))
    exception_reason = TextareaField(
        label=_("Exception reason"), required=False, max_length=limits.EXCEPTION_REASON, rows=2,
        help_text=_("Only beyond the policy's renewals or term."))


MARKET = "market"


class ProgrammerStageMoveForm(forms.Form):
    """A tenant's move to a stage or out to the market. `stages` as in the end form."""

    moved_on = forms.DateField(label=_("Date"), widget=DateInput)
    to = forms.ChoiceField(label=_("Moves to"))
    note = forms.CharField(label=_("Note"), required=False,
                           max_length=chain_limits.STAGE_MOVE_NOTE)

    def __init__(self, *args, stages: list[Stage], **kwargs):
        super().__init__(*args, **kwargs)
        self.stages = {str(stage.pk): stage for stage in stages}
        self.fields["to"].choices = [(pk, str(stage)) for pk, stage in self.stages.items()] + [
            (MARKET, _("Out to the market"))]

    def clean(self):
        data = super().clean()
        to = data.pop("to", None)
        if to is not None:
            data["to_stage"] = self.stages.get(to)
            data["to_market"] = to == MARKET
        return data


class ProgrammerSocialReturnForm(forms.Form):
    kind = forms.ChoiceField(label=_("Activity"), choices=SocialReturnKind.choices)
    on = forms.DateField(label=_("Date"), widget=DateInput)
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=2,
                               **limits.SOCIAL_RETURN_HOURS.bounds)
    description = TextareaField(label=_("Description"), required=False,
                                max_length=limits.SOCIAL_RETURN_DESCRIPTION, rows=2)
