"""Reads of the place side: policies in force, buildings and spaces with what is free."""

from datetime import date

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, IsNull
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode

from broedplaats.models import (
    Building,
    City,
    Policy,
    PolicyRentCap,
    Space,
    SpacePhoto,
    Tenancy,
)
from chains.models import Stage


def policies_in_force(*, city, on) -> QuerySet[Policy]:
    """The city's policies valid on a date, the latest first; `city` and `on` may be
    OuterRefs (with_renewal_limit reads the policy of each tenancy's start)."""
    return (
        Policy.objects.filter(city=city, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
    )


def policy_in_force(*, city: City, on: date) -> Policy | None:
    """The city's policy valid on a date, or None when the city has none for that day."""
    return policies_in_force(city=city, on=on).prefetch_related("rent_caps").first()


def rent_cap_for(*, policy: Policy | None, space_kind: str) -> PolicyRentCap | None:
    if policy is None:
        return None
    return next((cap for cap in policy.rent_caps.all() if cap.space_kind == space_kind), None)


def running_on(on: date, prefix: str = "") -> Q:
    """A tenancy holds its space on a date (end dates are exclusive), as a Q on the tenancy
    or, with `prefix` ("tenancies__"), on a relation to it."""
    return Q(**{f"{prefix}start__lte": on}) & (
        Q(**{f"{prefix}actual_end__isnull": False, f"{prefix}actual_end__gt": on})
        | Q(**{f"{prefix}actual_end__isnull": True, f"{prefix}planned_end__gt": on})
    )


def tenancies_running(on: date) -> QuerySet[Tenancy]:
    """Tenancies that hold their space on a date (end dates are exclusive).

    The same condition as `running_on`, written as `start <= on AND COALESCE(actual_end,
    planned_end) > on`: in that form PostgreSQL reads the running tenancies from the index
    `tenancy_running` alone (only those not yet ended, about one a space), so "free now" over
    every space is one hashed anti-join, not a probe of each space's history
    (docs/benchmarks.md, "The building list and the API lists at scale 100").
    """
    return Tenancy.objects.filter(GreaterThan(Coalesce("actual_end", "planned_end"), on),
                                  start__lte=on)


def free_on(on: date) -> Q:
    """No tenancy holds the space on a date, as a Q on spaces: exactly
    `~Exists(tenancies_running(on).filter(space=OuterRef("pk")))`, found faster.

    The stored let period (`let_from`, `let_until`) is the running or next tenancy of the
    space as of `let_known_on`, and the database empties `let_known_on` whenever a tenancy of
    the space is written (migration 0017's trigger). So from that day on the period is the
    whole truth: no period, or one that begins later, is free without a look; a period that
    covers the day is let. Only the spaces it does not answer for (`let_unknown_on`: not known,
    known for a later day, or its tenancy ended) are checked against the running tenancies:
    after the nightly roll-over, none. At national scale "free now" is then the free spaces
    read by one index (docs/benchmarks.md, "A stored let period").
    """
    # A scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti-join that
    # hashes every running tenancy (28,088 at scale 100) before it looks at one space; this
    # it evaluates only for the spaces the period does not answer for, one probe each of the
    # index tenancy_space_until. A statement that plans further steps on how many spaces pass
    # (the finder) reads the two parts apart instead (`known_free_on`, `let_unknown_on`).
    running = (tenancies_running(on).filter(space=OuterRef("pk")).order_by()
               .values("space_id")[:1])
    return known_free_on(on) | (let_unknown_on(on) & Q(IsNull(Subquery(running), True)))


def known_free_on(on: date) -> Q:
    """Spaces whose stored let period says they are free on a date: known on or before it,
    with no period or one that begins after it."""
    return (Q(let_known_on__lte=on)
            & (Q(let_from__isnull=True) | Q(let_from__gt=on)))


def let_unknown_on(on: date) -> Q:
    """Spaces whose stored let period does not answer for a date: not known (never stored, or
    a tenancy written since), known only for a later day, or its tenancy ended by then. Only
    these need their tenancies read; the nightly roll-over stores them again."""
    return (Q(let_known_on__isnull=True) | Q(let_known_on__gt=on)
            | Q(let_until__lte=on))


def tenancies_overlapping(*, space: Space, start: date, end: date) -> QuerySet[Tenancy]:
    """Tenancies of a space whose [start, end) period meets the given one."""
    return (
        Tenancy.objects.filter(space=space, start__lt=end)
        .annotate(effective_end=Coalesce("actual_end", "planned_end"))
        .filter(effective_end__gt=start)
        .exclude(effective_end=F("start"))
    )


def space_is_free(*, space: Space, on: date) -> bool:
    return not space.archived and not tenancies_running(on).filter(space=space).exists()


def spaces_with_occupancy(on: date) -> QuerySet[Space]:
    """Spaces annotated with `is_let` (a tenancy holds it on the date)."""
    return Space.objects.annotate(
        is_let=Exists(tenancies_running(on).filter(space=OuterRef("pk")))
    )


def _per_building(spaces: QuerySet[Space], aggregate, output_field) -> Subquery:
    """One aggregate over a building's `spaces`, as a subquery correlated to the building row."""
    return Subquery(
        spaces.filter(building=OuterRef("pk")).order_by().values("building")
        .annotate(value=aggregate).values("value"),
        output_field=output_field,
    )


def building_list(*, on: date, include_archived: bool = False) -> QuerySet[Building]:
    """Buildings with their city, chain focus and counts of active and free spaces on a date.

    The counts are subqueries per building row, not a join over all spaces grouped by
    building: a count or a page of 24 then reads only the spaces of the rows it returns
    (docs/benchmarks.md, "The building list and the API lists at scale 100").
    """
    active = Space.objects.filter(archived=False)
    free = active.filter(free_on(on))
    qs = (
        Building.objects.select_related("city")
        .prefetch_related("chain_focus")
        .annotate(
            space_count=Coalesce(_per_building(active, Count("pk"), IntegerField()), 0),
            free_count=Coalesce(_per_building(free, Count("pk"), IntegerField()), 0),
            total_area=_per_building(active, Sum("area_m2"), Space._meta.get_field("area_m2")),
        )
        .order_by("city__name", "name")
    )
    if not include_archived:
        qs = qs.filter(archived=False)
    return qs


def _filters_over_related_rows(node) -> bool:
    """Whether a query's WHERE (or a part of it) holds a subquery, as Exists filters do."""
    if isinstance(node, (Subquery, Query)):  # Exists is a Subquery
        return True
    if isinstance(node, WhereNode):
        parts = node.children
    else:
        parts = getattr(node, "get_source_expressions", list)()
    return any(part is not None and _filters_over_related_rows(part) for part in parts)


class PagedByIds:
    """A list queryset for a Paginator that cuts the page over ids and reads only its rows in full.

    The page's rows are read by their ids (`WHERE id IN ...`) without the list's filters, so
    the annotations (counts, what is let) are computed for the rows shown only. The ids come
    one of two ways, each one query for the count and one for the page at any size:

    - With `ids_with_count` (the default), a list filtered over related rows (an Exists: free
      now, a stage, a facility, a chain) reads its total and the ids of its first `ahead` rows
      in one narrow query (`COUNT(*) OVER ()`, ids only, `LIMIT`): the filter is evaluated
      once, not for the count and again for the page. A page among those ids is read by them.
    - Otherwise, and for a page beyond the first `ahead` rows, `COUNT(*)` and a subquery that
      cuts the page's ids (the filters and order, `LIMIT`, `OFFSET`). For a list whose order
      an index gives (the spaces by building name and code) this is the cheaper way: the cut
      stops after the page's rows, where a window reads every row, and PostgreSQL then even
      probes every row along that index. Such a list passes `ids_with_count=False`
      (the API's space list does, but for "free now": `SpaceViewSet.ids_with_count`).
    """

    AHEAD = 200  # ids read with the count: the first pages of 24 (a page) or 50 (the API)

    def __init__(self, queryset: QuerySet, *, ids_with_count: bool = True, ahead: int = AHEAD):
        self.queryset = queryset
        self.ids_with_count = ids_with_count
        self.ahead = ahead
        self._total: int | None = None
        self._ids: list = []

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        if self._total is not None:
            return self._total
        query = self.queryset.query
        window = (self.ids_with_count and _filters_over_related_rows(query.where)
                  and not query.distinct and query.group_by is None)  # else it would miscount
        if not window:
            self._total = self.queryset.count()
            return self._total
        # The filter on the window, true of every row, makes Django read it in a subquery and
        # cut outside it: PostgreSQL then plans the subquery for all its rows, which the
        # window needs anyway. Cut in the same query it plans for the LIMIT's share of the
        # rows, as if the window could stop early, and may pick a nested loop that pays off
        # only then (229 ms instead of 4 for the 1,943 free spaces at scale 100).
        rows = list(self.queryset.annotate(paged_total=Window(Count("pk")))
                    .filter(paged_total__gt=0).values_list("pk", "paged_total")[:self.ahead])
        self._ids = [pk for pk, _total in rows]
        self._total = rows[0][1] if rows else 0
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self.queryset[key]
        known = self._ids if self._total is not None and key.step is None else []
        start, stop = key.start or 0, key.stop
        if known and (self._total <= len(known) or (stop is not None and stop <= len(known))):
            ids = known[start:stop]
            by_id = {row.pk: row for row in self._rows(ids).order_by()} if ids else {}
            return [by_id[pk] for pk in ids if pk in by_id]
        return list(self._rows(self.queryset.values("pk")[key]))

    def _rows(self, ids) -> QuerySet:
        """The rows of `ids` (a list or a subquery) with the list's joins, annotations,
        prefetches and order; the ids already meet the list's filters."""
        rows = self.queryset.all()
        rows.query.where = WhereNode()
        return rows.filter(pk__in=ids)


def city_list() -> QuerySet[City]:
    """Every city by name: where buildings, policies and pathways are."""
    return City.objects.order_by("name", "id")


def buildings_public() -> QuerySet[Building]:
    """Buildings shown to the public (not archived), with city and chain focus."""
    return Building.objects.filter(archived=False).select_related("city").prefetch_related(
        "chain_focus"
    )


def building_spaces(*, building: Building, on: date, photos: bool = False) -> QuerySet[Space]:
    """A building's active spaces with facilities, stages and whether each is let on a date;
    with `photos`, their photos in order too."""
    spaces = (
        spaces_with_occupancy(on)
        .filter(building=building, archived=False)
        .prefetch_related("facilities", Prefetch("stages", queryset=Stage.objects.order_by("order")))
        .order_by("code")
    )
    return spaces.prefetch_related(space_photos_prefetch()) if photos else spaces


def space_photos_prefetch() -> Prefetch:
    """A space's photos in their order, for prefetch_related."""
    return Prefetch("photos", queryset=SpacePhoto.objects.order_by("position", "id"))


def building_chain_stages(*, building: Building) -> list[dict]:
    """Which stages of which chains a building houses.

    A chain is housed when it is in the building's chain focus; a stage of it is housed
    when some active space serves that stage. Rows: chain, then one flag per stage.
    """
    stages = list(Stage.objects.order_by("order"))
    served = set(
        Space.objects.filter(building=building, archived=False)
        .values_list("stages__pk", flat=True)
        .distinct()
    )
    return [
        {"chain": chain, "stages": [(stage, stage.pk in served) for stage in stages]}
        for chain in building.chain_focus.all()
    ]


def space_detail_public(*, on: date) -> QuerySet[Space]:
    """space_list's spaces, each with its photos in order: for reading one."""
    return space_list(on=on).prefetch_related(space_photos_prefetch())


def space_list(*, on: date) -> QuerySet[Space]:
    """All active spaces with building, city, facilities, stages and `is_let` on a date."""
    return (
        spaces_with_occupancy(on)
        .filter(archived=False, building__archived=False)
        .select_related("building__city")
        .prefetch_related("facilities", "stages")
        .order_by("building__name", "code")
    )


def tenancies_running_of(*, creative, on: date) -> QuerySet[Tenancy]:
    """The creative's tenancies that hold a space on a date, with space, building and city."""
    return (tenancies_running(on).filter(creative=creative)
            .select_related("space__building__city").order_by("start", "id"))


def spaces_with_tenants(spaces: QuerySet[Space], *, on: date) -> list[Space]:
    """`spaces` read with their tenancies not yet ended on a date (tenant joined), in two
    queries for any number: each space gets `tenancy` (the one holding it on the date, if
    any) and `next_tenancy` (the first one booked to start after it, if any)."""
    ahead = (Tenancy.objects.annotate(until=Coalesce("actual_end", "planned_end"))
             .filter(until__gt=on).select_related("creative").order_by("start", "id"))
    rows = list(spaces.prefetch_related(Prefetch("tenancies", queryset=ahead,
                                                 to_attr="tenancies_ahead")))
    for space in rows:
        space.tenancy = next((t for t in space.tenancies_ahead if t.start <= on), None)
        space.next_tenancy = next((t for t in space.tenancies_ahead if t.start > on), None)
    return rows


def buildings_run_by(user) -> QuerySet[Building]:
    return Building.objects.filter(programmers=user).select_related("city")


def cities_watched_by(user) -> QuerySet[City]:
    return City.objects.filter(bureau_members=user)


def city_occupancy(*, cities: QuerySet[City], on: date) -> list[dict]:
    """Per city: active spaces, spaces let on a date, their m², and the occupancy share."""
    running = tenancies_running(on).filter(space=OuterRef("pk"))
    rows = (
        Space.objects.filter(building__city__in=cities, archived=False, building__archived=False)
        .annotate(is_let=Exists(running))
        .values("building__city__name")
        .annotate(
            spaces=Count("pk"),
            let=Count("pk", filter=Q(is_let=True)),
            area=Sum("area_m2"),
            let_area=Sum("area_m2", filter=Q(is_let=True)),
        )
        .order_by("building__city__name")
    )
    return [
        {**row, "occupancy": round(100 * row["let"] / row["spaces"]) if row["spaces"] else 0}
        for row in rows
    ]
