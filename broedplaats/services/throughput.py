"""Writes of the throughput dashboards: rebuilding the stage-spell summary, publishing figures."""

import pickle
from datetime import date
from time import perf_counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from broedplaats.models import (
    Building,
    City,
    Figure,
    FigureSnapshot,
    PublicFigure,
    StageSpell,
    ThroughputRefresh,
)
from broedplaats.selectors import throughput as figures
from chains.models import Creative, Discipline, Stage, StageMove

__all__ = ["figure_publish", "figure_unpublish", "figures_precompute", "throughput_refresh"]


def _spells_sql() -> str:
    """INSERT ... SELECT of every stay in a stage, paired with the next move by a window."""
    q = connection.ops.quote_name
    if connection.vendor == "sqlite":
        days = "CAST(ROUND(julianday(m.next_on) - julianday(m.moved_on)) AS INTEGER)"
    else:
        days = "(m.next_on - m.moved_on)"
    return f"""
        INSERT INTO {q(StageSpell._meta.db_table)} (
            creative_id, chain_id, discipline_id, stage_id, stage_order, building_id, city_id,
            started_on, ended_on, next_stage_id, to_market, days, first_entry)
        SELECT m.creative_id, d.chain_id, c.discipline_id, m.to_stage_id, s.{q("order")},
               m.building_id, b.city_id, m.moved_on, m.next_on, m.next_stage,
               COALESCE(m.next_market, FALSE), {days}, m.nth = 1
        FROM (
            SELECT sm.creative_id, sm.to_stage_id, sm.moved_on, sm.building_id,
                   LEAD(sm.moved_on) OVER w AS next_on,
                   LEAD(sm.to_stage_id) OVER w AS next_stage,
                   LEAD(sm.to_market) OVER w AS next_market,
                   ROW_NUMBER() OVER (PARTITION BY sm.creative_id, sm.to_stage_id
                                      ORDER BY sm.moved_on, sm.id) AS nth
            FROM {q(StageMove._meta.db_table)} sm
            WINDOW w AS (PARTITION BY sm.creative_id ORDER BY sm.moved_on, sm.id)
        ) m
        JOIN {q(Creative._meta.db_table)} c ON c.id = m.creative_id
        JOIN {q(Discipline._meta.db_table)} d ON d.id = c.discipline_id
        JOIN {q(Stage._meta.db_table)} s ON s.id = m.to_stage_id
        LEFT JOIN {q(Building._meta.db_table)} b ON b.id = m.building_id
        WHERE m.to_stage_id IS NOT NULL
    """


@transaction.atomic
def throughput_refresh() -> ThroughputRefresh:
    """Rebuild the stage spells from the stage moves in one transaction (readers see the old
    table until it commits) and record the rebuild."""
    started = perf_counter()
    StageSpell.objects.all()._raw_delete(StageSpell.objects.db)
    with connection.cursor() as cursor:
        cursor.execute(_spells_sql())
    last = Stage.objects.aggregate(last=Max("order"))["last"] or 0
    first_entries = StageSpell.objects.filter(first_entry=True)
    reached = StageSpell.objects.filter(
        creative=OuterRef("creative"), stage_order=OuterRef("stage_order") + 1,
        started_on__gte=OuterRef("started_on"),
    ).order_by("started_on").values("started_on")[:1]
    first_entries.filter(stage_order__lt=last).update(reached_next_on=Subquery(reached))
    market = StageSpell.objects.filter(
        creative=OuterRef("creative"), to_market=True, ended_on__gte=OuterRef("started_on"),
    ).order_by("ended_on").values("ended_on")[:1]
    first_entries.filter(stage_order=last).update(reached_next_on=Subquery(market))
    return ThroughputRefresh.objects.create(
        finished_at=timezone.now(), seconds=round(perf_counter() - started, 3),
        spells=StageSpell.objects.count())


@transaction.atomic
def figures_precompute(*, on: date | None = None, cities=None) -> int:
    """Compute every figure of each city's views (`selectors.throughput.views_ahead`) for a day
    (by default today) in each language, replacing all that was computed before, in one
    transaction: readers see the old figures until it commits. Run nightly after
    `throughput_refresh` (the figures read the stage spells). With `cities`, only theirs (the
    others' stay as they were). Returns the number of views."""
    on = on or timezone.localdate()
    chosen = City.objects.all() if cities is None else City.objects.filter(
        pk__in=[getattr(city, "pk", city) for city in cities])
    stored_before = FigureSnapshot.objects.all() if cities is None else FigureSnapshot.objects.filter(
        city__in=chosen)
    stored_before.delete()
    stored = 0
    for city in chosen.order_by("pk").values_list("pk", flat=True):
        rows = []
        views = figures.views_ahead(city, on=on)
        for scope in views:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    computed_at = timezone.now()
                    tables = {code: figures.FIGURES[Figure(code)](scope)
                              for code in Figure.values}
                for table in tables.values():
                    table.computed_at = computed_at
                rows.append(FigureSnapshot(
                    city_id=city, on=on, view=figures.snapshot_key(scope), language=language,
                    tables=pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL),
                    computed_at=computed_at))
        FigureSnapshot.objects.bulk_create(rows)
        stored += len(views)
    return stored


@transaction.atomic
def figure_publish(*, city: City, figure: str, by=None) -> PublicFigure:
    """Make a figure of a city public (open data, small counts suppressed)."""
    if figure not in Figure.values:
        raise ValidationError({"figure": _("Choose a figure from the list.")})
    public, _created = PublicFigure.objects.get_or_create(
        city=city, figure=figure, defaults={"published_by": by})
    return public


@transaction.atomic
def figure_unpublish(*, city: City, figure: str) -> None:
    """Take a figure of a city out of the open data."""
    PublicFigure.objects.filter(city=city, figure=figure).delete()
