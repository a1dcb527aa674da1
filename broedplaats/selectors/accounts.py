"""Reads of a user's own account: their personal API tokens."""

from django.db.models import QuerySet

from broedplaats.models import ApiToken


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (revoked and expired ones too); none for anonymous."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_for_key(key: str) -> ApiToken | None:
    """The token a presented key belongs to, with its user, whatever its state; None for a key
    no token has. Found by the key's hash, so the key itself is never compared or stored."""
    return ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_of(key)).first()
