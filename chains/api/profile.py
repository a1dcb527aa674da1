"""A creative's own profile and portfolio over the API, through the same services as the
profile and portfolio pages (chains.services).

Only creatives (and admins) reach these; one without a creative profile gets 404, as on the
pages. Another creative's image is not in the scoped queryset, so it is a 404 too.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings

from chains import services
from chains.api.serializers import (
    PortfolioImageInput,
    PortfolioImageOutput,
    ProfileInput,
    ProfileOutput,
)
from chains.models import Creative, PortfolioImage
from chains.selectors import portfolio_of


class IsCreativeMember(BasePermission):
    """Users in the creative group, and superusers (as broedplaats.permissions.IsCreative;
    chains does not import the place side)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return user.is_superuser or user.groups.filter(name=services.CREATIVE_GROUP).exists()


def own_creative(user) -> Creative:
    creative = Creative.objects.select_related("discipline").filter(user=user).first()
    if creative is None:
        raise Http404(_("Your account is not linked to a creative profile yet."))
    return creative


def raise_as_400(error: DjangoValidationError):
    """A service's ValidationError as DRF's 400, keeping its field keys and messages."""
    if hasattr(error, "error_dict"):
        detail = {api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key: messages
                  for key, messages in error.message_dict.items()}
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    raise ValidationError(detail) from error


class MyProfileView(GenericAPIView):
    """Your creative profile: read it, or change it (PATCH: fields left out stay)."""

    permission_classes = [IsCreativeMember]
    serializer_class = ProfileOutput

    def get(self, request):
        return Response(ProfileOutput(own_creative(request.user)).data)

    @extend_schema(request=ProfileInput, responses=ProfileOutput)
    def patch(self, request):
        creative = own_creative(request.user)
        serializer = ProfileInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.creative_update(creative=creative, **serializer.validated_data)
        except DjangoValidationError as error:
            raise_as_400(error)
        return Response(ProfileOutput(own_creative(request.user)).data)


class MyPortfolioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your portfolio's images in your order: add one (multipart), remove one. Choose which go
    with an application by their ids (`portfolio_images` of an application)."""

    permission_classes = [IsCreativeMember]
    serializer_class = PortfolioImageOutput
    filter_backends = []
    pagination_class = None  # a portfolio holds a few dozen images at most
    parser_classes = [MultiPartParser, FormParser]  # the only write with a body is an upload

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, made with no user
            return PortfolioImage.objects.none()
        return portfolio_of(creative=own_creative(self.request.user))

    @extend_schema(request={"multipart/form-data": PortfolioImageInput},
                   responses={201: PortfolioImageOutput})
    def create(self, request, *args, **kwargs):
        """Add an image at the end of your portfolio: stored re-encoded without metadata,
        with thumbnails."""
        creative = own_creative(request.user)
        serializer = PortfolioImageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            image = services.portfolio_image_add(creative=creative,
                                                 file=serializer.validated_data["image"],
                                                 caption=serializer.validated_data["caption"])
        except DjangoValidationError as error:
            raise_as_400(error)
        return Response(self.get_serializer(image).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.portfolio_image_remove(image=instance)
