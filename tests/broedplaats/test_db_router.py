"""The throughput dashboards read from the read replica; nothing else does, and nothing writes
there (broedplaats/db_router.py).

The "replica" alias is added here as settings add it for DATABASE_REPLICA_URL (TEST MIRROR of
default): the test database itself over a second connection, so what went to which alias is
seen on each connection. A mirror has its own connection, which sees only committed rows:
the tests are transactional, and the dashboard is read outside any transaction, as a page
reads it (ATOMIC_REQUESTS is off).
"""

import copy
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from broedplaats.db_router import REPLICA, ReplicaRouter, dashboard_reads, read_alias
from broedplaats.models import City, Figure, FigureSnapshot
from broedplaats.roles import CITY_BUREAU
from broedplaats.selectors import throughput as figures
from broedplaats.services import figures_precompute, throughput_refresh
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

WITH_REPLICA = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA] = settings_dict
    yield REPLICA
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def city(today):
    """Amsterdam: one building of two studios, one let to a designer who moved to making."""
    idea, making = stage("idea"), stage("making")
    fashion = ChainFactory(name="Mode", name_en="Fashion")
    designer = DisciplineFactory(chain=fashion)
    amsterdam = CityFactory(name="Amsterdam")
    building = BuildingFactory(city=amsterdam, chains=[fashion])
    space = SpaceFactory(building=building)
    SpaceFactory(building=building)
    creative = CreativeFactory(discipline=designer)
    TenancyFactory(space=space, creative=creative, start=today - timedelta(days=400),
                   planned_end=today + timedelta(days=300))
    StageMoveFactory(creative=creative, to_stage=idea, moved_on=today - timedelta(days=300),
                     building=building)
    StageMoveFactory(creative=creative, from_stage=idea, to_stage=making,
                     moved_on=today - timedelta(days=100), building=building)
    throughput_refresh()
    return amsterdam


def city_scope(city: City, today) -> figures.Scope:
    start, end = figures.default_period(today)
    return figures.Scope(today=today, start=start, end=end, city_ids=(city.pk,))


def captured(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


@WITH_REPLICA
def test_every_dashboard_figure_reads_from_the_replica_and_none_from_default(city, today):
    scope = city_scope(city, today)
    with captured("default") as on_default, captured(REPLICA) as on_replica:
        tables = figures.figure_tables(scope, suppressed=False)
    assert set(tables) == set(Figure.values)
    assert on_default.captured_queries == []
    # Every figure was computed there, the raw SQL of completeness and pathways included.
    sql = " ".join(query["sql"] for query in on_replica.captured_queries)
    assert len(on_replica.captured_queries) >= len(Figure.values)
    assert "WITH p AS" in sql
    assert tables[Figure.OCCUPANCY].rows  # the rows committed on default, read on the replica


@WITH_REPLICA
def test_the_bureau_dashboard_page_reads_its_figures_from_the_replica(client, city, today):
    bureau = UserFactory(roles=[CITY_BUREAU])
    city.bureau_members.add(bureau)
    client.force_login(bureau)
    with captured("default") as on_default, captured(REPLICA) as on_replica:
        response = client.get(reverse("bureau-home"))
    assert response.status_code == 200
    assert on_replica.captured_queries
    # The session, the user and the bureau's scope are read from default; no aggregate is.
    assert not any("stagespell" in query["sql"] for query in on_default.captured_queries)
    assert any("stagespell" in query["sql"] for query in on_replica.captured_queries)


@WITH_REPLICA
def test_reads_inside_a_transaction_stay_on_default(city, today):
    """A service (or the nightly precompute) must read its own writes, which a replica has not
    got yet: inside a transaction even the dashboard's reads go to default."""
    scope = city_scope(city, today)
    with captured(REPLICA) as on_replica, transaction.atomic():
        tables = figures.figure_tables(scope, suppressed=False)
        assert read_alias() == "default"
    assert tables[Figure.OCCUPANCY].rows
    assert on_replica.captured_queries == []


@WITH_REPLICA
def test_writes_never_go_to_the_replica(city, today, monkeypatch):
    whole_city = figures.views_ahead  # one view is enough to see where its writes go
    monkeypatch.setattr(figures, "views_ahead", lambda city, *, on: whole_city(city, on=on)[:1])
    with captured(REPLICA) as on_replica:
        with dashboard_reads():
            assert ReplicaRouter().db_for_write(City) == "default"
            CityFactory(name="Utrecht")
        figures_precompute(on=today, cities=[city])
    assert FigureSnapshot.objects.filter(city=city, on=today).exists()
    assert City.objects.filter(name="Utrecht").exists()
    written = [query["sql"] for query in on_replica.captured_queries
               if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert written == []
    assert on_replica.captured_queries == []  # the precompute reads in its transaction too


@WITH_REPLICA
def test_only_the_dashboards_read_from_the_replica(city):
    with captured(REPLICA) as on_replica:
        assert read_alias() == "default"
        assert list(City.objects.values_list("name", flat=True)) == ["Amsterdam"]
    assert on_replica.captured_queries == []
    with dashboard_reads():
        assert read_alias() == REPLICA
        assert City.objects.all().db == REPLICA


def test_nothing_migrates_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "broedplaats") is False
    assert router.allow_migrate("default", "broedplaats") is True
