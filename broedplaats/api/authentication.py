"""API authentication by personal token: `Authorization: Token <key>` (or `Bearer <key>`).

The token is found by its key's hash (broedplaats.selectors.accounts); an unknown, revoked or
expired token, or one of an inactive account, is refused with 401 and a reason. Listed first in
DEFAULT_AUTHENTICATION_CLASSES, so a refused or missing credential answers 401 with a
`WWW-Authenticate: Token` challenge.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from broedplaats.selectors.accounts import api_token_for_key
from broedplaats.services import api_token_touch
from chains.formatting import long_date

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # another scheme, or none: not ours to refuse
        if len(parts) != 2:
            raise AuthenticationFailed(_("Give the token after “Token ”, as one word."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("This token is not known.")) from None
        token = api_token_for_key(key)
        if token is None:
            raise AuthenticationFailed(_("This token is not known."))
        today = timezone.localdate()
        state = token.state_on(today)
        if state == "revoked":
            raise AuthenticationFailed(_("This token is revoked."))
        if state == "expired":
            raise AuthenticationFailed(_("This token expired on %(date)s.")
                                       % {"date": long_date(token.expires_on)})
        if not token.user.is_active:
            raise AuthenticationFailed(_("This account is not active."))
        api_token_touch(token=token, at=timezone.now())
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the schema: a header `Authorization: Token <key>`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization",
                                                   token_prefix="Token")
