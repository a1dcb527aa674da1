"""Writing a planned unit, without model instances: every row goes in as a tuple in the
model's own columns (`Columns`). Rows other rows point at (buildings, spaces, creatives,
tenancies, applications) go in at once with `INSERT ... RETURNING` for their keys; the many
rows nothing points at (stage moves, status changes, screenings, offers, social return,
links) are collected and written in batches, with COPY on PostgreSQL and `executemany`
elsewhere. Measured at `--scale 10` on PostgreSQL this takes a third of the time of
`bulk_create`, whose cost is Django preparing every value of every instance.

It also keeps the historical times the plan gives: Django fills `auto_now_add` fields with the
current time on every insert, `bulk_create` included, whatever the instance holds, and setting
them back afterwards (`bulk_update`, or one `UPDATE ... FROM (VALUES ...)` a batch) cost more
than the insert itself. Nothing goes round the database: it checks every constraint and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from broedplaats.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Building,
    City,
    Offer,
    OfferStatus,
    Screening,
    SocialReturn,
    Space,
    Tenancy,
)
from broedplaats.services import add_months
from chains.models import Creative, StageMove

from .records import list_opens
from .reference import NOON, PolicySpec
from .simulation import UnitPlan

S = ApplicationStatus
# The time of day each status change is recorded at, so that changes on one day keep their
# order: submitted at noon, screened (eligible) at one, offered at two, answered at three.
STATUS_TIMES = {S.SUBMITTED: NOON, S.ELIGIBLE: time(13), S.OFFERED: time(14),
                S.ACCEPTED: time(15), S.WITHDRAWN: time(15)}
@cache
def at(day: int, clock: time = NOON) -> datetime:
    """A day ordinal at a time of day in Amsterdam, as the same moment in UTC (what the
    database stores): a fixed time keeps the demo repeatable. Cached: a few thousand days come
    back again and again, and time zone arithmetic is the slow part."""
    return timezone.make_aware(datetime.combine(date.fromordinal(day), clock)).astimezone(UTC)


class Columns:
    """A model's columns for `insert_rows`: every concrete field but the key, in order, with
    the value a field gets when none is given (its default, as `Model.__init__` gives it)."""

    def __init__(self, model: type[Model]):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.names = frozenset(f.attname for f in self.fields)

    def row(self, values: dict) -> tuple:
        if not values.keys() <= self.names:
            unknown = ", ".join(sorted(values.keys() - self.names))
            raise TypeError(f"{self.model.__name__} has no column {unknown}")
        return tuple(values[f.attname] if f.attname in values else f.get_default()
                     for f in self.fields)


def _prepared(columns: Columns, rows: list[tuple]) -> list[tuple]:
    """The values as the database adapter takes them. psycopg adapts Python values itself; for
    SQLite, Django registers adapters for dates and decimals, and only aware datetimes need
    their field (SQLite stores them naive, in UTC); other backends get every value prepared by
    its field."""
    if connection.vendor == "postgresql":
        return rows
    prepare = [f.get_internal_type() == "DateTimeField" or connection.vendor != "sqlite"
               for f in columns.fields]
    if not any(prepare):
        return rows
    fields = columns.fields
    return [tuple(f.get_db_prep_save(value, connection) if p else value
                  for f, p, value in zip(fields, prepare, row, strict=True)) for row in rows]


def insert_returning(columns: Columns, rows: list[tuple]) -> list[int]:
    """Insert rows (tuples in `columns` order) and return their keys in the same order, with
    multi-row `INSERT ... RETURNING` as `bulk_create` does (PostgreSQL, SQLite 3.35+)."""
    quote = connection.ops.quote_name
    table = quote(columns.model._meta.db_table)
    names = ", ".join(quote(f.column) for f in columns.fields)
    pk = quote(columns.model._meta.pk.column)
    mark = "(" + ", ".join(["%s"] * len(columns.fields)) + ")"
    size = min(1000, (connection.features.max_query_params or 60_000) // len(columns.fields))
    keys = []
    with connection.cursor() as cursor:
        for first in range(0, len(rows), size):
            batch = _prepared(columns, rows[first:first + size])
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([mark] * len(batch))} "
                           f"RETURNING {pk}", [value for row in batch for value in row])
            keys += [key for (key,) in cursor.fetchall()]
    return keys


def insert_rows(columns: Columns, rows: list[tuple]) -> None:
    """Insert rows (tuples in `columns` order) without model instances: COPY on PostgreSQL,
    which takes the Python values as they are, elsewhere `executemany` with the values
    prepared by their fields. No `save()`, no signals, and `auto_now_add` fields keep the
    value given; the database still checks every constraint."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(columns.model._meta.db_table)
    names = ", ".join(quote(f.column) for f in columns.fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns.fields))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                           _prepared(columns, rows))


class Writer:
    """Writes the rows others point at at once (`insert`, which returns their keys) and
    collects the other rows (`add`), written in batches (`flush`)."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.columns: dict[type, Columns] = {}
        self.buffers: dict[type, list[tuple]] = {}

    def table(self, model: type[Model]) -> Columns:
        return self.columns.get(model) or self.columns.setdefault(model, Columns(model))

    def insert(self, model: type[Model], rows: list[dict]) -> list[int]:
        columns = self.table(model)
        return insert_returning(columns, [columns.row(values) for values in rows])

    def add(self, model: type[Model], **values) -> None:
        columns = self.table(model)
        buffer = self.buffers.setdefault(model, [])
        buffer.append(columns.row(values))
        if len(buffer) >= self.batch_size:
            self.flush(model)

    def flush(self, model: type | None = None) -> None:
        for key in [model] if model else list(self.buffers):
            insert_rows(self.columns[key], self.buffers.pop(key, []))


@dataclass
class Refs:
    """Primary keys of the rows the units point at."""

    stages: dict[str, int]
    facilities: dict[str, int]
    chains: dict[str, int]
    disciplines: list[tuple[int, str, str]]  # pk, chain slug, Dutch name
    cities: dict[str, City]
    policies: dict[tuple[str, date], int] = field(default_factory=dict)  # (city, valid from)
    programmer_id: int | None = None
    programmer_buildings: set[int] = field(default_factory=set)

    def policy(self, city_slug: str, spec: PolicySpec) -> int:
        return self.policies[city_slug, spec.valid_from]


def write_unit(plan: UnitPlan, refs: Refs, writer: Writer) -> None:
    """Write one planned unit: parents at once (their keys are needed), the rest collected."""
    keys = writer.insert(Building, [dict(
        city_id=refs.cities[b.city.slug].pk, name=b.name, slug=b.slug, description=b.description,
        address=b.address, postcode=b.postcode, latitude=b.latitude, longitude=b.longitude,
        operator_name=b.operator_name, operator_kind=b.operator_kind, cluster_type=b.cluster_type,
        temporary_until=b.temporary_until, created_at=at(list_opens(b)),
    ) for b in plan.buildings])
    for key, b in zip(keys, plan.buildings, strict=True):
        b.pk = key
        for chain in b.chains:
            writer.add(Building.chain_focus.through, building_id=b.pk, chain_id=refs.chains[chain])
        if b.programmed:
            refs.programmer_buildings.add(b.pk)
            writer.add(Building.programmers.through, building_id=b.pk, user_id=refs.programmer_id)

    keys = writer.insert(Space, [dict(
        building_id=s.building.pk, code=s.code, kind=s.kind, area_m2=s.area,
        monthly_rent=s.monthly_rent, rent_exception_reason=s.exception,
    ) for s in plan.spaces])
    for key, s in zip(keys, plan.spaces, strict=True):
        s.pk = key
        for code in s.facilities:
            writer.add(Space.facilities.through, space_id=s.pk, facility_id=refs.facilities[code])
        for code in s.stages:
            writer.add(Space.stages.through, space_id=s.pk, stage_id=refs.stages[code])

    keys = writer.insert(Creative, [dict(
        name=c.name, kind=c.kind, kvk_number=c.kvk, discipline_id=refs.disciplines[c.discipline][0],
        email=c.email, phone=c.phone, website=c.website, bio=c.bio, archived=c.archived,
        created_at=at(c.timeline[0][0]),
    ) for c in plan.creatives])
    for key, c in zip(keys, plan.creatives, strict=True):
        c.pk = key

    stages, programmer = refs.stages, refs.programmer_id
    for creative, day, from_stage, to_stage, to_market, building in plan.moves:
        writer.add(
            StageMove, creative_id=creative.pk,
            from_stage_id=stages[from_stage] if from_stage else None,
            to_stage_id=stages[to_stage] if to_stage else None,
            to_market=to_market, moved_on=date.fromordinal(day),
            building_id=building.pk if building else None,
            recorded_by_id=programmer if building and building.programmed else None,
            recorded_at=at(day),
        )

    tenancies = []
    for t in plan.tenancies:
        by = programmer if t.space.building.programmed else None
        actual_end = date.fromordinal(t.actual_end) if t.actual_end else None
        tenancies.append(dict(
            space_id=t.space.pk, creative_id=t.creative.pk, start=date.fromordinal(t.start),
            planned_end=date.fromordinal(t.planned_end), actual_end=actual_end,
            end_reason=t.end_reason, monthly_rent=t.monthly_rent, rent_exception_reason=t.exception,
            term_exception_reason=t.term_exception, renewals=t.renewals,
            created_by_id=by, created_at=at(t.created or t.start, STATUS_TIMES[S.ACCEPTED]),
            ended_by_id=by if actual_end else None,
            # Recorded at noon of the day it ended: a fixed time keeps the demo repeatable.
            ended_at=at(t.actual_end) if actual_end else None,
        ))
    for key, t in zip(writer.insert(Tenancy, tenancies), plan.tenancies, strict=True):
        t.pk = key
    _write_applications(plan, refs, writer)
    for tenancy, kind, day, hours, description, recorded in plan.activities:
        writer.add(
            SocialReturn, tenancy_id=tenancy.pk, kind=kind, on=date.fromordinal(day), hours=hours,
            description=description,
            recorded_by_id=programmer if tenancy.space.building.programmed else None,
            recorded_at=at(recorded),
        )


def _write_applications(plan: UnitPlan, refs: Refs, writer: Writer) -> None:
    """The candidate-list applications, and their status changes, screenings and offers."""
    keys = writer.insert(Application, [dict(
        creative_id=a.stay.creative.pk, building_id=a.building.pk, call_id=None, status=a.status,
        stage_id=refs.stages[a.stay.stage], motivation=a.motivation,
        submitted_at=at(a.submitted), created_at=at(a.submitted),
    ) for a in plan.applications])
    programmer = refs.programmer_id
    for key, a in zip(keys, plan.applications, strict=True):
        a.pk = key
        city = a.building.city
        by = programmer if a.building.programmed else None
        for day, from_status, to_status, note in a.events:
            # the creative submits, accepts and withdraws; the programmer screens and offers
            writer.add(
                ApplicationEvent, application_id=a.pk, from_status=from_status,
                to_status=to_status, note=note,
                by_id=by if to_status in (S.ELIGIBLE, S.OFFERED) else None,
                at=at(day, STATUS_TIMES[to_status]),
            )
        for day, policy in a.screenings:
            writer.add(
                Screening, creative_id=a.stay.creative.pk, city_id=refs.cities[city.slug].pk,
                policy_id=refs.policy(city.slug, policy), professional_practice=True,
                income_within_limit=True, eligible=True, decided_on=date.fromordinal(day),
                valid_until=add_months(date.fromordinal(day), policy.screening_validity_months),
                decided_by_id=by, recorded_at=at(day, STATUS_TIMES[S.ELIGIBLE]),
            )
        if a.offer is not None:
            offered, reply_by, answered = a.offer
            tenancy = a.stay.tenancy
            writer.add(
                Offer, application_id=a.pk, space_id=tenancy.space.pk,
                status=OfferStatus.ACCEPTED, start=date.fromordinal(tenancy.start),
                offered_on=date.fromordinal(offered), reply_by=date.fromordinal(reply_by),
                made_by_id=by, made_at=at(offered, STATUS_TIMES[S.OFFERED]),
                responded_at=at(answered, STATUS_TIMES[S.ACCEPTED]), tenancy_id=tenancy.pk,
            )
