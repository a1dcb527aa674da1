"""A creative's own profile and portfolio over the API (chains.api.profile): the pages'
services, refusals naming the field, and no one else's profile or images."""

import pytest

from broedplaats.api.serializers.allocation import ApplicationCreateInput
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from chains import images
from chains.models import Creative, PortfolioImage
from chains.services import portfolio_image_add
from tests.api import client_for, url
from tests.factories import CreativeFactory, DisciplineFactory, UserFactory
from tests.images import NOT_AN_IMAGE, image_bytes, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]




@pytest.fixture
def creative(db) -> Creative:
    return CreativeFactory(user=UserFactory(roles=[CREATIVE]), kvk_number="12345678",
                           name="Drukkerij Noord")


def add_image(creative, caption=""):
    return portfolio_image_add(creative=creative, file=upload(image_bytes(size=(40, 30))),
                               caption=caption)


# --- profile -----------------------------------------------------------------------------------

def test_a_creative_reads_their_profile(creative):
    response = client_for(creative.user).get(url("my-profile"))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["kvk_number"], body["discipline"]) == (
        creative.pk, "Drukkerij Noord", "12345678", creative.discipline.slug)


def test_a_creative_changes_their_profile_and_fields_left_out_stay(creative):
    discipline = DisciplineFactory(slug="grafisch")
    response = client_for(creative.user).patch(url("my-profile"), {
        "bio": "Risodruk en zeefdruk.", "discipline": "grafisch",
        "website": "https://drukkerij.example.org"}, format="json")
    assert response.status_code == 200, response.json()
    creative.refresh_from_db()
    assert (creative.bio, creative.discipline, creative.website, creative.name) == (
        "Risodruk en zeefdruk.", discipline, "https://drukkerij.example.org", "Drukkerij Noord")


@pytest.mark.parametrize(("body", "field"), [
    ({"kvk_number": "12"}, "kvk_number"),
    ({"kind": "wizard"}, "kind"),
    ({"discipline": "nothing"}, "discipline"),
    ({"website": "not a url"}, "website"),
    ({"email": "nobody"}, "email"),
    ({"name": ""}, "name"),
])
def test_a_bad_profile_change_is_a_400_naming_the_field(creative, body, field):
    response = client_for(creative.user).patch(url("my-profile"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    creative.refresh_from_db()
    assert (creative.kvk_number, creative.name) == ("12345678", "Drukkerij Noord")


def test_a_kvk_number_of_another_creative_is_refused_by_the_service(creative):
    CreativeFactory(kvk_number="87654321")
    response = client_for(creative.user).patch(url("my-profile"), {"kvk_number": "87654321"},
                                               format="json")
    assert response.status_code == 400
    assert "Another creative" in response.json()["kvk_number"][0]


@pytest.mark.parametrize("roles", [[PROGRAMMER], [CITY_BUREAU]])
def test_other_roles_have_no_profile_here(creative, roles):
    api = client_for(UserFactory(roles=roles))
    assert api.get(url("my-profile")).status_code == 403
    assert api.patch(url("my-profile"), {"name": "X"}, format="json").status_code == 403


def test_anonymous_has_no_profile(creative):
    assert client_for().get(url("my-profile")).status_code in (401, 403)
    assert client_for().patch(url("my-profile"), {"name": "X"},
                              format="json").status_code in (401, 403)
    assert Creative.objects.get(pk=creative.pk).name == "Drukkerij Noord"


def test_a_creative_account_without_a_profile_gets_404(db):
    assert client_for(UserFactory(roles=[CREATIVE])).get(url("my-profile")).status_code == 404


# --- portfolio ---------------------------------------------------------------------------------

def test_a_creative_adds_an_image_to_their_portfolio(creative):
    response = client_for(creative.user).post(
        url("my-portfolio-image-list"),
        {"image": upload(image_bytes(size=(1600, 1200))), "caption": "Affiche"},
        format="multipart")
    assert response.status_code == 201, response.json()
    assert (response.json()["caption"], response.json()["width"]) == ("Affiche", 1600)
    assert response.json()["thumb_400"]
    rows = client_for(creative.user).get(url("my-portfolio-image-list")).json()
    assert [row["id"] for row in rows] == [response.json()["id"]]


def test_a_file_that_is_no_image_is_refused_under_image(creative, media):
    response = client_for(creative.user).post(
        url("my-portfolio-image-list"), {"image": upload(b"plain text", name="a.jpg")},
        format="multipart")
    assert response.status_code == 400
    assert response.json()["image"] == [NOT_AN_IMAGE]
    assert not PortfolioImage.objects.exists()
    assert stored_files(media) == []


def test_an_upload_without_a_file_is_a_400_naming_image(creative):
    response = client_for(creative.user).post(url("my-portfolio-image-list"),
                                              {"caption": "Leeg"}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["image"]


def test_a_full_portfolio_refuses_another_image(creative, monkeypatch):
    monkeypatch.setattr(images, "PORTFOLIO_LIMIT", 1)
    add_image(creative)
    response = client_for(creative.user).post(
        url("my-portfolio-image-list"), {"image": upload(image_bytes(size=(40, 30)))},
        format="multipart")
    assert response.status_code == 400
    assert "at most 1 image" in response.json()["image"][0]
    assert PortfolioImage.objects.filter(creative=creative).count() == 1


def test_a_creative_removes_an_image_and_its_files_go(creative, media,
                                                      django_capture_on_commit_callbacks):
    image = add_image(creative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(creative.user).delete(url("my-portfolio-image-detail", image.pk))
    assert response.status_code == 204
    assert not PortfolioImage.objects.exists()
    assert stored_files(media) == []


def test_another_creatives_image_is_not_found_nor_removed(creative):
    theirs = add_image(CreativeFactory(user=UserFactory(roles=[CREATIVE])))
    api = client_for(creative.user)
    assert api.get(url("my-portfolio-image-detail", theirs.pk)).status_code == 404
    assert api.delete(url("my-portfolio-image-detail", theirs.pk)).status_code == 404
    assert [row["id"] for row in api.get(url("my-portfolio-image-list")).json()] == []
    assert PortfolioImage.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("roles", [[PROGRAMMER], [CITY_BUREAU]])
def test_other_roles_cannot_touch_a_portfolio(creative, roles):
    image = add_image(creative)
    api = client_for(UserFactory(roles=roles))
    assert api.get(url("my-portfolio-image-list")).status_code == 403
    assert api.delete(url("my-portfolio-image-detail", image.pk)).status_code == 403
    assert PortfolioImage.objects.filter(pk=image.pk).exists()


def test_anonymous_cannot_upload(creative):
    response = client_for().post(url("my-portfolio-image-list"),
                                 {"image": upload(image_bytes(size=(40, 30)))},
                                 format="multipart")
    assert response.status_code in (401, 403)
    assert not PortfolioImage.objects.exists()


@pytest.mark.parametrize("count", [2, 10])
def test_the_portfolio_costs_the_same_queries_for_any_number(
    creative, django_assert_max_num_queries, count
):
    for _ in range(count):
        add_image(creative)
    api = client_for(creative.user)
    # session, user, the group check, the creative, the images
    with django_assert_max_num_queries(5):
        assert len(api.get(url("my-portfolio-image-list")).json()) == count


def test_images_chosen_for_an_application_must_be_the_creatives_own(creative):
    """`select` is the application's portfolio_images (tests/broedplaats/api): only own ids."""
    theirs = add_image(CreativeFactory())
    serializer = ApplicationCreateInput(data={"portfolio_images": [theirs.pk]},
                                        user=creative.user)
    assert not serializer.is_valid()
    assert "portfolio_images" in serializer.errors
