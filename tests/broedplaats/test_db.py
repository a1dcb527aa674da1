"""The database helpers of broedplaats/db.py, on SQLite and PostgreSQL alike."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, DateField, F, Sum, Value

from broedplaats.db import DaysBetween, Percentile, grouped_with_subtotals
from broedplaats.models import Space
from tests.factories import BuildingFactory, SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces():
    """Two buildings: A with studios of 10, 20 and 40 m² and a desk of 5; B with a studio of 30."""
    a = BuildingFactory(name="A")
    b = BuildingFactory(name="B")
    for area in (10, 20, 40):
        SpaceFactory(building=a, kind="studio", area_m2=Decimal(area))
    SpaceFactory(building=a, kind="desk", area_m2=Decimal(5))
    SpaceFactory(building=b, kind="studio", area_m2=Decimal(30))
    return a, b


AGGREGATES = {"n": Count("pk"), "area": Sum("area_m2"), "median": Percentile("area_m2", 0.5)}


def test_percentile_interpolates_between_the_two_nearest_values(spaces):
    # 5, 10, 20, 30, 40: the median is 20; the 90th percentile lies at 4 × 0.9 = 3.6,
    # between 30 and 40: 36.
    result = Space.objects.aggregate(p50=Percentile("area_m2", 0.5),
                                     p90=Percentile("area_m2", 0.9))
    assert result == {"p50": pytest.approx(20.0), "p90": pytest.approx(36.0)}
    assert Space.objects.none().aggregate(p=Percentile("area_m2", 0.5)) == {"p": None}


def test_percentile_refuses_a_fraction_outside_zero_to_one():
    with pytest.raises(ValueError):
        Percentile("area_m2", 1.5)


def test_days_between_counts_whole_days_either_way(spaces):
    march, january = Value(date(2027, 3, 1), DateField()), Value(date(2027, 1, 30), DateField())
    row = Space.objects.annotate(days=DaysBetween(march, january),
                                 back=DaysBetween(january, march)).values("days", "back").first()
    assert row == {"days": 30, "back": -30}


def test_groups_and_a_grand_total(spaces, django_assert_max_num_queries):
    a, b = spaces
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
        groups, totals = grouped_with_subtotals(
            Space.objects.all(), fields=["kind"], aggregates=AGGREGATES, order_by=["kind"])
    assert [(row["kind"], row["n"], Decimal(row["area"]), row["median"]) for row in groups] == [
        ("desk", 1, Decimal(5), 5.0), ("studio", 4, Decimal(100), 25.0)]
    assert list(totals) == [()]
    total = totals[()]
    # The median of all five (5, 10, 20, 30, 40) is 20: not a combination of the groups' medians.
    assert (total["n"], Decimal(total["area"]), total["median"]) == (5, Decimal(105), 20.0)


def test_subtotals_per_kept_field(spaces):
    a, b = spaces
    groups, totals = grouped_with_subtotals(
        Space.objects.all(), fields=["building", "kind"], named={"name": F("building__name")},
        aggregates=AGGREGATES, keep=["building"], order_by=["name", "kind"])
    assert [(row["name"], row["kind"], row["n"]) for row in groups] == [
        ("A", "desk", 1), ("A", "studio", 3), ("B", "studio", 1)]
    assert set(totals) == {(a.pk,), (b.pk,)}
    assert (totals[(a.pk,)]["n"], totals[(a.pk,)]["median"]) == (4, 15.0)  # 5, 10, 20, 40
    assert (totals[(b.pk,)]["n"], totals[(b.pk,)]["median"]) == (1, 30.0)


def test_no_rows_give_no_subtotals(spaces):
    groups, totals = grouped_with_subtotals(
        Space.objects.filter(kind="office"), fields=["kind"], aggregates=AGGREGATES)
    assert (groups, totals) == ([], {})


def test_a_filter_that_matches_nothing_gives_nothing(spaces, django_assert_max_num_queries):
    # `pk__in=[]` compiles to no SQL at all (EmptyResultSet): no query, no rows.
    with django_assert_max_num_queries(1):
        result = grouped_with_subtotals(Space.objects.filter(pk__in=[]), fields=["kind"],
                                        aggregates=AGGREGATES)
    assert result == ([], {})


def test_kept_fields_must_be_grouped_fields():
    with pytest.raises(ValueError):
        grouped_with_subtotals(Space.objects.all(), fields=["kind"], aggregates=AGGREGATES,
                               keep=["building"])
