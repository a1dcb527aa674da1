"""Anonymous reads of the public lists answered from the shared cache.

The public building and space lists are the same for every anonymous caller on a day: a
city's integrator polling them, a map refreshing. Answered each time, a list of 50 spaces
costs tens of milliseconds of queries and serialising; kept, it costs a cache read. The
rendered JSON is kept under the request's full address, language and day, together with the
housing version (broedplaats/housing.py) it was read under; every saved tenancy, space or
building replaces that version, and a body kept under another one is read again: a letting
shows at once. The version and the body come in one round trip to the cache. What the
version does not follow (a photo added, a facility ticked, a write past the signals) shows
within `API_PUBLIC_CACHE_SECONDS` (60 by default; 0 switches the cache off). Logged-in
callers, other formats (the browsable API) and every other action are answered as before.
The throttles still count each call: they run before the list.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from broedplaats.housing import VERSION_KEY, housing_version

CONTENT_TYPE = "application/json"


class PublicListCache:
    """For a read-only viewset with a day (`on`): its anonymous JSON list from the cache."""

    def list(self, request, *args, **kwargs):
        seconds = settings.API_PUBLIC_CACHE_SECONDS
        if (not seconds or request.user.is_authenticated
                or request.accepted_renderer.format != "json"):
            return super().list(request, *args, **kwargs)
        key = self._public_cache_key(request)
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or housing_version()
        kept_version, body = found.get(key, (None, None))
        if kept_version == version:
            return HttpResponse(body, content_type=CONTENT_TYPE)
        response = super().list(request, *args, **kwargs)
        if response.status_code == 200:
            response.add_post_render_callback(
                lambda rendered: cache.set(key, (version, rendered.content), seconds))
        return response

    def _public_cache_key(self, request) -> str:
        # The whole address: the body's links to the next and previous pages name the host
        # and scheme it was asked by.
        parts = (type(self).__name__, request.build_absolute_uri(), get_language(),
                 self.on.isoformat())
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        return f"broedplaats:public-list:{digest}"
