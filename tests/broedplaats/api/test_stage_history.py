"""A creative's stage history over the API: readable by the creative themself and by the
programmers of a building they applied to or rent in; not by another creative, another
programmer, or a city bureau (which sees aggregates only)."""

from datetime import date, timedelta

import pytest

from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import application_create, application_submit
from tests.api import client_for, url
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)
from tests.worlds import place_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]




@pytest.fixture
def world(db, today):
    """A creative with a history (idea, then making at the building) who applied to the
    building's call and rents a space in it."""
    place = place_world(today)
    user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=user)
    StageMoveFactory(creative=creative, to_stage=stage("idea"), moved_on=date(2022, 1, 1))
    StageMoveFactory(creative=creative, to_stage=stage("making"), moved_on=date(2023, 6, 1),
                     building=place["building"], note="Eigen werkplaats")
    application = application_submit(
        application=application_create(creative=creative, call=place["call"], on=today),
        on=today)
    tenancy = TenancyFactory(space=place["spaces"][0], creative=creative,
                             start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    return {**place, "user": user, "creative": creative, "application": application,
            "tenancy": tenancy}


def stages_of(response) -> list[tuple]:
    return [(row["moved_on"], row["to_stage"]) for row in response.json()]


EXPECTED = [("2022-01-01", "idea"), ("2023-06-01", "making")]


def test_a_creative_reads_their_own_stage_history(world):
    response = client_for(world["user"]).get(url("my-stage-moves"))
    assert response.status_code == 200
    assert stages_of(response) == EXPECTED
    assert response.json()[1]["building"] == world["building"].slug


def test_another_creative_reads_only_their_own(world):
    other = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=other)
    assert client_for(other).get(url("my-stage-moves")).json() == []


def test_a_creative_account_without_a_profile_gets_404(db):
    assert client_for(UserFactory(roles=[CREATIVE])).get(url("my-stage-moves")).status_code == 404


def test_the_programmer_of_a_building_applied_to_reads_the_applicants_history(world):
    response = client_for(world["programmer"]).get(
        url("programmer-application-stage-moves", world["application"].pk))
    assert response.status_code == 200
    assert stages_of(response) == EXPECTED


def test_the_programmer_of_the_building_rented_in_reads_the_tenants_history(world):
    response = client_for(world["programmer"]).get(
        url("programmer-tenancy-stage-moves", world["tenancy"].pk))
    assert response.status_code == 200
    assert stages_of(response) == EXPECTED


def test_another_programmer_finds_neither_the_application_nor_the_tenancy(world):
    other = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(programmers=[other])
    api = client_for(other)
    assert api.get(url("programmer-application-stage-moves",
                       world["application"].pk)).status_code == 404
    assert api.get(url("programmer-tenancy-stage-moves", world["tenancy"].pk)).status_code == 404


def test_a_draft_application_does_not_open_the_history_to_the_programmer(world, today):
    draft = application_create(creative=CreativeFactory(), building=world["building"], on=today)
    response = client_for(world["programmer"]).get(
        url("programmer-application-stage-moves", draft.pk))
    assert response.status_code == 404


def test_a_city_bureau_reads_no_ones_history(world):
    bureau = UserFactory(roles=[CITY_BUREAU])
    world["building"].city.bureau_members.add(bureau)
    api = client_for(bureau)
    assert api.get(url("my-stage-moves")).status_code == 403
    assert api.get(url("programmer-application-stage-moves",
                       world["application"].pk)).status_code == 403
    assert api.get(url("programmer-tenancy-stage-moves", world["tenancy"].pk)).status_code == 403


def test_anonymous_reads_no_ones_history(world):
    api = client_for()
    assert api.get(url("my-stage-moves")).status_code in (401, 403)
    assert api.get(url("programmer-application-stage-moves",
                       world["application"].pk)).status_code in (401, 403)


@pytest.mark.parametrize("count", [2, 20])
def test_the_history_costs_the_same_queries_for_any_length(
    db, django_assert_max_num_queries, count
):
    user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=user)
    building = BuildingFactory()
    for n in range(count):
        StageMoveFactory(creative=creative, to_stage=stage(("idea", "making")[n % 2]),
                         moved_on=date(2000, 1, 1) + timedelta(days=30 * n), building=building,
                         recorded_by=UserFactory())
    api = client_for(user)
    # session, user, roles, the creative, the history
    with django_assert_max_num_queries(5):
        assert len(api.get(url("my-stage-moves")).json()) == count
