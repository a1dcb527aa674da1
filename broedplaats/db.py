"""Database expressions the throughput figures need on both SQLite and PostgreSQL.

`DaysBetween` counts whole days from one date to another. `Percentile` is PostgreSQL's
ordered-set aggregate `percentile_cont`; SQLite has none built in, so `register_sqlite_functions`
adds one to every SQLite connection (as Django adds its own date functions there), giving the
same interpolated result.

`grouped_with_subtotals` groups a queryset and adds subtotals over some of the grouping
fields, in one statement on PostgreSQL (GROUPING SETS), so a figure with a total row reads its
rows once.
"""

import math
import re
from collections.abc import Mapping, Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Aggregate, FloatField, Func, IntegerField, QuerySet


class DaysBetween(Func):
    """Whole days from `start` to `end` (negative when `end` is earlier)."""

    output_field = IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date - date is an integer
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ",
                              **extra)

    def as_sqlite(self, compiler, connection, **extra):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (f"CAST(ROUND(julianday({end_sql}) - julianday({start_sql})) AS INTEGER)",
                (*end_params, *start_params))


class Percentile(Aggregate):
    """The continuous percentile (0 ≤ fraction ≤ 1) of an expression, interpolated between the
    two nearest values, like PostgreSQL's percentile_cont; None over no rows."""

    function = "percentile_cont"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie between 0 and 1")
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection,
            template=f"%(function)s({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template=f"%(function)s(%(expressions)s, {self.fraction!r})",
            **extra,
        )


class _PercentileCont:
    """SQLite aggregate percentile_cont(value, fraction), computed as PostgreSQL does."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(float(value))
        self.fraction = float(fraction)

    def finalize(self):
        if not self.values:
            return None
        ordered = sorted(self.values)
        position = self.fraction * (len(ordered) - 1)
        low, high = math.floor(position), math.ceil(position)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: add percentile_cont to a new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_cont", 2, _PercentileCont)


# Django groups a values() query by the select list's ordinals ("GROUP BY 1, 2") on PostgreSQL.
_GROUP_BY = re.compile(r" GROUP BY (\d+(?:, \d+)*)(?= HAVING | ORDER BY |$)")


def grouped_with_subtotals(
    base: QuerySet, *, fields: Sequence[str] = (), named: Mapping | None = None,
    aggregates: Mapping, keep: Sequence[str] = (), order_by: Sequence[str] = (),
) -> tuple[list[dict], dict[tuple, dict]]:
    """`base.values(*fields, **named).annotate(**aggregates)` as dicts, ordered by `order_by`,
    and the same aggregates over the rows sharing the `keep` fields (none: one grand total),
    keyed by the tuple of those fields' values (() for the grand total); `keep` names fields
    of `fields`. No rows, no subtotals.

    On PostgreSQL both come from one statement whose GROUP BY becomes
    `GROUPING SETS ((all fields), (keep))`, so the rows are read once; elsewhere, or should
    Django not group by ordinals, the subtotals are a second query. The grouping fields that
    are not kept must never be NULL: NULL in all of them marks a subtotal row. Values come as
    the database driver gives them (no model field converters: use plain columns)."""
    named = dict(named or {})
    keep = tuple(keep)
    if not set(keep) <= set(fields):
        raise ValueError("keep must name fields of `fields`")
    grouped = base.values(*fields, **named).annotate(**aggregates).order_by(*order_by)
    connection = connections[grouped.db]
    if connection.vendor == "postgresql":
        try:
            sql, params = grouped.query.get_compiler(using=grouped.db).as_sql()
        except EmptyResultSet:  # a filter that can match nothing, such as `__in=[]`
            return [], {}
        found = _GROUP_BY.findall(sql)
        columns = [*grouped.query.extra_select, *grouped.query.values_select,
                   *grouped.query.annotation_select]
        if len(found) == 1 and len(found[0].split(", ")) == len(fields) + len(named):
            everything = found[0]
            kept = ", ".join(str(columns.index(name) + 1) for name in keep)
            sql = _GROUP_BY.sub(f" GROUP BY GROUPING SETS (({everything}), ({kept}))", sql)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                names = [column.name for column in cursor.description]
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            rolled = [name for name in (*fields, *named) if name not in keep]
            details, subtotals = [], {}
            for row in rows:
                if all(row[name] is None for name in rolled):
                    subtotals[tuple(row[name] for name in keep)] = row
                else:
                    details.append(row)
            return details, subtotals if details else {}
    details = list(grouped)
    if keep:
        subtotals = {tuple(row[name] for name in keep): row
                     for row in base.values(*keep).annotate(**aggregates).order_by()}
    else:
        subtotals = {(): base.aggregate(**aggregates)} if details else {}
    return details, subtotals
