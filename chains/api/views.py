"""Read-only endpoints of the value chain. They parse and render; reads go through selectors."""

from rest_framework import viewsets

from chains.api.serializers import ChainSerializer, DisciplineSerializer, StageSerializer
from chains.filters import ChainFilter, DisciplineFilter
from chains.selectors import chain_list_with_stage_notes, discipline_list, stage_list


class ChainViewSet(viewsets.ReadOnlyModelViewSet):
    """Value chains with their disciplines and what each stage means for them."""

    serializer_class = ChainSerializer
    filterset_class = ChainFilter
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]

    def get_queryset(self):
        return chain_list_with_stage_notes()


class DisciplineViewSet(viewsets.ReadOnlyModelViewSet):
    """Creative disciplines, each in one chain."""

    serializer_class = DisciplineSerializer
    filterset_class = DisciplineFilter
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]

    def get_queryset(self):
        return discipline_list()


class StageViewSet(viewsets.ReadOnlyModelViewSet):
    """The ordered stages idea → making → distribution."""

    serializer_class = StageSerializer
    lookup_field = "code"
    ordering_fields = ["order"]

    def get_queryset(self):
        return stage_list()
