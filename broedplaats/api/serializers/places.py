"""Output serializers of the place side: buildings and spaces.

Money and areas are Decimals and go out as strings ("250.00"), as DRF does by default, so no
client ever sees a rounded float. Serializers only render: the rows, their counts and what is
let come annotated and prefetched from the selectors.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from broedplaats.models import Building, City, Space
from chains.api.serializers import StageCodeField


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


class SpaceSerializer(SpaceSummarySerializer):
    building = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    city = serializers.SlugRelatedField(source="building.city", slug_field="slug", read_only=True)

    class Meta(SpaceSummarySerializer.Meta):
        fields = ["id", "url", "building", "city", *SpaceSummarySerializer.Meta.fields[2:]]


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

    spaces = SpaceSummarySerializer(source="active_spaces", many=True, read_only=True)
    chain_stages = ChainCoverageSerializer(many=True, read_only=True)

    class Meta(BuildingSerializer.Meta):
        fields = [*BuildingSerializer.Meta.fields, "description", "spaces", "chain_stages"]
