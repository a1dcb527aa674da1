"""Anonymous reads of the public lists answered from the shared cache.

The public building and space lists are the same for every anonymous caller on a day: a
city's integrator polling them, a map refreshing. Answered each time, a list of 50 spaces
costs tens of milliseconds of queries and serialising; kept, it costs two round trips to the
cache.

Two halves:

- `PublicListCache`, on the viewsets, keeps what its list answers: the rendered JSON with the
  view's own headers, under the request's full address (its links to the next page name the
  host and scheme), language and day, together with the housing version
  (broedplaats/housing.py) read before the list was; every saved tenancy, space or building
  replaces that version.
- `PublicListCacheMiddleware` answers a request for a kept list before the view runs, once
  the URL is resolved: the version and the body come in one read, a body kept under another
  version is read again by the view (a letting shows at once), and the view's throttles count
  the call first (one more round trip; a call they refuse goes on to the view, which answers
  its 429). Skipping DRF's dispatch is what makes the kept answer cheap; every other
  middleware still handles it (security headers, CSP, language).

Only the plainest form of request is kept and served (`cacheable`): a GET with no credentials
(no Authorization header, no session cookie), asking for JSON with no options (no Accept
header, `*/*` or `application/json`; no `format`, in the query or as a suffix). Anything else
(a logged-in caller, the browsable API, `; indent=4`) is the view's, as before. What the
version does not follow (a photo added, a facility ticked, a write past the signals) shows
within `API_PUBLIC_CACHE_SECONDS` (60 by default; 0 switches the cache off).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from broedplaats.housing import VERSION_KEY, housing_version

# The Accept headers the kept JSON answers as the view would.
PLAIN_JSON = {"", "*/*", "application/json"}
# The view's own headers, kept with its body; the middleware around it add theirs again.
KEPT_HEADERS = ("Content-Type", "Vary", "Allow")


def cacheable(request: HttpRequest) -> bool:
    """Whether this (Django) request, its URL resolved, is of the form the cache keeps and
    answers: the view keeps what the middleware would serve, and nothing else."""
    return bool(
        settings.API_PUBLIC_CACHE_SECONDS
        and request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "format" not in request.GET
        and not request.resolver_match.kwargs.get("format")  # /api/spaces.json
        and request.META.get("HTTP_ACCEPT", "").strip() in PLAIN_JSON
    )


def cache_key(request: HttpRequest) -> str:
    parts = (request.build_absolute_uri(), get_language(), timezone.localdate().isoformat())
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return f"broedplaats:public-list:{digest}"


class PublicListCache:
    """For a read-only viewset of the day's public rows: its anonymous JSON list kept."""

    def list(self, request, *args, **kwargs):
        keep = cacheable(request._request) and not request.user.is_authenticated
        # Read before the rows: a change while they are read leaves them under the old version.
        version = housing_version() if keep else None
        response = super().list(request, *args, **kwargs)
        if keep and response.status_code == 200 and request.accepted_renderer.format == "json":
            key = cache_key(request._request)

            def store(rendered):
                headers = {name: rendered[name] for name in KEPT_HEADERS if name in rendered}
                kept = (version, headers, rendered.content)
                cache.set(key, kept, settings.API_PUBLIC_CACHE_SECONDS)

            response.add_post_render_callback(store)
        return response


class PublicListCacheMiddleware:
    """Answers a kept public list before its view runs (last in settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        viewset = getattr(view_func, "cls", None)
        if not (viewset is not None and issubclass(viewset, PublicListCache)
                and view_func.actions.get("get") == "list" and cacheable(request)):
            return None
        key = cache_key(request)
        found = cache.get_many([VERSION_KEY, key])
        kept = found.get(key)
        if kept is None or kept[0] != found.get(VERSION_KEY):
            return None
        for throttle_class in viewset.throttle_classes:
            if not throttle_class().allow_request(request, None):
                return None  # refused: the view says so, with its Retry-After
        _version, headers, body = kept
        response = HttpResponse(body)
        for name, value in headers.items():
            response[name] = value
        return response
