"""How the API answers when it does not answer with data: one handler for every view.

Every error is JSON, in one of two shapes (DRF's own, so clients written against it keep
working), and the schema documents both (`broedplaats.api.schema`):

- `{"detail": "..."}`: 401, 403, 404, 405, 406, 415, 429 and 500;
- `{"<field>": ["..."], "non_field_errors": ["..."]}`: 400 (a body that cannot be parsed too,
  under `non_field_errors`), and 409 when the refusal is that the space is let or promised in
  the period (`services.places.SPACE_TAKEN`).

A service's Django ValidationError becomes that 400 (or 409) wherever it is raised, with its
field keys and messages; an unexpected exception is logged as Django logs it and answered
with a JSON 500, never the HTML page.
"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.core import signals
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from broedplaats.services.places import SPACE_TAKEN
from broedplaats.unavailable import database_unavailable, is_database_down

logger = logging.getLogger("django.request")

# Codes of service refusals that are about the current state of a space, not the input.
CONFLICT_CODES = frozenset({SPACE_TAKEN})


class Conflict(exceptions.ValidationError):
    """The request is well formed, but the space is let or promised in the period."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The space is taken in this period.")
    default_code = "conflict"


def field_errors(errors: dict) -> dict:
    """Django's error dict with DRF's key for errors of the whole input (`non_field_errors`)."""
    return {api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key: messages
            for key, messages in errors.items()}


def from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API's 400 (409 when every error is a conflict)."""
    if hasattr(error, "error_dict"):
        detail = field_errors(error.message_dict)
        codes = {item.code for items in error.error_dict.values() for item in items}
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
        codes = {item.code for item in error.error_list}
    if codes and codes <= CONFLICT_CODES:
        return Conflict(detail)
    return exceptions.ValidationError(detail)


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn a service's Django ValidationError into the API's 400 or 409 right away.

    The exception handler does the same for any view; this keeps the conversion next to the
    service call, where a view may still want to catch the DRF error."""
    try:
        yield
    except DjangoValidationError as error:
        raise from_django(error) from error


def form_errors(form) -> exceptions.ValidationError:
    """A Django form's errors (a query parsed by a page's form) as the API's 400."""
    return exceptions.ValidationError(field_errors(
        {key: [str(message) for message in messages] for key, messages in form.errors.items()}))


def api_exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors as 400/409 and anything else as JSON 500."""
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, exceptions.ParseError):
        # A body that cannot be read is refused input like any other: the 400 shape.
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [exc.detail]})
    response = exception_handler(exc, context)
    if response is not None:
        return response
    request = context.get("request")
    if is_database_down(exc):  # an outage, not a bug: 503 (broedplaats/unavailable.py)
        return database_unavailable(getattr(request, "_request", request), exc)
    # As Django's own handler does: log with the traceback (and mail the admins), and tell
    # listeners such as the test client, which then raises the exception in the test.
    logger.error("Internal Server Error: %s", getattr(request, "path", ""), exc_info=exc,
                 extra={"status_code": 500, "request": getattr(request, "_request", request)})
    signals.got_request_exception.send(sender=None, request=getattr(request, "_request", None))
    return server_error_response()


def server_error_response() -> JsonResponse:
    return JsonResponse({"detail": _("A server error occurred.")}, status=500)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Every path under /api/ that no endpoint answers: a JSON 404 for any method."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def dispatch(self, request, *args, **kwargs):
        # Every method, OPTIONS included, is answered by the same 404.
        self.http_method_names = [request.method.lower()]
        setattr(self, request.method.lower(), self.not_found)
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.has_header("Allow"):  # no method is allowed on a path that is not there
            del response["Allow"]
        return response

    def not_found(self, request, *args, **kwargs):
        if not request.path.endswith("/"):
            raise exceptions.NotFound(_("Not found. The API's paths end in a slash."))
        raise exceptions.NotFound()


def server_error(request):
    """The site's handler500: JSON under /api/ (an error outside any API view, such as in a
    middleware), the HTML page elsewhere; a lost database is the 503 instead. Django calls
    it while handling the exception, so `sys.exc_info()` holds it."""
    error = sys.exc_info()[1]
    if is_database_down(error):
        return database_unavailable(request, error)
    if request.path_info.startswith("/api/"):
        return server_error_response()
    return defaults.server_error(request)
