"""Serializers of allocation: applications, calls, screenings, offers and tenancies.

Input serializers check types and that referenced rows exist within the user's reach (their
querysets come from the scoping selectors); every rule is the service's. Output serializers
only render what the selectors selected and prefetched. Which day is "today" comes in the
context as `on`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

from broedplaats import limits
from broedplaats.api.serializers.fields import StrictCharField
from broedplaats.models import (
    AllocationMethod,
    ApplicantNote,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Building,
    Call,
    EndReason,
    Facility,
    Offer,
    OfferStatus,
    Screening,
    SocialReturn,
    SocialReturnKind,
    Space,
    Tenancy,
)
from broedplaats.selectors import buildings_for_programmer, spaces_for_programmer
from chains import limits as chain_limits
from chains.api.serializers import PortfolioImageOutput, StageCodeField
from chains.models import Chain, Discipline, PortfolioImage, Stage, StageMove

# --- output ------------------------------------------------------------------------------------


# Statuses go out as plain strings: drf-spectacular warns when one choice set gets several
# names (status, from_status, to_status) and that warning fails `check --deploy` (see
# chains.api.serializers); the values are documented in help_text instead.
def status_field(choices, **kwargs) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text=", ".join(choices.values), **kwargs)


class EventOutput(serializers.ModelSerializer):
    from_status = status_field(ApplicationStatus)
    to_status = status_field(ApplicationStatus)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ApplicationEvent
        fields = ["from_status", "to_status", "note", "by", "at"]


class NoteOutput(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                          allow_null=True)

    class Meta:
        model = ApplicantNote
        fields = ["id", "text", "author", "created_at"]


class CreativeSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    discipline = serializers.CharField(source="discipline.slug")


class ApplicationOutput(serializers.ModelSerializer):
    """An application with its status history, as its creative sees it."""

    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    call_title = serializers.CharField(source="call.title", default=None, read_only=True,
                                       allow_null=True)
    stage = StageCodeField(allow_null=True)
    facilities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    events = EventOutput(many=True, read_only=True)
    status = status_field(ApplicationStatus)
    portfolio_images = PortfolioImageOutput(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "status", "building", "call", "call_title", "stage", "min_area_m2",
                  "max_area_m2", "max_rent", "facilities", "motivation", "portfolio_images",
                  "submitted_at", "created_at", "events"]


class ProgrammerApplicationOutput(ApplicationOutput):
    """An applicant as a programmer reviews them: who, and their screening state today."""

    creative = CreativeSummaryOutput(read_only=True)
    screening = serializers.SerializerMethodField(
        help_text=_("valid, expired or none: the applicant's screening for the building's "
                    "city today."))

    class Meta(ApplicationOutput.Meta):
        fields = ["id", "creative", "screening", *ApplicationOutput.Meta.fields[1:]]

    def get_screening(self, application) -> str:
        if application.screening_valid:
            return "valid"
        return "expired" if application.screening_any else "none"


class ProgrammerApplicationDetailOutput(ProgrammerApplicationOutput):
    notes = NoteOutput(many=True, read_only=True)

    class Meta(ProgrammerApplicationOutput.Meta):
        fields = [*ProgrammerApplicationOutput.Meta.fields, "notes"]


class OfferOutput(serializers.ModelSerializer):
    """An offer; `effective_status` shows an open offer past its deadline as expired."""

    space = serializers.CharField(source="space.code", read_only=True)
    space_id = serializers.IntegerField(read_only=True)
    building = serializers.CharField(source="space.building.slug", read_only=True)
    creative = serializers.CharField(source="application.creative.name", read_only=True)
    status = status_field(OfferStatus)
    effective_status = serializers.SerializerMethodField(
        help_text=_("The status today: an open offer past its reply deadline is expired."))

    class Meta:
        model = Offer
        fields = ["id", "application", "space_id", "space", "building", "creative", "status",
                  "effective_status", "start", "offered_on", "reply_by", "tenancy"]

    def get_effective_status(self, offer) -> str:
        if offer.status == OfferStatus.OPEN and offer.reply_by < self.context["on"]:
            return OfferStatus.EXPIRED
        return offer.status


class CallOutput(serializers.ModelSerializer):
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    chains = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    disciplines = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    stages = StageCodeField(many=True)
    facilities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "building", "title", "text", "spaces", "chains", "disciplines", "stages",
                  "facilities", "opens_on", "closes_on", "allocation_method", "published_at",
                  "is_open"]

    def get_is_open(self, call) -> bool:
        return call.is_open(self.context["on"])


class CallSpaceOutput(serializers.ModelSerializer):
    """A space a call offers, as an applicant chooses among them."""

    class Meta:
        model = Space
        fields = ["id", "code", "kind", "area_m2", "monthly_rent"]


class PublicCallOutput(CallOutput):
    """A published call as creatives see it: where, what it asks and which spaces it offers."""

    url = serializers.HyperlinkedIdentityField(view_name="api:call-detail")
    city = serializers.SlugRelatedField(source="building.city", slug_field="slug",
                                        read_only=True)
    spaces = CallSpaceOutput(many=True, read_only=True)

    class Meta(CallOutput.Meta):
        fields = ["id", "url", "building", "city", "title", "text", "spaces", "chains",
                  "disciplines", "stages", "facilities", "opens_on", "closes_on",
                  "allocation_method", "is_open"]


class ScreeningOutput(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Screening
        fields = ["id", "creative", "city", "professional_practice", "income_within_limit",
                  "eligible", "reasons", "decided_on", "valid_until"]


class TenancyOutput(serializers.ModelSerializer):
    space_id = serializers.IntegerField(read_only=True)
    space = serializers.CharField(source="space.code", read_only=True)
    creative_id = serializers.IntegerField(read_only=True)
    building = serializers.CharField(source="space.building.slug", read_only=True)
    creative = serializers.CharField(source="creative.name", read_only=True)

    class Meta:
        model = Tenancy
        fields = ["id", "space_id", "space", "building", "creative_id", "creative", "start",
                  "planned_end", "actual_end", "end_reason", "monthly_rent", "renewals",
                  "term_exception_reason"]


class SocialReturnOutput(serializers.ModelSerializer):
    class Meta:
        model = SocialReturn
        fields = ["id", "tenancy", "kind", "on", "hours", "description"]


# --- input -------------------------------------------------------------------------------------


class ScopedInput(serializers.Serializer):
    """An input whose related fields are limited to what the requesting user may choose."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class ApplicationCreateInput(ScopedInput):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all(), required=False,
                                              allow_null=True)
    building = serializers.SlugRelatedField(slug_field="slug", queryset=Building.objects.all(),
                                            required=False, allow_null=True)
    min_area_m2 = serializers.DecimalField(max_digits=7, decimal_places=2, required=False,
                                           allow_null=True, **limits.WISHED_MIN_AREA_M2.bounds)
    max_area_m2 = serializers.DecimalField(max_digits=7, decimal_places=2, required=False,
                                           allow_null=True, **limits.AREA_M2.bounds)
    max_rent = serializers.DecimalField(max_digits=9, decimal_places=2, required=False,
                                        allow_null=True, **limits.MONTHLY_RENT.bounds)
    stage = serializers.SlugRelatedField(slug_field="code", queryset=Stage.objects.all(),
                                         required=False, allow_null=True)
    facilities = serializers.SlugRelatedField(slug_field="code", queryset=Facility.objects.all(),
                                              many=True, required=False)
    motivation = StrictCharField(required=False, allow_blank=True,
                                       max_length=limits.MOTIVATION)
    portfolio_images = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=PortfolioImage.objects.none(),
        help_text=_("Ids of images of your own portfolio to show with the application."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["portfolio_images"].child_relation.queryset = PortfolioImage.objects.filter(
            creative__user=user)


class CallCreateInput(ScopedInput):
    building = serializers.SlugRelatedField(slug_field="slug", queryset=Building.objects.none())
    title = StrictCharField(max_length=Call._meta.get_field("title").max_length)
    text = StrictCharField(required=False, allow_blank=True, max_length=limits.CALL_TEXT)
    spaces = serializers.PrimaryKeyRelatedField(many=True, required=False,
                                                queryset=Building.objects.none())
    chains = serializers.SlugRelatedField(slug_field="slug", queryset=Chain.objects.all(),
                                          many=True, required=False)
    disciplines = serializers.SlugRelatedField(slug_field="slug", many=True, required=False,
                                               queryset=Discipline.objects.all())
    stages = serializers.SlugRelatedField(slug_field="code", queryset=Stage.objects.all(),
                                          many=True, required=False)
    facilities = serializers.SlugRelatedField(slug_field="code", queryset=Facility.objects.all(),
                                              many=True, required=False)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    allocation_method = serializers.ChoiceField(choices=AllocationMethod.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["building"].queryset = buildings_for_programmer(user)
        self.fields["spaces"].child_relation.queryset = spaces_for_programmer(user)


class CallUpdateInput(CallCreateInput):
    """A call's changeable fields; its building stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["building"]


# What a programmer moves by hand; submitting, withdrawing, offering and answering an offer
# have their own endpoints (and services), so a tenancy is never skipped.
PROGRAMMER_TRANSITIONS = [
    (status.value, status.label)
    for status in (ApplicationStatus.SCREENING, ApplicationStatus.ELIGIBLE,
                   ApplicationStatus.INELIGIBLE, ApplicationStatus.SHORTLISTED)
]


class TransitionInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=PROGRAMMER_TRANSITIONS)
    note = StrictCharField(required=False, allow_blank=True, max_length=limits.STATUS_NOTE)


class ExplicitBooleanField(serializers.BooleanField):
    """A yes or no the caller must give. DRF reads a boolean left out of a form-encoded body
    as false (an unticked checkbox); here it is missing, as in JSON, so no screening is ever
    recorded on a "no" nobody said."""

    default_empty_html = empty


class ScreeningInput(serializers.Serializer):
    professional_practice = ExplicitBooleanField()
    income_within_limit = ExplicitBooleanField()
    reasons = StrictCharField(required=False, allow_blank=True,
                                    max_length=limits.SCREENING_REASONS)


class OfferInput(ScopedInput):
    space = serializers.PrimaryKeyRelatedField(queryset=Building.objects.none())
    start = serializers.DateField()
    reply_by = serializers.DateField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["space"].queryset = spaces_for_programmer(user)


class NoteInput(serializers.Serializer):
    text = StrictCharField(max_length=limits.PRIVATE_NOTE)


class TenancyEndInput(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.ChoiceField(choices=EndReason.choices)
    to_stage = StageCodeField(read_only=False, queryset=Stage.objects.all(), required=False,
                              allow_null=True)
    note = StrictCharField(required=False, allow_blank=True, default="",
                                 max_length=chain_limits.STAGE_MOVE_NOTE)


class TenancyRenewInput(serializers.Serializer):
    # Required: a renewal is never written on a default the caller did not choose.
    planned_end = serializers.DateField(help_text=_("The new planned end, after the current one."))
    exception_reason = StrictCharField(
        required=False, allow_blank=True, default="", max_length=limits.EXCEPTION_REASON,
        help_text="Needed beyond the policy's renewals or standard terms; stored with the "
                  "tenancy's term exception.")


class StageMoveOutput(serializers.ModelSerializer):
    from_stage = StageCodeField(allow_null=True)
    to_stage = StageCodeField(allow_null=True)
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                               allow_null=True)

    class Meta:
        model = StageMove
        fields = ["id", "moved_on", "from_stage", "to_stage", "to_market", "building", "note",
                  "recorded_by"]


class StageMoveInput(serializers.Serializer):
    moved_on = serializers.DateField()
    to_stage = StageCodeField(read_only=False, queryset=Stage.objects.all(), required=False,
                              allow_null=True, default=None)
    to_market = serializers.BooleanField(required=False, default=False)
    note = StrictCharField(required=False, allow_blank=True, default="",
                                 max_length=chain_limits.STAGE_MOVE_NOTE)


class SocialReturnInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SocialReturnKind.choices)
    on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=2,
                                     **limits.SOCIAL_RETURN_HOURS.bounds)
    description = StrictCharField(required=False, allow_blank=True,
                                        max_length=limits.SOCIAL_RETURN_DESCRIPTION)
