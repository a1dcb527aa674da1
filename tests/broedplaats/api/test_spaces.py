"""A programmer's spaces and their photos over the API (the same services as the pages), who
may touch them, and the photos on the public building and space endpoints."""

from datetime import timedelta

import pytest

from broedplaats.models import Space, SpacePhoto
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import space_photo_add
from tests.api import client_for, url
from tests.factories import (
    BuildingFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    facility,
    stage,
)
from tests.images import NOT_AN_IMAGE, image_bytes, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]




@pytest.fixture
def place(db):
    """A building under a policy (studio cap €90/m²/yr) run by a programmer, with a space."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    return {"programmer": programmer, "building": building,
            "space": SpaceFactory(building=building, code="B.01")}


@pytest.fixture
def other(db):
    """Another programmer's building with a space and a photo."""
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(programmers=[programmer])
    space = SpaceFactory(building=building)
    photo = space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))))
    return {"programmer": programmer, "building": building, "space": space, "photo": photo}


def space_body(place, **changes):
    body = {"building": place["building"].slug, "code": "C.12", "kind": "studio",
            "area_m2": "30", "monthly_rent": "200", "description": "Noordlicht",
            "facilities": ["water"], "stages": ["making"]}
    return {key: value for key, value in {**body, **changes}.items() if value is not None}


# --- spaces ------------------------------------------------------------------------------------

def test_programmer_adds_a_space_to_their_building(place):
    facility("water")
    stage("making")
    response = client_for(place["programmer"]).post(url("programmer-space-list"),
                                                    space_body(place), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["building"], body["code"], body["facilities"], body["stages"],
            body["archived"], body["photos"]) == (place["building"].slug, "C.12", ["water"],
                                                  ["making"], False, [])
    space = Space.objects.get(pk=body["id"])
    assert (space.building, space.description) == (place["building"], "Noordlicht")


def test_a_rent_above_the_cap_needs_a_reason(place):
    api = client_for(place["programmer"])
    response = api.post(url("programmer-space-list"),
                        space_body(place, monthly_rent="900", facilities=None, stages=None),
                        format="json")
    assert response.status_code == 400
    assert "above the cap" in response.json()["monthly_rent"][0]
    response = api.post(url("programmer-space-list"),
                        space_body(place, monthly_rent="900", facilities=None, stages=None,
                                   rent_exception_reason="Met kraan en laadperron"),
                        format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": None}, "code"),
    ({"kind": "castle"}, "kind"),
    ({"area_m2": "-4"}, "area_m2"),
    ({"monthly_rent": "abc"}, "monthly_rent"),
    ({"stages": ["later"]}, "stages"),
    ({"building": None}, "building"),
])
def test_a_bad_space_is_a_400_naming_the_field(place, changes, field):
    body = space_body(place, facilities=None, stages=None)
    body.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        del body[key]
    response = client_for(place["programmer"]).post(url("programmer-space-list"), body,
                                                    format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert Space.objects.count() == 1


def test_a_space_cannot_be_added_to_another_programmers_building(place, other):
    response = client_for(place["programmer"]).post(
        url("programmer-space-list"),
        space_body(place, building=other["building"].slug, facilities=None, stages=None),
        format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["building"]
    assert not Space.objects.filter(code="C.12").exists()


def test_programmer_changes_a_space_and_fields_left_out_stay(place):
    space = place["space"]
    response = client_for(place["programmer"]).patch(
        url("programmer-space-detail", space.pk), {"monthly_rent": "220.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["monthly_rent"], response.json()["code"]) == ("220.00", "B.01")
    space.refresh_from_db()
    assert str(space.monthly_rent) == "220.00"


def test_a_change_above_the_cap_is_refused_and_nothing_is_stored(place):
    space = place["space"]
    response = client_for(place["programmer"]).patch(
        url("programmer-space-detail", space.pk), {"monthly_rent": "900"}, format="json")
    assert response.status_code == 400
    assert "monthly_rent" in response.json()
    space.refresh_from_db()
    assert str(space.monthly_rent) == "250.00"


def test_programmer_archives_a_free_space_and_brings_it_back(place):
    api = client_for(place["programmer"])
    space = place["space"]
    response = api.post(url("programmer-space-archive", space.pk))
    assert (response.status_code, response.json()["archived"]) == (200, True)
    response = api.post(url("programmer-space-unarchive", space.pk))
    assert (response.status_code, response.json()["archived"]) == (200, False)


def test_a_let_space_cannot_be_archived(place, today):
    space = place["space"]
    TenancyFactory(space=space, start=today - timedelta(days=10),
                   planned_end=today + timedelta(days=100))
    response = client_for(place["programmer"]).post(url("programmer-space-archive", space.pk))
    assert response.status_code == 400
    assert "is let" in response.json()["archived"][0]
    space.refresh_from_db()
    assert not space.archived


def test_programmer_lists_their_spaces_archived_last_and_filters_them(place, other):
    archived = SpaceFactory(building=place["building"], code="A.00", archived=True)
    api = client_for(place["programmer"])
    rows = api.get(url("programmer-space-list")).json()["results"]
    assert [row["id"] for row in rows] == [place["space"].pk, archived.pk]
    rows = api.get(url("programmer-space-list"), {"archived": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [archived.pk]


@pytest.mark.parametrize("count", [2, 20])
def test_the_space_list_costs_the_same_queries_for_any_number(
    place, django_assert_max_num_queries, count
):
    for _ in range(count):
        space = SpaceFactory(building=place["building"], stages=[stage("idea")],
                             facilities=[facility("water")])
        space_photo_add(space=space, file=upload(image_bytes(size=(20, 20))))
    api = client_for(place["programmer"])
    # session, user, roles, the count, the page, facilities, stages, photos
    with django_assert_max_num_queries(8):
        assert api.get(url("programmer-space-list")).json()["count"] == count + 1


def test_another_programmers_space_is_not_found(place, other):
    api = client_for(place["programmer"])
    space = other["space"]
    assert api.get(url("programmer-space-detail", space.pk)).status_code == 404
    assert api.patch(url("programmer-space-detail", space.pk), {"code": "X"},
                     format="json").status_code == 404
    assert api.post(url("programmer-space-archive", space.pk)).status_code == 404
    space.refresh_from_db()
    assert not space.archived and space.code != "X"


@pytest.mark.parametrize("roles", [[CREATIVE], [CITY_BUREAU]])
def test_other_roles_are_refused_the_programmers_spaces(place, roles):
    api = client_for(UserFactory(roles=roles))
    assert api.get(url("programmer-space-list")).status_code == 403
    assert api.post(url("programmer-space-list"), space_body(place),
                    format="json").status_code == 403
    assert api.post(url("programmer-space-archive", place["space"].pk)).status_code == 403


def test_anonymous_is_refused_the_programmers_spaces(place):
    api = client_for()
    assert api.get(url("programmer-space-list")).status_code in (401, 403)
    assert api.post(url("programmer-space-archive", place["space"].pk)).status_code in (401, 403)
    assert not Space.objects.get(pk=place["space"].pk).archived


# --- photos ------------------------------------------------------------------------------------

def test_programmer_adds_a_photo_with_thumbnails(place):
    space = place["space"]
    response = client_for(place["programmer"]).post(
        url("programmer-space-photos", space.pk),
        {"image": upload(image_bytes(size=(1600, 1200))), "caption": "Noordlicht"},
        format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["caption"], body["width"], body["height"], body["position"]) == (
        "Noordlicht", 1600, 1200, 0)
    assert body["thumb_400"] and body["thumb_1200"]
    detail = client_for(place["programmer"]).get(url("programmer-space-detail", space.pk))
    assert [photo["id"] for photo in detail.json()["photos"]] == [body["id"]]


def test_a_file_that_is_no_image_is_refused_under_image(place, media):
    response = client_for(place["programmer"]).post(
        url("programmer-space-photos", place["space"].pk),
        {"image": upload(b"not an image at all", name="x.jpg")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["image"] == [NOT_AN_IMAGE]
    assert not SpacePhoto.objects.exists()
    assert stored_files(media) == []


def test_a_photo_without_a_file_is_a_400_naming_image(place):
    response = client_for(place["programmer"]).post(
        url("programmer-space-photos", place["space"].pk), {"caption": "Leeg"},
        format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["image"]


def test_programmer_removes_a_photo_and_its_files_go(place, media,
                                                     django_capture_on_commit_callbacks):
    space = place["space"]
    photo = space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))))
    assert stored_files(media)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(place["programmer"]).delete(
            url("programmer-space-photo", space.pk, photo.pk))
    assert response.status_code == 204
    assert not SpacePhoto.objects.filter(pk=photo.pk).exists()
    assert stored_files(media) == []


def test_another_programmers_photo_cannot_be_added_to_or_removed(place, other):
    api = client_for(place["programmer"])
    space, photo = other["space"], other["photo"]
    assert api.delete(url("programmer-space-photo", space.pk, photo.pk)).status_code == 404
    # Nor through one's own space: the photo is looked up within the space.
    assert api.delete(url("programmer-space-photo", place["space"].pk,
                          photo.pk)).status_code == 404
    assert api.post(url("programmer-space-photos", space.pk),
                    {"image": upload(image_bytes(size=(40, 30)))},
                    format="multipart").status_code == 404
    assert list(SpacePhoto.objects.filter(space=space)) == [photo]


def test_a_creative_cannot_remove_a_photo(place, other):
    api = client_for(UserFactory(roles=[CREATIVE]))
    assert api.delete(url("programmer-space-photo", other["space"].pk,
                          other["photo"].pk)).status_code == 403
    assert SpacePhoto.objects.filter(pk=other["photo"].pk).exists()


# --- public photos -----------------------------------------------------------------------------

def test_photos_show_on_the_public_space_and_building_endpoints(place):
    space = place["space"]
    first = space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))), caption="Een")
    second = space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))), caption="Twee")
    api = client_for()
    detail = api.get(url("space-detail", space.pk)).json()
    assert [(p["id"], p["caption"]) for p in detail["photos"]] == [(first.pk, "Een"),
                                                                   (second.pk, "Twee")]
    assert detail["photos"][0]["thumb_400"].startswith("http")
    building = api.get(url("building-detail", place["building"].slug)).json()
    [listed] = building["spaces"]
    assert [p["id"] for p in listed["photos"]] == [first.pk, second.pk]


def test_an_archived_spaces_photos_are_not_public(place):
    space = SpaceFactory(building=place["building"], archived=True)
    space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))))
    assert client_for().get(url("space-detail", space.pk)).status_code == 404
    building = client_for().get(url("building-detail", place["building"].slug)).json()
    assert [row["id"] for row in building["spaces"]] == [place["space"].pk]


@pytest.mark.parametrize("count", [2, 12])
def test_the_building_detail_costs_the_same_queries_with_more_photographed_spaces(
    place, django_assert_max_num_queries, count
):
    for _ in range(count):
        space = SpaceFactory(building=place["building"])
        space_photo_add(space=space, file=upload(image_bytes(size=(20, 20))))
    with django_assert_max_num_queries(9):
        response = client_for().get(url("building-detail", place["building"].slug))
    assert len(response.json()["spaces"]) == count + 1
