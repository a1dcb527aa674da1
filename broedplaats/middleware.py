"""Input at the edge: a NUL character (a zero byte) never gets past the first middleware.

PostgreSQL text cannot hold NUL, so a NUL that reached a query (a slug in the path, a filter
in the query string, a field of a form or of a JSON body, a session cookie, a token in the
Authorization header) failed there as a 500. No address, header or field of this site means
anything with one, so the request is refused as a whole, once, before any view, form,
serializer or session reads it: on pages and in the API alike, whatever the URL.
docs/architecture.md ("Input at the edge and invariants in the database") says why here.
"""

import json
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.settings import api_settings

NUL = "\x00"
API_PREFIX = "/api/"  # broedplaats.urls: the API answers in JSON, also when it refuses
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _strings(value) -> Iterator[str]:
    """Every string in a parsed JSON document, keys included; iterative, so a deeply nested
    document that json could parse cannot exhaust the stack here."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _form(request: HttpRequest):
    """The form fields and files of a form body, for any method.

    Django parses a form body only for POST; DRF parses PUT and PATCH itself. Parsed here as
    if POSTed, the fields are checked once for every method, and DRF reuses what Django
    parsed (request.POST and FILES, or the cached body) instead of reading the stream again.
    A malformed body raises as it would in CsrfViewMiddleware: Django answers 400."""
    if request.method == "POST":
        return request.POST, request.FILES
    method, request.method = request.method, "POST"
    try:
        return request.POST, request.FILES
    finally:
        request.method = method


def _json(request: HttpRequest):
    """The parsed JSON body, or None when it is not JSON (the view refuses that itself)."""
    try:
        return json.loads(request.body.decode(request.encoding or "utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def has_nul(request: HttpRequest) -> bool:
    """Whether a NUL is anywhere a view could read it: the path, the query string (decoded),
    a header or cookie, a form field's name or value, an uploaded file's name, or any string
    of a JSON body, keys too. File contents are bytes and may hold NULs: not looked at."""
    if NUL in request.path or NUL in request.path_info:
        return True
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            return True
    for key, value in request.META.items():
        if (key.startswith("HTTP_") or key.startswith("CONTENT_")) and isinstance(value, str) \
                and NUL in value:
            return True
    if _content_length(request) == 0:
        return False  # no body: nothing more to read (DRF reads none either)
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        fields, files = _form(request)
        for key, values in fields.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
        for key, uploads in files.lists():
            if NUL in key or any(NUL in (upload.name or "") for upload in uploads):
                return True
    elif content_type == "application/json" or content_type.endswith("+json"):
        return any(NUL in text for text in _strings(_json(request)))
    return False


def refusal(request: HttpRequest) -> HttpResponse:
    """400 with a message in the user's language: under /api/ JSON in the shape of every other
    400 there (`{"non_field_errors": [...]}`, the schema's `FieldErrors`), elsewhere the
    site's 400 page. This middleware runs before LocaleMiddleware and the session,
    so the language comes from the request's cookie or Accept-Language header, and the page
    is rendered without the request, as Django's own 400 page is."""
    with translation.override(translation.get_language_from_request(request)):
        message = gettext("The request contains a NUL character (a zero byte). No address, "
                          "search or form field may contain one.")
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({api_settings.NON_FIELD_ERRORS_KEY: [message]}, status=400)
        return HttpResponseBadRequest(loader.get_template("400.html").render({"reason": message}))


class RefuseNulMiddleware:
    """Answer 400 to any request with a NUL in it, before anything else reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return refusal(request)
        return self.get_response(request)
