"""A creative's own pages: profile and portfolio; other roles and other creatives are kept out."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from broedplaats.roles import CREATIVE, PROGRAMMER
from chains.models import Creative, PortfolioImage
from chains.services import portfolio_image_add
from tests.factories import CreativeFactory, DisciplineFactory, StageMoveFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_AN_IMAGE = "This file is not an image. Upload a JPEG, PNG or WebP image."


@pytest.fixture(autouse=True)
def english(client):
    """Assert the English source messages: pages ask for English, services run in it."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def creative(client) -> Creative:
    """A creative, logged in."""
    creative = CreativeFactory(user=UserFactory(roles=[CREATIVE]), kvk_number="12345678")
    client.force_login(creative.user)
    return creative


def png(name: str = "studio.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def profile_data(creative: Creative, **overrides) -> dict:
    return {"name": creative.name, "kind": creative.kind, "discipline": creative.discipline_id,
            "bio": creative.bio, "website": creative.website, "kvk_number": creative.kvk_number,
            "email": creative.email, "phone": creative.phone} | overrides


def test_profile_edit_saves(client, creative):
    discipline = DisciplineFactory()
    response = client.post(reverse("creative-profile"), profile_data(
        creative, kind="collective", discipline=discipline.pk, bio="We print.",
        website="https://drukkerij.example.org", kvk_number="87654321", phone="020 123 4567",
    ))
    assert response.status_code == 302
    creative.refresh_from_db()
    assert (creative.kind, creative.discipline, creative.bio, creative.website,
            creative.kvk_number, creative.phone) == (
        "collective", discipline, "We print.", "https://drukkerij.example.org", "87654321",
        "020 123 4567")


def test_invalid_kvk_number_shows_the_error_and_changes_nothing(client, creative):
    response = client.post(reverse("creative-profile"),
                           profile_data(creative, kvk_number="1234567", bio="Changed"))
    assert response.status_code == 200
    assert "A KvK number has exactly 8 digits." in response.context["form"].errors["kvk_number"]
    creative.refresh_from_db()
    assert (creative.kvk_number, creative.bio) == ("12345678", "")


def test_kvk_number_of_another_creative_is_refused(client, creative):
    CreativeFactory(kvk_number="87654321")
    response = client.post(reverse("creative-profile"),
                           profile_data(creative, kvk_number="87654321"))
    assert response.context["form"].errors["kvk_number"] == [
        "Another creative is registered with this KvK number."]


def test_profile_shows_current_stage_from_the_history(client, creative, stages):
    StageMoveFactory(creative=creative, to_stage=stages[1])
    response = client.get(reverse("creative-profile"))
    assert response.context["latest"].to_stage == stages[1]
    assert "Making (maken)" in response.content.decode()


@pytest.mark.parametrize("url_name", ["creative-profile", "creative-portfolio"])
def test_programmer_is_refused_the_creatives_pages(client, url_name):
    client.force_login(UserFactory(roles=[PROGRAMMER]))
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url_name", ["creative-profile", "creative-portfolio"])
def test_anonymous_visitor_is_sent_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_portfolio_upload_adds_the_image(client, creative, media):
    response = client.post(reverse("creative-portfolio"), {"image": png(), "caption": "Atelier"})
    assert response.status_code == 302
    image = PortfolioImage.objects.get(creative=creative)
    assert image.caption == "Atelier"
    page = client.get(reverse("creative-portfolio")).content.decode()
    assert image.thumb_400.url in page
    assert len(stored_files(media)) == 3


def test_portfolio_refuses_a_non_image_and_stores_nothing(client, creative, media):
    text = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    response = client.post(reverse("creative-portfolio"), {"image": text})
    assert response.status_code == 200
    assert response.context["form"].errors["image"] == [NOT_AN_IMAGE]
    assert NOT_AN_IMAGE in response.content.decode()
    assert not PortfolioImage.objects.exists()
    assert stored_files(media) == []


def test_removing_own_image_deletes_it(client, creative, django_capture_on_commit_callbacks):
    image = portfolio_image_add(creative=creative, file=png())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("creative-portfolio-remove", args=[image.pk]))
    assert response.status_code == 302
    assert not PortfolioImage.objects.exists()


def test_removing_another_creatives_image_gives_404(client, creative):
    image = portfolio_image_add(creative=CreativeFactory(), file=png())
    response = client.post(reverse("creative-portfolio-remove", args=[image.pk]))
    assert response.status_code == 404
    assert PortfolioImage.objects.filter(pk=image.pk).exists()


def test_removing_needs_a_post(client, creative):
    image = portfolio_image_add(creative=creative, file=png())
    assert client.get(reverse("creative-portfolio-remove", args=[image.pk])).status_code == 405
    assert PortfolioImage.objects.filter(pk=image.pk).exists()


@pytest.mark.parametrize("count", [2, 10])
def test_portfolio_page_query_count_is_constant(
    client, creative, count, django_assert_max_num_queries
):
    for _ in range(count):
        portfolio_image_add(creative=creative, file=png())
    with django_assert_max_num_queries(6):
        response = client.get(reverse("creative-portfolio"))
    assert len(response.context["images"]) == count


def test_overview_links_to_profile_and_portfolio(client, creative):
    html = client.get(reverse("creative-home")).content.decode()
    assert reverse("creative-profile") in html and reverse("creative-portfolio") in html
