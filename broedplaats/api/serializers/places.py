"""Output serializers of the place side: buildings and spaces.

Money and areas are Decimals and go out as strings ("250.00"), as DRF does by default, so no
client ever sees a rounded float. Serializers only render: the rows, their counts and what is
let come annotated and prefetched from the selectors.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from broedplaats import limits
from broedplaats.models import Building, City, Facility, Space, SpaceKind, SpacePhoto
from broedplaats.selectors import buildings_for_programmer
from chains.api.fields import UploadField
from chains.api.serializers import StageCodeField
from chains.models import Stage


class CitySerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["slug", "name"]


class CityOutput(CitySerializer):
    """A city as listed in /api/cities/: its slug is what the `city` filters take."""

    url = serializers.HyperlinkedIdentityField(view_name="api:city-detail", lookup_field="slug")

    class Meta(CitySerializer.Meta):
        fields = ["url", "slug", "name"]


class CoordinatesSerializer(serializers.Serializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class SpaceSummarySerializer(serializers.ModelSerializer):
    """A space as listed inside its building."""

    url = serializers.HyperlinkedIdentityField(view_name="api:space-detail")
    rent_per_m2_year = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    facilities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    stages = StageCodeField(many=True)
    is_let = serializers.BooleanField(read_only=True, help_text=_("A tenancy holds it today."))

    class Meta:
        model = Space
        fields = ["id", "url", "code", "kind", "area_m2", "monthly_rent", "rent_per_m2_year",
                  "facilities", "stages", "is_let"]


class SpacePhotoOutput(serializers.ModelSerializer):
    """A photo of a space with its two thumbnails, in the space's order."""

    class Meta:
        model = SpacePhoto
        fields = ["id", "caption", "image", "thumb_400", "thumb_1200", "width", "height",
                  "position"]


class SpaceSerializer(SpaceSummarySerializer):
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    city = serializers.SlugRelatedField(source="building.city", slug_field="slug", read_only=True)

    class Meta(SpaceSummarySerializer.Meta):
        fields = ["id", "url", "building", "city", *SpaceSummarySerializer.Meta.fields[2:]]


class SpaceDetailSerializer(SpaceSerializer):
    """One space with its description and photos."""

    photos = SpacePhotoOutput(many=True, read_only=True)

    class Meta(SpaceSerializer.Meta):
        fields = [*SpaceSerializer.Meta.fields, "description", "photos"]


class BuildingSpaceSerializer(SpaceSummarySerializer):
    """A space inside its building's detail, with its photos."""

    photos = SpacePhotoOutput(many=True, read_only=True)

    class Meta(SpaceSummarySerializer.Meta):
        fields = [*SpaceSummarySerializer.Meta.fields, "photos"]


# --- a programmer's own spaces -----------------------------------------------------------------

class ProgrammerSpaceOutput(serializers.ModelSerializer):
    """A space of the programmer's building as they manage it, archived or not."""

    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    facilities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    stages = StageCodeField(many=True)
    photos = SpacePhotoOutput(many=True, read_only=True)

    class Meta:
        model = Space
        fields = ["id", "building", "code", "kind", "area_m2", "monthly_rent",
                  "rent_exception_reason", "description", "facilities", "stages", "archived",
                  "photos"]


class SpaceInput(serializers.Serializer):
    """A new space of one of the user's buildings; the rules (rent cap...) are space_create's."""

    building = serializers.SlugRelatedField(slug_field="slug", queryset=Building.objects.none())
    code = serializers.CharField(max_length=Space._meta.get_field("code").max_length)
    kind = serializers.ChoiceField(choices=SpaceKind.choices)
    area_m2 = serializers.DecimalField(max_digits=7, decimal_places=2, **limits.AREA_M2.bounds)
    monthly_rent = serializers.DecimalField(max_digits=9, decimal_places=2,
                                            **limits.MONTHLY_RENT.bounds)
    rent_exception_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.EXCEPTION_REASON,
        help_text=_("Only when the rent is above the city's cap: why it may be."))
    description = serializers.CharField(required=False, allow_blank=True,
                                        max_length=limits.SPACE_DESCRIPTION)
    facilities = serializers.SlugRelatedField(slug_field="code", queryset=Facility.objects.all(),
                                              many=True, required=False)
    stages = StageCodeField(read_only=False, queryset=Stage.objects.all(), many=True,
                            required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings_for_programmer(user)


class SpaceUpdateInput(SpaceInput):
    """A space's changeable fields (PATCH: those left out stay); its building stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["building"]


class SpacePhotoInput(serializers.Serializer):
    image = UploadField(help_text=_("JPEG, PNG or WebP, at most 15 MB."))
    caption = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=SpacePhoto._meta.get_field("caption").max_length)


class BuildingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:building-detail", lookup_field="slug")
    city = CitySerializer(read_only=True)
    coordinates = CoordinatesSerializer(source="*", read_only=True)
    chain_focus = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    space_count = serializers.IntegerField(read_only=True, help_text=_("Active spaces."))
    free_count = serializers.IntegerField(read_only=True, help_text=_("Active spaces free today."))

    class Meta:
        model = Building
        fields = ["url", "slug", "name", "city", "address", "postcode", "coordinates",
                  "operator_name", "operator_kind", "cluster_type", "chain_focus", "temporary_until",
                  "space_count", "free_count"]


class StageCoverageSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text=_("Stage code."))
    housed = serializers.BooleanField(help_text=_("Some active space of the building serves it."))


class ChainCoverageSerializer(serializers.Serializer):
    """One row of building_chain_stages: a chain of the building's focus and its stages."""

    chain = serializers.CharField(source="chain.slug")
    name = serializers.CharField(source="chain.display_name")
    stages = serializers.SerializerMethodField()

    @extend_schema_field(StageCoverageSerializer(many=True))
    def get_stages(self, row) -> list[dict]:
        return [{"stage": stage.code, "housed": housed} for stage, housed in row["stages"]]


class BuildingDetailSerializer(BuildingSerializer):
    """A building with its active spaces and which stages of which chains it houses.

    Reads `active_spaces` and `chain_stages`, which the view fills from the selectors.
    """

    spaces = BuildingSpaceSerializer(source="active_spaces", many=True, read_only=True)
    chain_stages = ChainCoverageSerializer(many=True, read_only=True)

    class Meta(BuildingSerializer.Meta):
        fields = [*BuildingSerializer.Meta.fields, "description", "spaces", "chain_stages"]
