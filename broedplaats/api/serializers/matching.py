"""Serializers of matching: allocation rounds, committee criteria and scores, fit weights, an
applicant's ranking of a call's spaces and their place in a round, and pathways.

As in allocation: inputs check types and that referenced rows lie within the user's reach
(their querysets come scoped from the view); every rule is the service's. Outputs only render
what the view selected and prefetched. Statuses and methods go out as plain strings with
their values in help_text (see `serializers.allocation.status_field`).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from broedplaats import limits
from broedplaats.api.serializers.allocation import status_field
from broedplaats.api.serializers.fields import StrictCharField
from broedplaats.models import (
    FIT_COMPONENTS,
    AllocationMethod,
    AllocationRound,
    Application,
    Building,
    Call,
    City,
    CommitteeCriterion,
    CommitteeScore,
    Pathway,
    PathwayPriority,
    PathwayStep,
    RoundChange,
    RoundEntry,
    RoundStatus,
    Space,
)
from chains.api.serializers import StageCodeField
from chains.models import Chain, Stage

BREAKDOWN_SCHEMA = {
    "type": "object",
    "description": "The parts of the fit in points (the seven weights scaled to sum to 100), "
                   "the pathway bonus, the total, and the space they were computed for. Empty "
                   "when no space was open to the applicant.",
    "properties": {
        **{name: {"type": "number"} for name in (*FIT_COMPONENTS, "bonus", "total")},
        "space": {"type": "integer"},
    },
}


@extend_schema_field(BREAKDOWN_SCHEMA)
class BreakdownField(serializers.JSONField):
    """A round entry's stored fit breakdown, as it is."""


# --- rounds ------------------------------------------------------------------------------------

class SpaceRefOutput(serializers.ModelSerializer):
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Space
        fields = ["id", "code", "building"]


class CreativeRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RoundEntryOutput(serializers.ModelSerializer):
    """One applicant in a round, as the round's programmer reviews them."""

    creative = CreativeRefOutput(read_only=True)
    proposed_space = SpaceRefOutput(read_only=True, allow_null=True,
                                    help_text=_("The space the method proposed."))
    space = SpaceRefOutput(read_only=True, allow_null=True,
                           help_text=_("The space proposed now, after any change by hand."))
    breakdown = BreakdownField(read_only=True)

    class Meta:
        model = RoundEntry
        fields = ["id", "position", "creative", "application", "lottery", "value",
                  "proposed_space", "space", "score", "breakdown", "excluded"]


class RoundChangeOutput(serializers.ModelSerializer):
    creative = serializers.CharField(source="entry.creative.name", read_only=True)
    from_space = SpaceRefOutput(read_only=True, allow_null=True)
    to_space = SpaceRefOutput(read_only=True, allow_null=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                      allow_null=True)

    class Meta:
        model = RoundChange
        fields = ["id", "entry", "creative", "from_space", "to_space", "by", "at"]


class SpaceLeftOutOutput(serializers.Serializer):
    space = SpaceRefOutput(help_text=_("A space of the round's calls that was not open."))
    reason = serializers.CharField()


ROUND_ACTIONS = ("adjust", "confirm", "discard")


class RoundOutput(serializers.ModelSerializer):
    """A round as listed: how it was run and decided, and how many got a space."""

    method = status_field(AllocationMethod)
    status = status_field(RoundStatus)
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    calls = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    run_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                          allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                              allow_null=True)
    applicants = serializers.IntegerField(read_only=True,
                                          help_text=_("Entries, the left out included."))
    proposals = serializers.IntegerField(read_only=True,
                                         help_text=_("Entries with a space proposed now."))
    actions = serializers.SerializerMethodField(
        help_text=_("What the round's state allows: adjust, confirm and discard while it is "
                    "proposed; nothing once confirmed or discarded."))

    class Meta:
        model = AllocationRound
        fields = ["id", "city", "calls", "method", "seed", "status", "start", "reply_by",
                  "run_by", "run_at", "decided_by", "decided_at", "applicants", "proposals",
                  "actions"]

    def get_actions(self, round_) -> list[str]:
        return list(ROUND_ACTIONS) if round_.status == RoundStatus.PROPOSED else []


class RoundDetailOutput(RoundOutput):
    """A round with its open spaces, the spaces left out and why, every entry (the left out
    last, with their reason) and the hand changes. Reads `left_out`, filled by the view."""

    spaces = serializers.SerializerMethodField(
        help_text=_("Ids of the spaces open in the round (what `adjust` may give)."))
    spaces_left_out = SpaceLeftOutOutput(source="left_out", many=True, read_only=True)
    entries = RoundEntryOutput(many=True, read_only=True)
    changes = RoundChangeOutput(many=True, read_only=True)

    class Meta(RoundOutput.Meta):
        fields = [*RoundOutput.Meta.fields, "spaces", "spaces_left_out", "entries", "changes"]

    def get_spaces(self, round_) -> list[int]:
        return list(round_.inputs.get("spaces", []))


# Inline rather than a ChoiceField: the calls' `allocation_method` already names this choice set
# (AllocationMethodEnum), and a second name for it is a schema warning, which fails
# `check --deploy`. The service refuses an unknown method under `method`.
@extend_schema_field({"type": "string", "enum": list(AllocationMethod.values)})
class MethodField(serializers.CharField):
    """An allocation method's value."""


class RoundRunInput(serializers.Serializer):
    calls = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Call.objects.none(),
        help_text=_("Ids of published calls of your buildings, all in one city."))
    method = MethodField(help_text=", ".join(AllocationMethod.values),
                         max_length=AllocationRound._meta.get_field("method").max_length)
    start = serializers.DateField(help_text=_("The day the tenancies start."))
    reply_by = serializers.DateField(help_text=_("The offers' reply deadline."))
    seed = serializers.IntegerField(
        required=False, allow_null=True, default=None, **limits.LOTTERY_SEED.bounds,
        help_text=_("The lottery seed, to re-run an earlier draw; empty: a new one is drawn."))

    def __init__(self, *args, calls=None, **kwargs):
        super().__init__(*args, **kwargs)
        if calls is not None:
            self.fields["calls"].child_relation.queryset = calls


class RoundAdjustInput(serializers.Serializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=RoundEntry.objects.none(),
                                               help_text=_("An entry of this round."))
    space = serializers.PrimaryKeyRelatedField(
        queryset=Space.objects.all(), allow_null=True,
        help_text=_("A space open in the round, or null for none."))

    def __init__(self, *args, entries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if entries is not None:
            self.fields["entry"].queryset = entries


# --- the committee -----------------------------------------------------------------------------

class CriterionOutput(serializers.ModelSerializer):
    class Meta:
        model = CommitteeCriterion
        fields = ["id", "name", "order"]


class CriteriaOutput(serializers.Serializer):
    call = serializers.IntegerField(source="pk")
    criteria = CriterionOutput(many=True)


class CriteriaInput(serializers.Serializer):
    criteria = serializers.ListField(
        child=StrictCharField(
            allow_blank=True, trim_whitespace=False,
            max_length=CommitteeCriterion._meta.get_field("name").max_length),
        help_text=_("The criteria's names in order; those already scored must stay."))


class CommitteeScoreOutput(serializers.ModelSerializer):
    """One of the requesting member's own scores."""

    call = serializers.IntegerField(source="criterion.call_id", read_only=True)
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)
    creative = serializers.CharField(source="application.creative.name", read_only=True)

    class Meta:
        model = CommitteeScore
        fields = ["id", "call", "criterion", "criterion_name", "application", "creative",
                  "score", "scored_at"]


class CommitteeScoreInput(serializers.Serializer):
    criterion = serializers.PrimaryKeyRelatedField(queryset=CommitteeCriterion.objects.none())
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.none())
    score = serializers.IntegerField(**limits.COMMITTEE_SCORE.bounds,
                                     help_text=_("0 to 10; scoring again replaces your score."))

    def __init__(self, *args, criteria=None, applications=None, **kwargs):
        super().__init__(*args, **kwargs)
        if criteria is not None:
            self.fields["criterion"].queryset = criteria
        if applications is not None:
            self.fields["application"].queryset = applications


class CommitteeMeanOutput(serializers.Serializer):
    """An applicant's mean over every member's scores on the call's criteria (no member's
    own scores)."""

    application = serializers.IntegerField(source="pk")
    creative = serializers.CharField(source="creative.name")
    status = serializers.CharField()
    mean = serializers.FloatField(allow_null=True)
    members = serializers.IntegerField(help_text=_("How many members scored the applicant."))


# --- fit weights -------------------------------------------------------------------------------

class WeightValuesOutput(serializers.Serializer):
    stage = serializers.IntegerField()
    chain = serializers.IntegerField()
    completeness = serializers.IntegerField()
    area = serializers.IntegerField()
    rent = serializers.IntegerField()
    facilities = serializers.IntegerField()
    wait = serializers.IntegerField()
    wait_full_days = serializers.IntegerField()


class FitWeightsOutput(WeightValuesOutput):
    """The weights a building's scores use, where they come from, and the city's defaults
    they fall back to. Reads the dict the view builds."""

    building = serializers.CharField()
    source = serializers.ChoiceField(
        choices=[("building", "building"), ("city", "city"), ("default", "default")],
        help_text=_("building: its own; city: the city's defaults; default: the built-in."))
    percentages = serializers.DictField(child=serializers.FloatField(),
                                        help_text=_("The seven weights scaled to sum to 100."))
    city_defaults = WeightValuesOutput()
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class FitWeightsInput(serializers.Serializer):
    stage = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    chain = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    completeness = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    area = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    rent = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    facilities = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    wait = serializers.IntegerField(**limits.FIT_POINTS.bounds)
    wait_full_days = serializers.IntegerField(required=False, **limits.WAIT_FULL_DAYS.bounds,
                                              help_text=_("Left out: stays as it is."))


# --- the creative's own ------------------------------------------------------------------------

class ChoiceSpaceOutput(serializers.ModelSerializer):
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Space
        fields = ["id", "code", "building", "kind", "area_m2", "monthly_rent"]


class ChoicesOutput(serializers.Serializer):
    """The applicant's ranking and the call's spaces they may rank. Reads the dict the view
    builds."""

    application = serializers.IntegerField()
    choices = serializers.ListField(child=serializers.IntegerField(),
                                    help_text=_("Space ids, most wanted first."))
    spaces = ChoiceSpaceOutput(many=True, help_text=_("The call's spaces."))


class ChoicesInput(serializers.Serializer):
    choices = serializers.PrimaryKeyRelatedField(
        many=True, allow_empty=True, queryset=Space.objects.all(),
        help_text=_("Ids of the call's spaces, most wanted first; replaces the ranking."))


class MyRoundOutput(serializers.ModelSerializer):
    """A round as one of its applicants sees it: no one else's data."""

    method = status_field(AllocationMethod)
    status = status_field(RoundStatus)
    applicants = serializers.IntegerField(read_only=True,
                                          help_text=_("How many applicants the round holds."))

    class Meta:
        model = AllocationRound
        fields = ["id", "method", "status", "seed", "run_at", "start", "reply_by", "applicants"]


class MyEntryOutput(serializers.ModelSerializer):
    proposed_space = SpaceRefOutput(source="space", read_only=True, allow_null=True,
                                    help_text=_("The space proposed to you now; null: none."))
    breakdown = BreakdownField(read_only=True)

    class Meta:
        model = RoundEntry
        fields = ["position", "lottery", "value", "proposed_space", "score", "breakdown",
                  "excluded"]


class MyRoundPlaceOutput(serializers.Serializer):
    """Where the application stands in the newest round of its call that holds it and was
    not discarded; both null before any such round."""

    application = serializers.IntegerField()
    round = MyRoundOutput(allow_null=True)
    entry = MyEntryOutput(allow_null=True)


# --- pathways ----------------------------------------------------------------------------------

class PathwayStepOutput(serializers.ModelSerializer):
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True)
    stage = StageCodeField()

    class Meta:
        model = PathwayStep
        fields = ["order", "building", "building_name", "stage"]


class PathwayOutput(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    chain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    priority = status_field(PathwayPriority)
    steps = PathwayStepOutput(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = ["id", "city", "chain", "name", "priority", "bonus_points", "priority_months",
                  "archived", "steps", "created_at"]


class PathwayStepInput(serializers.Serializer):
    building = serializers.SlugRelatedField(slug_field="slug", queryset=Building.objects.all())
    stage = StageCodeField(read_only=False, queryset=Stage.objects.all())


class PathwayInput(serializers.Serializer):
    city = serializers.SlugRelatedField(slug_field="slug", queryset=City.objects.all())
    chain = serializers.SlugRelatedField(slug_field="slug", queryset=Chain.objects.all())
    name = StrictCharField(max_length=Pathway._meta.get_field("name").max_length)
    # Required, as on the page: a pathway's priority is never a default the caller did not
    # choose.
    priority = serializers.ChoiceField(choices=PathwayPriority.choices)
    bonus_points = serializers.IntegerField(**limits.PATHWAY_BONUS_POINTS.bounds,
                                            help_text=_("0 to 50."))
    priority_months = serializers.IntegerField(**limits.PATHWAY_PRIORITY_MONTHS.bounds,
                                               help_text=_("1 to 60."))
    steps = PathwayStepInput(many=True, help_text=_("The steps in order, at least two."))
