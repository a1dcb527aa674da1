"""`Idempotency-Key` on the API's writes that a client may well send twice: making and
submitting an application, accepting and declining an offer.

A client that lost the answer to a POST (a timeout, a dropped connection) cannot know whether
the write happened. With the header (any string of its own, e.g. a UUID, new for each new
request) it sends the same request again and gets the same answer, marked
`Idempotent-Replayed: true`, and the write is done once. Without the header these writes are
still done at most once by the rules themselves (one active application per call or list, an
offer answered once), but the repeat is answered with the refusal, not the first answer.

The answer is kept in the database (`IdempotentRequest`), in the same transaction as the
write, not in the cache: a key and its write are committed together or not at all, every
worker sees them, and the unique (user, key) constraint makes a second request with the key at
the same moment wait for the first and then replay its answer. Kept for 24 hours, per user;
only successes are kept (a refused request changes nothing, and a repeat is refused again or
goes through if the refusal no longer holds). The same key with another method, path or body
is refused (400). As the IETF draft "The Idempotency-Key HTTP Header Field" and Stripe's API.
"""

import functools
import hashlib
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from broedplaats.api.errors import from_django
from broedplaats.services.accounts import idempotent_run

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255

PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Any string of yours (e.g. a UUID), new for each new request, at most 255 "
                "printable ASCII characters. A repeat of the request with the same key within "
                "24 hours gets the first success again, with `Idempotent-Replayed: true`, "
                "and the write is done once.")


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [_(
            "The Idempotency-Key header must be 1 to 255 printable ASCII characters.")]})
    return key


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # a form body (QueryDict): every value of every field
        data = dict(data.lists())
    text = json.dumps([request.method, request.path, data], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(action):
    """An API view's write method, answered once per `Idempotency-Key` (see above). It runs
    after authentication and permissions, so the key is the authenticated user's. Above
    `@action`, so that the header's schema parameter is the action's."""

    @functools.wraps(action)
    def wrapper(self, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return action(self, request, *args, **kwargs)

        def run():
            response = action(self, request, *args, **kwargs)
            # As the client will read it: JSON, decimals and dates as the renderer writes them.
            return response.status_code, json.loads(JSONRenderer().render(response.data) or "null")

        try:
            status, body, replayed = idempotent_run(
                user=request.user, key=key, fingerprint=_fingerprint(request),
                now=timezone.now(), run=run)
        except DjangoValidationError as error:
            raise from_django(error) from error
        response = Response(body, status=status)
        if replayed:
            response[REPLAYED] = "true"
        return response

    return extend_schema(parameters=[PARAMETER])(wrapper)
