"""When the database cannot be reached: a 503 that says "try again shortly", never a 500.

A lost database is an outage, not a bug: PostgreSQL restarting, a fail-over, the connection
limit reached, a network cut. Every request then fails with Django's `OperationalError` or
`InterfaceError` (connecting, or on a connection the server closed mid-request). The answer is
503 Service Unavailable with `Retry-After`, the site's page in the user's language on pages and
`{"detail": ...}` under /api/ (the API's shape for errors that name no field), from three
places that together see every such failure:

- `DatabaseUnavailableMiddleware.process_exception`: a page's view (and what it renders);
- `api.errors.api_exception_handler`: an API view (DRF catches its exceptions itself);
- `api.errors.server_error` (handler500): a middleware (the session saved on the way out).

Nothing here touches the database: the page is rendered without the request, so no context
processor reads the user or the session, and the language comes from the request's cookie or
Accept-Language header. Once the database is back the next request succeeds without a restart:
Django drops a broken connection at the end of the request it failed in and, with
CONN_HEALTH_CHECKS, checks a persistent one before reusing it (tests/test_database_down.py).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext

from broedplaats.middleware import API_PREFIX

logger = logging.getLogger("broedplaats.unavailable")

RETRY_AFTER_SECONDS = 30  # a restart or fail-over of PostgreSQL takes seconds, not minutes


def is_database_down(error: BaseException | None) -> bool:
    """Whether an exception means the database could not answer at all (no connection, a
    connection lost), rather than refusing a query. Both are Django's wrappers of the
    driver's errors, whatever the backend (SQLite's "database is locked" is one too)."""
    return isinstance(error, (OperationalError, InterfaceError))


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, the site's 503 page elsewhere."""
    logger.error("Database unavailable: %s %s (%s: %s)", request.method, request.path,
                 type(error).__name__, str(error).strip().splitlines()[0] if str(error) else "")
    with translation.override(translation.get_language_from_request(request)):
        if request.path_info.startswith(API_PREFIX):
            response = JsonResponse({"detail": gettext(
                "The service is unavailable for a moment. Please try again shortly.")},
                status=503)
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer a view's lost database with the 503 instead of the 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_database_down(exception):
            return database_unavailable(request, exception)
        return None
