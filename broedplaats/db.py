"""Database expressions the throughput figures need on both SQLite and PostgreSQL.

`DaysBetween` counts whole days from one date to another. `Percentile` is PostgreSQL's
ordered-set aggregate `percentile_cont`; SQLite has none built in, so `register_sqlite_functions`
adds one to every SQLite connection (as Django adds its own date functions there), giving the
same interpolated result.
"""

import math

from django.db.models import Aggregate, FloatField, Func, IntegerField


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
