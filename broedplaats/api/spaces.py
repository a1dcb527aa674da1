"""A programmer's spaces over the API: list, add, change (PATCH), archive and bring back, and
their photos (add, remove), through the same services as the pages.

Rows come from the scoping selectors, so a space or photo of another's building is a 404; a
service's ValidationError is a 400 keyed by the field (`service_errors`).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from broedplaats.api.allocation import AllocationViewMixin, service_errors
from broedplaats.api.serializers.places import (
    ProgrammerSpaceOutput,
    SpaceInput,
    SpacePhotoInput,
    SpacePhotoOutput,
    SpaceUpdateInput,
)
from broedplaats.filters import ProgrammerSpaceFilter
from broedplaats.models import SpacePhoto
from broedplaats.permissions import IsProgrammer
from broedplaats.selectors import space_rows_for_programmer
from broedplaats.services import (
    space_archive,
    space_create,
    space_photo_add,
    space_photo_remove,
    space_unarchive,
    space_update,
)


class ProgrammerSpaceViewSet(AllocationViewMixin, mixins.ListModelMixin,
                             mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Spaces of the user's buildings, archived ones too, with their photos: add one, change
    it (PATCH), archive it or bring it back, add and remove photos."""

    permission_classes = [IsProgrammer]
    serializer_class = ProgrammerSpaceOutput
    filterset_class = ProgrammerSpaceFilter
    ordering_fields = ["code", "area_m2", "monthly_rent"]

    def get_queryset(self):
        return space_rows_for_programmer(self.request.user)

    @extend_schema(request=SpaceInput, responses={201: ProgrammerSpaceOutput})
    def create(self, request, *args, **kwargs):
        """Add a space to one of your buildings; a rent above the city's cap needs a reason."""
        data = self.parse(SpaceInput, user=request.user)
        with service_errors():
            space = space_create(on=self.on, **data)
        return self.render(space, status.HTTP_201_CREATED)

    @extend_schema(request=SpaceUpdateInput, responses=ProgrammerSpaceOutput)
    def partial_update(self, request, *args, **kwargs):
        """Change a space's fields; those left out stay."""
        space = self.get_object()
        data = self.parse(SpaceUpdateInput, user=request.user, partial=True)
        with service_errors():
            space_update(space=space, on=self.on, **data)
        return self.render(space)

    @extend_schema(request=None, responses=ProgrammerSpaceOutput)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the space: no new call, offer or tenancy takes it. Refused while it is let
        or has an open offer."""
        space = self.get_object()
        with service_errors():
            space_archive(space=space, on=self.on)
        return self.render(space)

    @extend_schema(request=None, responses=ProgrammerSpaceOutput)
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        """Bring an archived space back into use."""
        space = self.get_object()
        with service_errors():
            space_unarchive(space=space)
        return self.render(space)

    @extend_schema(request={"multipart/form-data": SpacePhotoInput},
                   responses={201: SpacePhotoOutput})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        """Add a photo (JPEG, PNG or WebP): stored re-encoded without metadata, with
        thumbnails, after the space's other photos."""
        space = self.get_object()
        data = self.parse(SpacePhotoInput)
        with service_errors():
            photo = space_photo_add(space=space, file=data["image"], caption=data["caption"],
                                    by=request.user)
        return Response(SpacePhotoOutput(photo, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, parameters=[
        OpenApiParameter("photo_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                         description="A photo of this space.")])
    @action(detail=True, methods=["delete"], url_path=r"photos/(?P<photo_pk>[0-9]+)",
            url_name="photo")
    def photo(self, request, pk=None, photo_pk=None):
        """Remove a photo of the space; its files are deleted once that is stored."""
        space = self.get_object()
        photo = get_object_or_404(SpacePhoto.objects.filter(space=space), pk=photo_pk)
        space_photo_remove(photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)
