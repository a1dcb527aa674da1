"""The overview's reads on their own: lengths in words, spells from a history, and the
renewal limit of the policy in force on a tenancy's start."""

from datetime import date

import pytest
from django.utils import translation

from broedplaats.models import Tenancy
from broedplaats.selectors.overview import (
    length_in_words,
    renewals_used_up,
    stage_spells,
    with_renewal_limit,
)
from chains.models import StageMove
from tests.factories import BuildingFactory, PolicyFactory, TenancyFactory, stage


@pytest.mark.parametrize(("start", "end", "words"), [
    (date(2024, 1, 15), date(2026, 4, 15), "2 years 3 months"),
    (date(2024, 1, 15), date(2026, 4, 14), "2 years 2 months"),
    (date(2024, 1, 31), date(2024, 2, 29), "29 days"),  # not yet a whole month
    (date(2024, 3, 1), date(2025, 3, 1), "1 year"),
    (date(2024, 3, 1), date(2024, 3, 1), "0 days"),
])
def test_length_in_words_counts_whole_years_and_months(start, end, words):
    with translation.override("en"):
        assert length_in_words(start, end) == words


def test_length_in_words_reads_dutch():
    with translation.override("nl"):
        assert length_in_words(date(2024, 1, 15), date(2026, 4, 15)) == "2 jaar 3 maanden"


def move(on, to_stage=None, building=None, pk=None):
    """An unsaved move: the spells need no database."""
    return StageMove(id=pk, moved_on=on, to_stage=to_stage, to_market=to_stage is None,
                     building=building)


@pytest.mark.django_db
def test_spells_merge_same_stage_and_building_and_share_the_whole_path():
    a, b = BuildingFactory.build(id=1), BuildingFactory.build(id=2)
    idea, making = stage("idea"), stage("making")
    moves = [move(date(2020, 1, 1), idea, a), move(date(2020, 6, 1), idea, a),
             move(date(2021, 1, 1), idea, b), move(date(2022, 1, 1), making, b),
             move(date(2023, 1, 1), None, b), move(date(2023, 2, 1), None, b)]
    spells = stage_spells(moves, on=date(2024, 1, 1))
    assert [(s.code, s.building.id, s.moves, s.started_on, s.ended_on) for s in spells] == [
        ("idea", 1, 2, date(2020, 1, 1), date(2021, 1, 1)),
        ("idea", 2, 1, date(2021, 1, 1), date(2022, 1, 1)),
        ("making", 2, 1, date(2022, 1, 1), date(2023, 1, 1)),
        ("market", 2, 2, date(2023, 1, 1), None)]
    assert spells[-1].until == date(2024, 1, 1)
    assert abs(sum(s.share for s in spells) - 100) < 0.5


@pytest.mark.django_db
def test_a_single_move_today_is_a_whole_bar_of_no_days():
    [spell] = stage_spells([move(date(2024, 1, 1), stage("idea"))], on=date(2024, 1, 1))
    assert (spell.days, spell.share, spell.current) == (0, 100.0, True)


@pytest.mark.django_db
def test_the_renewal_limit_is_the_policys_in_force_on_the_start():
    policy = PolicyFactory(valid_from=date(2020, 1, 1), valid_to=date(2023, 12, 31),
                           max_renewals=1)
    PolicyFactory(city=policy.city, valid_from=date(2024, 1, 1), max_renewals=3)
    building = BuildingFactory(city=policy.city)
    early = TenancyFactory(space__building=building, start=date(2022, 1, 1),
                           planned_end=date(2024, 1, 1), renewals=1)
    late = TenancyFactory(space__building=building, start=date(2024, 2, 1),
                          planned_end=date(2026, 2, 1), renewals=1)
    unruled = TenancyFactory(start=date(2024, 2, 1), planned_end=date(2026, 2, 1), renewals=9)
    rows = {t.pk: t for t in with_renewal_limit(Tenancy.objects.all())}
    assert [rows[t.pk].policy_max_renewals for t in (early, late, unruled)] == [1, 3, None]
    assert [renewals_used_up(rows[t.pk]) for t in (early, late, unruled)] == [True, False, False]
