"""Read-only endpoints of the place side. They parse and render; reads go through selectors.

Which day is "today" is fixed once per request (`view.on`) and handed to both the selector
and the FilterSet, so the counts and the free_now filter agree even around midnight.
"""

from datetime import date
from functools import cached_property

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from broedplaats.api.public_cache import PublicListCache
from broedplaats.api.serializers.places import (
    BuildingDetailSerializer,
    BuildingSerializer,
    CityOutput,
    SpaceDetailSerializer,
    SpaceSerializer,
)
from broedplaats.filters import BuildingFilter, SpaceFilter
from broedplaats.selectors import (
    building_chain_stages,
    building_list,
    building_spaces,
    city_list,
    space_detail_public,
    space_list,
)
from broedplaats.selectors.places import PagedByIds


class DatedFilterBackend(DjangoFilterBackend):
    """Gives the FilterSet the view's day (`on`)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "on": view.on}


class DatedViewMixin:
    """For endpoints whose rows depend on the day: what is let, what is free."""

    filter_backends = [DatedFilterBackend, OrderingFilter]
    ids_with_count = True  # see PagedByIds

    @cached_property
    def on(self) -> date:
        return timezone.localdate()

    def paginate_queryset(self, queryset):
        # Cut the page over ids first, then read only its rows with their annotations.
        return super().paginate_queryset(PagedByIds(queryset, ids_with_count=self.ids_with_count))


class BuildingViewSet(PublicListCache, DatedViewMixin, viewsets.ReadOnlyModelViewSet):
    """Active buildings with their counts of active and free spaces today."""

    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter
    lookup_field = "slug"
    ordering_fields = ["name", "city__name", "space_count", "free_count", "temporary_until"]

    def get_queryset(self):
        return building_list(on=self.on)

    def get_serializer_class(self):
        return BuildingDetailSerializer if self.action == "retrieve" else BuildingSerializer

    def retrieve(self, request, *args, **kwargs):
        building = self.get_object()
        building.active_spaces = building_spaces(building=building, on=self.on, photos=True)
        building.chain_stages = building_chain_stages(building=building)
        return Response(self.get_serializer(building).data)


class SpaceViewSet(PublicListCache, DatedViewMixin, viewsets.ReadOnlyModelViewSet):
    """Active spaces in active buildings, with whether each is let today; one space with its
    description and photos."""

    serializer_class = SpaceSerializer
    filterset_class = SpaceFilter
    ordering_fields = ["code", "kind", "area_m2", "monthly_rent", "building__name"]

    @property
    def ids_with_count(self) -> bool:
        """The list is ordered by building name and code, which an index gives: cutting the
        page along it stops early, where the count's window reads every row, so in general the
        page is cut apart from the count. "Free now" (yes) is the exception: its few thousand
        spaces nationally are found by the stored let periods, not along that index, and the
        window finds them once instead of twice (docs/benchmarks.md)."""
        return self.request.query_params.get("free_now") == "true"

    def get_queryset(self):
        if self.action == "retrieve":
            return space_detail_public(on=self.on)
        return space_list(on=self.on)

    def get_serializer_class(self):
        return SpaceDetailSerializer if self.action == "retrieve" else SpaceSerializer


class CityViewSet(viewsets.ReadOnlyModelViewSet):
    """Cities by name, each with the slug the `city` filters of the other lists take."""

    serializer_class = CityOutput
    lookup_field = "slug"
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "slug"]

    def get_queryset(self):
        return city_list()
