"""Serializers of the value chain: chains, disciplines and stages; a creative's own profile
and portfolio."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chains import limits
from chains.api.fields import UploadField
from chains.models import (
    Chain,
    ChainStage,
    Creative,
    CreativeKind,
    Discipline,
    PortfolioImage,
    Stage,
    StageCode,
)
from chains.selectors import discipline_list


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


# --- a creative's own profile and portfolio ----------------------------------------------------

class PortfolioImageOutput(serializers.ModelSerializer):
    class Meta:
        model = PortfolioImage
        fields = ["id", "caption", "image", "thumb_400", "thumb_1200", "width", "height"]


class PortfolioImageInput(serializers.Serializer):
    image = UploadField(help_text=_("JPEG, PNG or WebP, at most 15 MB."))
    caption = serializers.CharField(
        required=False, allow_blank=True, default="",
        max_length=PortfolioImage._meta.get_field("caption").max_length)


class ProfileOutput(serializers.ModelSerializer):
    discipline = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Creative
        fields = ["id", "name", "kind", "discipline", "bio", "website", "kvk_number", "email",
                  "phone"]


class ProfileInput(serializers.Serializer):
    """The profile's fields, as the profile page has them; the rules (a KvK number belongs to
    one creative...) are creative_update's."""

    name = serializers.CharField(max_length=Creative._meta.get_field("name").max_length)
    kind = serializers.ChoiceField(choices=CreativeKind.choices)
    discipline = serializers.SlugRelatedField(slug_field="slug", queryset=discipline_list())
    bio = serializers.CharField(allow_blank=True, max_length=limits.BIO)
    website = serializers.URLField(allow_blank=True,
                                   max_length=Creative._meta.get_field("website").max_length)
    kvk_number = serializers.CharField(allow_blank=True, max_length=20,
                                       help_text=_("8 digits, if you are registered."))
    email = serializers.EmailField(allow_blank=True,
                                   max_length=Creative._meta.get_field("email").max_length)
    phone = serializers.CharField(allow_blank=True, max_length=30)
