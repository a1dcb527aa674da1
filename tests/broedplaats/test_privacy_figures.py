"""A creative leaving does not change a city's figures: in the demo world (seed_demo at scale
1), every throughput figure of the city, computed live and computed ahead by the nightly run
(stage spells and figure snapshots), is the same before and after erasing a tenant with
applications, tenancies and stage moves."""

import io
import pickle
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings

from broedplaats.models import City, Figure, FigureSnapshot, StageSpell
from broedplaats.selectors import throughput as figures
from broedplaats.services import creative_erase, figures_precompute, throughput_refresh
from chains.models import Creative

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
AT = datetime(2026, 11, 24, 12, tzinfo=UTC)


def live(scope) -> dict:
    """Every figure of a scope computed now (not read from a snapshot), unsuppressed."""
    return {code: (table.columns, table.rows) for code in Figure.values
            for table in [figures.FIGURES[Figure(code)](scope)]}


def spells() -> list[tuple]:
    return sorted(StageSpell.objects.values_list(
        "creative", "chain", "discipline", "stage", "building", "city", "started_on",
        "ended_on", "next_stage", "to_market", "days", "first_entry", "reached_next_on"),
        key=repr)


def snapshots(city: City) -> dict:
    return {(row.view, row.language): {code: (table.columns, table.rows)
                                       for code, table in pickle.loads(row.tables).items()}
            for row in FigureSnapshot.objects.filter(city=city, on=TODAY)}


def test_erasure_changes_no_figure_of_the_city(monkeypatch):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", "--seed", "2026", "--today", TODAY.isoformat(), "--quiet",
                     stdout=io.StringIO())
    # A tenant with the most history: tenancies, applications and stage moves in one city.
    creative = (Creative.objects.filter(tenancies__isnull=False, applications__isnull=False,
                                        stage_moves__building__isnull=False)
                .annotate(n=Count("stage_moves", distinct=True)).order_by("-n", "pk").first())
    city = City.objects.filter(buildings__spaces__tenancies__creative=creative).distinct().first()
    start, end = figures.default_period(TODAY)
    whole = figures.Scope(today=TODAY, start=start, end=end, city_ids=(city.pk,))
    scopes = [whole,
              figures.Scope(today=TODAY, start=start, end=end, city_ids=(city.pk,),
                            chain_id=creative.discipline.chain_id),
              figures.Scope(today=TODAY, start=start, end=end, city_ids=(city.pk,),
                            discipline_id=creative.discipline_id,
                            discipline_chain_id=creative.discipline.chain_id)]
    # The nightly run over these three views of the city (all 52 take too long for a test).
    monkeypatch.setattr(figures, "views_ahead", lambda city_id, on: scopes)

    throughput_refresh()
    figures_precompute(on=TODAY, cities=[city])
    before = ([live(scope) for scope in scopes], spells(), snapshots(city))
    assert before[0][0][Figure.OCCUPANCY][1] and before[1] and len(before[2]) == 6

    creative_erase(creative=creative, by=None, at=AT)

    assert [live(scope) for scope in scopes] == before[0]
    throughput_refresh()
    figures_precompute(on=TODAY, cities=[city])
    assert spells() == before[1]
    assert snapshots(city) == before[2]
    assert Creative.objects.get(pk=creative.pk).name == f"erased-{creative.pk}"
