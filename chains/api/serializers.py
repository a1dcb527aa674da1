"""Output serializers of the value chain: chains, disciplines and stages."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chains.models import Chain, ChainStage, Discipline, Stage, StageCode


# The stage codes are an enum once, on the stage itself (CodeEnum); where a stage is only
# referred to it is a string, since drf-spectacular warns when one choice set gets several
# names, and that warning fails `check --deploy`. (An ENUM_NAME_OVERRIDES entry in settings
# would let every reference carry the enum under one name.)
@extend_schema_field({"type": "string", "description": "Stage code: " + ", ".join(StageCode.values)})
class StageCodeField(serializers.SlugRelatedField):
    """A stage by its code (idea, making, distribution), read-only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class StageSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:stage-detail", lookup_field="code")
    name = serializers.CharField(source="get_code_display", read_only=True)

    class Meta:
        model = Stage
        fields = ["url", "code", "order", "name"]


class DisciplineSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:discipline-detail", lookup_field="slug"
    )
    chain = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Discipline
        fields = ["url", "slug", "name", "name_en", "chain"]


class ChainDisciplineSerializer(serializers.ModelSerializer):
    """A discipline inside its chain (the chain is already known)."""

    class Meta:
        model = Discipline
        fields = ["slug", "name", "name_en"]


class ChainStageSerializer(serializers.ModelSerializer):
    """What one stage means within a chain."""

    stage = StageCodeField()

    class Meta:
        model = ChainStage
        fields = ["stage", "description"]


class ChainSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:chain-detail", lookup_field="slug")
    disciplines = ChainDisciplineSerializer(many=True, read_only=True)
    stages = ChainStageSerializer(source="stage_notes", many=True, read_only=True)

    class Meta:
        model = Chain
        fields = ["url", "slug", "name", "name_en", "description", "disciplines", "stages"]
