"""Who is housed where, as the finder reads it: a version in the shared cache.

The finder ranks a building higher when the creative would complete its chain there: the
chain is in the building's focus and no tenant of that chain is in the creative's stage today.
Which buildings house a chain's stage is a read over every running tenancy of the chain and
each tenant's current stage (about 13 ms at national scale, `docs/benchmarks.md`), the same
for every visitor on a day. `selectors.finder.housed_buildings` therefore keeps it in the
default cache, keyed by this version, the chain, the stage and the day.

The version changes whenever a row it is read from is saved: a tenancy, a stage move, a
creative (their discipline), a space (its building), a building or its chain focus, a
discipline (its chain). Not a business rule but cache invalidation, so it hangs on Django's
`post_save` and `m2m_changed` signals (which see the services, the admin and scripts alike)
rather than on each service. Deleting cannot change the reading: tenancies and stage moves
are never deleted (the admin refuses; they count in the dashboards), and a creative, space
or building with either is protected from deletion; no `post_delete` receiver, which would
make Django fetch every row of a bulk delete to signal it. A write that bypasses the
signals (`QuerySet.update`, `bulk_create`, a bulk delete) must call `housing_changed`
itself, as `seed_demo` does. The version is bumped at once (so the same
transaction reads its own writes) and again when the transaction commits (so a read that ran
meanwhile, seeing the old rows, cannot leave them under the new version).

The cache must be shared by every process that serves pages (settings.CACHES): a version
bumped in one process is then seen by all.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save

VERSION_KEY = "broedplaats:housing-version"


def housing_version() -> str:
    """The current version; a new one when the cache holds none (after a restart or a
    clear, so nothing stored under an older one can be read again)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def housing_changed() -> None:
    """Who is housed where may have changed: every stored reading is stale from now on."""
    _bump()
    transaction.on_commit(_bump)


def _changed(sender, **kwargs) -> None:
    housing_changed()


def _focus_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        housing_changed()


def connect_signals() -> None:
    """Called once from the app's `ready`."""
    from broedplaats.models import Building, Space, Tenancy
    from chains.models import Creative, Discipline, StageMove

    for model in (Tenancy, StageMove, Creative, Space, Building, Discipline):
        post_save.connect(_changed, sender=model,
                          dispatch_uid=f"broedplaats_housing_{model._meta.label_lower}")
    m2m_changed.connect(_focus_changed, sender=Building.chain_focus.through,
                        dispatch_uid="broedplaats_housing_focus")
