"""A health check for load balancers and uptime monitors: `/healthz` answers "ok".

It reads nothing (no database, no session, no user), so it measures the process and the web
server alone: a load balancer keeps sending to a worker that can answer, and the 503 pages
(broedplaats/unavailable.py) say when the database is what is down. bench/load.sh uses it as
the floor: the fastest any page of this deployment can be.
"""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
