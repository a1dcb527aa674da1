"""Programmers' pages for spaces (create, edit, archive, photos) and open calls (create, edit,
publish): they work, refusals show on the form and store nothing, other buildings give 404,
and the lists keep their query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image

from broedplaats.models import Call, Offer, Space, SpacePhoto
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    SPACE_PHOTO_LIMIT,
    application_create,
    application_submit,
    call_create,
    call_publish,
    offer_make,
    places,
    screening_record,
    space_photo_add,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    facility,
    stage,
)
from tests.images import NOT_AN_IMAGE, gps_exif, image_bytes, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def place(db):
    """A building under a policy (studio cap €100/m²/yr) run by a programmer, with a space."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    return {"programmer": programmer, "building": building,
            "space": SpaceFactory(building=building, code="B.01")}


@pytest.fixture
def other(db):
    """Another programmer's building, space, photo and call."""
    building = BuildingFactory(programmers=[UserFactory(roles=[PROGRAMMER])])
    space = SpaceFactory(building=building)
    photo = space_photo_add(space=space, file=upload(image_bytes()))
    call = call_create(building=building, title="Elders", opens_on=building.created_at.date(),
                       closes_on=building.created_at.date() + timedelta(days=9))
    return {"building": building, "space": space, "photo": photo, "call": call}


def as_user(client, user):
    client.force_login(user)
    return client


def space_data(**changes):
    data = {"code": "C.12", "kind": "studio", "area_m2": "30", "monthly_rent": "200",
            "rent_exception_reason": "", "description": "Noordlicht",
            "stages": [stage("making").pk], "facilities": [facility("kiln").pk]}
    data.update(changes)
    return data


# --- spaces ------------------------------------------------------------------------------------

def test_programmer_adds_a_space(client, place):
    as_user(client, place["programmer"])
    url = reverse("programmer-space-new", args=[place["building"].slug])
    assert client.get(url).status_code == 200
    response = client.post(url, space_data())
    space = Space.objects.get(code="C.12")
    assert response.status_code == 302
    assert response.url == reverse("programmer-space-edit", args=[space.pk])
    assert space.building == place["building"]
    assert (space.area_m2, space.monthly_rent) == (Decimal("30"), Decimal("200"))
    assert [s.code for s in space.stages.all()] == ["making"]
    assert [f.code for f in space.facilities.all()] == ["kiln"]


def test_rent_above_the_cap_is_refused_on_the_field_and_nothing_is_stored(client, place):
    as_user(client, place["programmer"])
    response = client.post(reverse("programmer-space-new", args=[place["building"].slug]),
                           space_data(monthly_rent="900"))
    assert response.status_code == 400
    assert "above the cap" in response.context["form"].errors["monthly_rent"][0]
    assert not Space.objects.filter(code="C.12").exists()
    with_reason = client.post(reverse("programmer-space-new", args=[place["building"].slug]),
                              space_data(monthly_rent="900", rent_exception_reason="Werkplaats"))
    assert with_reason.status_code == 302


@pytest.mark.parametrize(("changes", "field"), [
    ({"area_m2": "0"}, "area_m2"),
    ({"area_m2": "veel"}, "area_m2"),
    ({"code": "B.01"}, None),  # the building already has B.01
    ({"kind": "castle"}, "kind"),
    ({"stages": ["999999"]}, "stages"),
])
def test_bad_space_input_is_a_form_error(client, place, changes, field):
    as_user(client, place["programmer"])
    response = client.post(reverse("programmer-space-new", args=[place["building"].slug]),
                           space_data(**changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field or "__all__"]
    assert Space.objects.filter(building=place["building"]).count() == 1


def test_programmer_edits_a_space(client, place):
    as_user(client, place["programmer"])
    url = reverse("programmer-space-edit", args=[place["space"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["code"] == "B.01"
    response = client.post(url, space_data(code="B.01", area_m2="40", monthly_rent="275", stages=[]))
    assert response.status_code == 302
    space = Space.objects.get(pk=place["space"].pk)
    assert space.monthly_rent == Decimal("275")
    assert not space.stages.exists()


def test_editing_to_a_rent_above_the_cap_keeps_the_stored_space(client, place):
    as_user(client, place["programmer"])
    response = client.post(reverse("programmer-space-edit", args=[place["space"].pk]),
                           space_data(code="B.01", monthly_rent="900"))
    assert response.status_code == 400
    assert Space.objects.get(pk=place["space"].pk).monthly_rent == Decimal("250.00")


def test_archiving_a_let_space_is_refused_and_a_free_one_is_archived(client, place, today):
    as_user(client, place["programmer"])
    tenancy = TenancyFactory(space=place["space"], start=today - timedelta(days=10),
                             planned_end=today + timedelta(days=100))
    url = reverse("programmer-space-archive", args=[place["space"].pk])
    response = client.post(url, {"archived": "1"}, follow=True)
    assert "This space is let" in response.content.decode()
    assert not Space.objects.get(pk=place["space"].pk).archived
    tenancy.actual_end, tenancy.end_reason = today, "terminated"
    tenancy.save()
    client.post(url, {"archived": "1"})
    assert Space.objects.get(pk=place["space"].pk).archived
    client.post(url, {"archived": "0"})
    assert not Space.objects.get(pk=place["space"].pk).archived


def test_archiving_a_space_with_an_open_offer_is_refused(client, place, today):
    call = call_create(building=place["building"], title="Open", spaces=[place["space"]],
                       opens_on=today, closes_on=today + timedelta(days=5))
    call_publish(call=call, on=today)
    application = application_create(creative=CreativeFactory(), call=call, on=today)
    application_submit(application=application, on=today)
    screening_record(creative=application.creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    offer_make(application=application, space=place["space"], start=today + timedelta(days=14),
               reply_by=today + timedelta(days=3), on=today)
    as_user(client, place["programmer"])
    response = client.post(reverse("programmer-space-archive", args=[place["space"].pk]),
                           {"archived": "1"}, follow=True)
    assert "open offer" in response.content.decode()
    assert Offer.objects.get().status == "open"
    assert not Space.objects.get(pk=place["space"].pk).archived


def test_photo_upload_makes_thumbnails_and_strips_location(client, place, media):
    as_user(client, place["programmer"])
    data = image_bytes(size=(2400, 1600), exif=gps_exif())
    response = client.post(reverse("programmer-space-photo", args=[place["space"].pk]),
                           {"image": upload(data), "caption": "Noordzijde"})
    assert response.status_code == 302
    photo = SpacePhoto.objects.get()
    assert (photo.space, photo.caption, photo.uploaded_by) == (
        place["space"], "Noordzijde", place["programmer"])
    assert len(stored_files(media)) == 3
    for field, longest in ((photo.thumb_400, 400), (photo.thumb_1200, 1200),
                           (photo.image, 2400)):
        with Image.open(field.path) as stored:
            assert max(stored.size) == longest
            assert not stored.getexif().get_ifd(0x8825)  # no GPS
    assert photo.image.name.startswith(f"spaces/{place['space'].pk}/")
    page = client.get(reverse("programmer-space-edit", args=[place["space"].pk]))
    assert photo.thumb_400.url in page.content.decode()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(client, place, media):
    as_user(client, place["programmer"])
    response = client.post(reverse("programmer-space-photo", args=[place["space"].pk]),
                           {"image": upload(b"%PDF-1.4 not an image", name="plan.jpg")})
    assert response.status_code == 400
    assert response.context["photo_form"].errors["image"] == [NOT_AN_IMAGE]
    assert not SpacePhoto.objects.exists()
    assert stored_files(media) == []


def test_photos_beyond_the_limit_are_refused(place, media, monkeypatch):
    monkeypatch.setattr(places, "SPACE_PHOTO_LIMIT", 2)
    for _ in range(2):
        space_photo_add(space=place["space"], file=upload(image_bytes()))
    with pytest.raises(ValidationError) as error:
        space_photo_add(space=place["space"], file=upload(image_bytes()))
    assert "at most 2 photos" in error.value.message_dict["image"][0]
    assert SpacePhoto.objects.count() == 2
    assert len(stored_files(media)) == 6
    assert SPACE_PHOTO_LIMIT == 12


def test_removing_a_photo_deletes_its_files(client, place, media, django_capture_on_commit_callbacks):
    photo = space_photo_add(space=place["space"], file=upload(image_bytes()))
    as_user(client, place["programmer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmer-space-photo-delete", args=[photo.pk]))
    assert response.status_code == 302
    assert not SpacePhoto.objects.exists()
    assert stored_files(media) == []


def test_another_buildings_spaces_and_photos_are_not_found(client, place, other):
    as_user(client, place["programmer"])
    assert client.get(reverse("programmer-spaces", args=[other["building"].slug])).status_code == 404
    assert client.get(reverse("programmer-space-new",
                              args=[other["building"].slug])).status_code == 404
    assert client.get(reverse("programmer-space-edit", args=[other["space"].pk])).status_code == 404
    assert client.post(reverse("programmer-space-edit", args=[other["space"].pk]),
                       space_data()).status_code == 404
    assert client.post(reverse("programmer-space-archive",
                               args=[other["space"].pk])).status_code == 404
    assert client.post(reverse("programmer-space-photo", args=[other["space"].pk]),
                       {"image": upload(image_bytes())}).status_code == 404
    assert client.post(reverse("programmer-space-photo-delete",
                               args=[other["photo"].pk])).status_code == 404
    assert SpacePhoto.objects.filter(pk=other["photo"].pk).exists()
    assert not Space.objects.get(pk=other["space"].pk).archived


def test_space_list_query_count_does_not_grow(client, place, django_assert_max_num_queries):
    as_user(client, place["programmer"])
    url = reverse("programmer-spaces", args=[place["building"].slug])
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    for _ in range(15):
        space = SpaceFactory(building=place["building"], stages=[stage("idea")])
        space_photo_add(space=space, file=upload(image_bytes(size=(50, 50))))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["spaces"]) == 16


# --- calls -------------------------------------------------------------------------------------

def call_data(place, today, **changes):
    data = {"title": "Ateliers voor makers", "text": "Voor beginnende makers.",
            "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=30)).isoformat(),
            "allocation_method": "committee", "spaces": [place["space"].pk],
            "stages": [stage("making").pk]}
    data.update(changes)
    return data


def test_programmer_makes_a_draft_call_and_publishes_it(client, place, today):
    as_user(client, place["programmer"])
    url = reverse("programmer-call-new", args=[place["building"].slug])
    assert client.get(url).status_code == 200
    response = client.post(url, call_data(place, today, action="draft"))
    call = Call.objects.get()
    assert response.url == reverse("programmer-call-edit", args=[call.pk])
    assert call.published_at is None
    assert (call.building, call.allocation_method, call.created_by) == (
        place["building"], "committee", place["programmer"])
    assert list(call.spaces.all()) == [place["space"]]
    assert client.get(reverse("call-list")).context["calls"].count() == 0
    client.post(reverse("programmer-call-publish", args=[call.pk]))
    call.refresh_from_db()
    assert call.published_by == place["programmer"]
    assert [c.pk for c in client.get(reverse("call-list")).context["calls"]] == [call.pk]
    again = client.post(reverse("programmer-call-publish", args=[call.pk]), follow=True)
    assert "already published" in again.content.decode()


def test_save_and_publish_in_one_step(client, place, today):
    as_user(client, place["programmer"])
    client.post(reverse("programmer-call-new", args=[place["building"].slug]),
                call_data(place, today, action="publish"))
    assert Call.objects.get().published_at is not None


def test_call_closing_before_it_opens_is_a_form_error(client, place, today):
    as_user(client, place["programmer"])
    response = client.post(reverse("programmer-call-new", args=[place["building"].slug]),
                           call_data(place, today,
                                     closes_on=(today - timedelta(days=1)).isoformat()))
    assert response.status_code == 400
    assert response.context["form"].errors["closes_on"] == [
        "A call cannot close before it opens."]
    assert not Call.objects.exists()


def test_a_call_cannot_offer_another_buildings_or_an_archived_space(client, place, other, today):
    as_user(client, place["programmer"])
    url = reverse("programmer-call-new", args=[place["building"].slug])
    response = client.post(url, call_data(place, today, spaces=[other["space"].pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["spaces"]
    place["space"].archived = True
    place["space"].save()
    response = client.post(url, call_data(place, today))
    assert response.status_code == 400  # archived spaces are not even a choice
    assert not Call.objects.filter(building=place["building"]).exists()


def test_programmer_edits_a_call(client, place, today):
    call = call_create(building=place["building"], title="Oud", opens_on=today,
                       closes_on=today + timedelta(days=3))
    as_user(client, place["programmer"])
    url = reverse("programmer-call-edit", args=[call.pk])
    assert client.get(url).context["form"].initial["title"] == "Oud"
    response = client.post(url, call_data(place, today, title="Nieuw", stages=[]))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.title == "Nieuw"
    assert list(call.spaces.all()) == [place["space"]]
    assert not call.stages.exists()
    bad = client.post(url, call_data(place, today, title=""))
    assert bad.status_code == 400
    assert Call.objects.get(pk=call.pk).title == "Nieuw"


def test_another_buildings_calls_are_not_found(client, place, other, today):
    as_user(client, place["programmer"])
    call = other["call"]
    assert client.get(reverse("programmer-call-new",
                              args=[other["building"].slug])).status_code == 404
    assert client.get(reverse("programmer-call-edit", args=[call.pk])).status_code == 404
    assert client.post(reverse("programmer-call-edit", args=[call.pk]),
                       call_data(place, today)).status_code == 404
    assert client.post(reverse("programmer-call-publish", args=[call.pk])).status_code == 404
    assert Call.objects.get(pk=call.pk).published_at is None
    listed = client.get(reverse("programmer-calls")).context["calls"]
    assert call.pk not in [row.pk for row in listed]


def test_call_list_query_count_does_not_grow(client, place, today,
                                             django_assert_max_num_queries):
    as_user(client, place["programmer"])
    url = reverse("programmer-calls")
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    for n in range(12):
        call = call_create(building=place["building"], title=f"Call {n}", opens_on=today,
                           closes_on=today + timedelta(days=n), spaces=[place["space"]])
        if n % 2:
            call_publish(call=call, on=today)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["calls"]) == 12


@pytest.mark.parametrize("role", [CREATIVE, CITY_BUREAU])
def test_other_roles_are_forbidden(client, place, role):
    as_user(client, UserFactory(roles=[role]))
    for url in (reverse("programmer-spaces", args=[place["building"].slug]),
                reverse("programmer-space-edit", args=[place["space"].pk]),
                reverse("programmer-calls")):
        assert client.get(url).status_code == 403, url


def test_space_photos_show_on_the_public_building_page(client, place):
    photo = space_photo_add(space=place["space"], file=upload(image_bytes()), caption="Licht")
    page = client.get(place["building"].get_absolute_url())
    assert photo.thumb_400.url in page.content.decode()


def test_call_pages_count_submitted_applicants_not_drafts(client, place, today):
    call = call_create(building=place["building"], title="Telling", opens_on=today,
                       closes_on=today + timedelta(days=9), spaces=[place["space"]])
    call_publish(call=call, on=today)
    application_create(creative=CreativeFactory(), call=call, on=today)  # a draft
    submitted = application_create(creative=CreativeFactory(), call=call, on=today)
    application_submit(application=submitted, on=today)
    as_user(client, place["programmer"])
    [row] = client.get(reverse("programmer-calls")).context["calls"]
    assert row.applicant_count == 1
    page = client.get(reverse("programmer-call-edit", args=[call.pk]))
    assert page.context["applicant_count"] == 1
