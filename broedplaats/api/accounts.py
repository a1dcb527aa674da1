"""A user's personal API tokens over the API: log in with a password to make a named,
expiring token (`/api/token/`), list one's own tokens and revoke one (`/api/me/tokens/`).

The password is checked by django.contrib.auth.authenticate with the request, so every
authentication backend (brute-force lockout included) sees the API's log-ins as the pages'.
"""

from functools import cached_property

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from broedplaats.api.allocation import service_errors
from broedplaats.api.serializers.accounts import (
    TokenCreatedOutput,
    TokenLoginInput,
    TokenOutput,
)
from broedplaats.selectors.accounts import api_tokens_of
from broedplaats.services import api_token_create, api_token_revoke


class TokenLoginView(GenericAPIView):
    """Log in with username and password to make a named token that expires on the day you
    choose (within a year). The key is in the answer once; send it as
    `Authorization: Token <key>`."""

    permission_classes = [AllowAny]
    # Nothing to authenticate but the password: a session cookie must not make this a
    # CSRF-checked request, nor a stale token refuse it.
    authentication_classes = []
    serializer_class = TokenLoginInput

    @extend_schema(request=TokenLoginInput, responses={
        201: TokenCreatedOutput,
        400: OpenApiResponse(description="A field is missing or wrong, or the username and "
                                         "password do not match an active account."),
    })
    def post(self, request):
        serializer = TokenLoginInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The HttpRequest itself, as the log-in page passes it, so that backends which look at
        # it (the client's address for a lockout) see the same thing.
        user = authenticate(request=request._request, username=data["username"],
                            password=data["password"])
        if user is None:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [
                _("Unable to log in with this username and password.")]})
        with service_errors():
            token, key = api_token_create(user=user, name=data["name"],
                                          expires_on=data["expires_on"],
                                          on=timezone.localdate())
        token.key = key
        return Response(TokenCreatedOutput(token).data, status=status.HTTP_201_CREATED)


class MyTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own API tokens, newest first, with their state today (never their keys); revoke
    one."""

    permission_classes = [IsAuthenticated]
    serializer_class = TokenOutput
    filter_backends = []

    @cached_property
    def on(self):
        return timezone.localdate()

    def get_queryset(self):
        return api_tokens_of(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "on": self.on}

    @extend_schema(request=None, responses=TokenOutput)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token: it is refused from now on (revoking it again changes nothing)."""
        token = api_token_revoke(token=self.get_object(), at=timezone.now())
        return Response(self.get_serializer(token).data)
