"""A creative's own data over the API: download it all (`GET /api/me/export/`, a zip) or erase
the account (`POST /api/me/erase/` with the password). The same selector and service as the
privacy page (broedplaats.views.privacy); no id in the path, so only one's own.
"""

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from broedplaats.api.errors import service_errors
from broedplaats.api.serializers.privacy import ErasureInput
from broedplaats.models import ErasureRequest
from broedplaats.permissions import IsCreative
from broedplaats.services import creative_erase
from broedplaats.views.privacy import export_response
from chains.api.profile import own_creative


class MyExportView(GenericAPIView):
    """Everything held about you as a zip: `data.json` (profile, account, portfolio,
    applications with their status changes and notes, offers, screenings, tenancies, stage
    moves, API tokens without their keys) and your portfolio's images under `images/`."""

    permission_classes = [IsCreative]
    serializer_class = None

    def perform_content_negotiation(self, request, force=False):
        # The zip is the answer whatever `Accept` says; an error is JSON, as everywhere.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(
        response=OpenApiTypes.BINARY, description="A zip file: data.json and images/.")})
    def get(self, request):
        return export_response(own_creative(request.user))


class MyErasureView(GenericAPIView):
    """Erase your account and your personal data for good, confirmed with your password. What
    the city's figures count stays without your name (docs/privacy.md). Your tokens and
    sessions end: this is the last call they make."""

    permission_classes = [IsCreative]
    serializer_class = ErasureInput

    @extend_schema(request=ErasureInput, responses={
        204: OpenApiResponse(description="Erased."),
        400: OpenApiResponse(description="The password is missing or wrong."),
    })
    def post(self, request):
        creative = own_creative(request.user)
        serializer = ErasureInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        # As the token log-in: the HttpRequest, so a lock-out counts these attempts too.
        if authenticate(request=request._request, username=request.user.get_username(),
                        password=serializer.validated_data["password"]) is None:
            raise ValidationError({"password": [_("This is not your password.")]})
        with service_errors():
            creative_erase(creative=creative, by=request.user, at=timezone.now(),
                           requested=ErasureRequest.SELF)
        return Response(status=status.HTTP_204_NO_CONTENT)
