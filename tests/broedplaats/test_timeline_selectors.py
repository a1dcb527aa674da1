"""selectors.timeline: the period's months, the tenancies a page of the timeline reads (only
its spaces, only those meeting the period or still open, in one query) and where bars fall."""

from datetime import date

import pytest

from broedplaats.models import EndReason
from broedplaats.selectors.timeline import (
    COMING,
    CURRENT,
    PAST,
    Period,
    add_months,
    period_of_months,
    timeline_rows,
    timeline_spaces,
    timeline_tenancies,
)
from tests.factories import BuildingFactory, SpaceFactory, TenancyFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 6, 15)
YEAR_2026 = Period(date(2026, 1, 1), date(2027, 1, 1))


@pytest.mark.parametrize(("first", "months", "expected"), [
    (date(2026, 11, 1), 3, date(2027, 2, 1)),
    (date(2026, 1, 1), -1, date(2025, 12, 1)),
    (date(2026, 3, 1), -27, date(2023, 12, 1)),
    (date(2026, 12, 1), 12, date(2027, 12, 1)),
])
def test_months_are_added_across_years(first, months, expected):
    assert add_months(first, months) == expected


def test_a_period_is_whole_months_from_the_month_of_its_start():
    period = period_of_months(date(2026, 9, 17), 12)
    assert (period.start, period.end) == (date(2026, 9, 1), date(2027, 9, 1))
    assert [month.month for month in period.months()] == [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]
    assert period.offset(period.start) == 0 and period.offset(period.end) == 100


def test_spaces_are_the_buildings_own_active_first():
    building = BuildingFactory()
    archived = SpaceFactory(building=building, code="A.01", archived=True)
    b, a = SpaceFactory(building=building, code="B.01"), SpaceFactory(building=building,
                                                                      code="A.02")
    SpaceFactory(code="A.00")  # another building's
    assert list(timeline_spaces(building=building)) == [a, b, archived]


def test_only_the_pages_spaces_and_the_periods_or_still_open_tenancies_are_read(
        django_assert_num_queries):
    space, other_space, not_on_page = SpaceFactory(), SpaceFactory(), SpaceFactory()
    before = TenancyFactory(space=space, start=date(2024, 1, 1), planned_end=date(2025, 6, 1))
    meets = TenancyFactory(space=space, start=date(2025, 6, 1), planned_end=date(2026, 2, 1))
    # planned far beyond the period: read because it can still be acted on
    coming = TenancyFactory(space=other_space, start=date(2028, 1, 1),
                            planned_end=date(2029, 1, 1))
    cancelled = TenancyFactory(space=other_space, start=date(2026, 8, 1),
                               planned_end=date(2027, 8, 1), actual_end=date(2026, 8, 1),
                               end_reason=EndReason.OTHER)
    TenancyFactory(space=not_on_page, start=date(2026, 1, 1), planned_end=date(2027, 1, 1))
    with django_assert_num_queries(1):
        read = timeline_tenancies(spaces=[space, other_space], period=YEAR_2026, on=ON)
        assert [tenancy.creative.name for tenancy in read]  # the creative came with them
        assert read[0].space is space  # no query for the space either
    assert read == [meets, coming]
    assert before not in read and cancelled not in read


def test_bars_fall_by_their_days_and_say_when_they_run_on():
    space = SpaceFactory()
    past = TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2026, 4, 2))
    current = TenancyFactory(space=space, start=date(2026, 4, 2), planned_end=date(2026, 7, 1))
    coming = TenancyFactory(space=space, start=date(2026, 9, 1), planned_end=date(2028, 9, 1))
    (row,), still_open = timeline_rows(spaces=[space], period=YEAR_2026, on=ON)
    assert [bar.tenancy for bar in row.bars] == [past, current, coming]
    assert [bar.state for bar in row.bars] == [PAST, CURRENT, COMING]
    first, second, third = row.bars
    assert (first.left, first.width, first.clipped_start, first.clipped_end) == (
        0, 24.93, True, False)  # 91 of 365 days
    assert (second.left, second.clipped_start, second.clipped_end) == (24.93, False, False)
    assert (third.left + third.width, third.clipped_end) == (100, True)
    assert second.last_day == date(2026, 6, 30)
    assert [bar.tenancy for bar in still_open] == [current, coming]


def test_a_still_open_tenancy_outside_the_period_is_listed_but_not_drawn():
    space = SpaceFactory()
    later = TenancyFactory(space=space, start=date(2027, 3, 1), planned_end=date(2028, 3, 1))
    (row,), still_open = timeline_rows(spaces=[space], period=YEAR_2026, on=ON)
    assert row.bars == []
    assert [bar.tenancy for bar in still_open] == [later]
