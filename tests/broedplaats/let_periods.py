"""What the let period tests share: "free now" read from the tenancies themselves, and read
as the app reads it (selectors.free_on, through the stored let periods)."""

from datetime import date

from django.db.models import Exists, OuterRef

from broedplaats.models import Space
from broedplaats.selectors import free_on, tenancies_running


def exactly_free(on: date) -> set[int]:
    """The spaces no running tenancy holds on a date, found without the stored periods."""
    running = tenancies_running(on).filter(space=OuterRef("pk"))
    return set(Space.objects.exclude(Exists(running)).values_list("pk", flat=True))


def free_by_stored_period(on: date) -> set[int]:
    """The spaces "free now" finds on a date."""
    return set(Space.objects.filter(free_on(on)).values_list("pk", flat=True))
