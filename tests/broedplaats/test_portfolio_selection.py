"""Choosing portfolio images for an application: only the applicant's own images, on the page
and over the API; programmers see the chosen ones first."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from broedplaats.models import Application
from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
)
from chains.services import portfolio_image_add
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)
from tests.images import image_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]


@pytest.fixture
def setting(db, today):
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    call = call_create(building=building, title="Ateliers", opens_on=today,
                       spaces=[SpaceFactory(building=building)],
                       closes_on=today + timedelta(days=10))
    call_publish(call=call, on=today)
    user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=user)
    images = [portfolio_image_add(creative=creative, file=upload(image_bytes()), caption=c)
              for c in ("Vaas", "Schaal", "Kom")]
    stranger = portfolio_image_add(creative=CreativeFactory(), file=upload(image_bytes()))
    return {"programmer": programmer, "call": call, "user": user, "creative": creative,
            "images": images, "stranger": stranger}


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_service_keeps_the_chosen_images(setting, today):
    chosen = setting["images"][:2]
    application = application_create(creative=setting["creative"], call=setting["call"],
                                     on=today, portfolio_images=chosen)
    assert set(application.portfolio_images.all()) == set(chosen)


def test_service_refuses_another_creatives_image(setting, today):
    with pytest.raises(ValidationError) as error:
        application_create(creative=setting["creative"], call=setting["call"], on=today,
                           portfolio_images=[setting["stranger"]])
    assert error.value.message_dict == {
        "portfolio_images": ["Choose images of your own portfolio."]}
    assert not Application.objects.exists()


def test_apply_page_shows_thumbnails_and_saves_the_choice(setting):
    client = client_for(setting["user"])
    url = reverse("creative-application-new") + f"?call={setting['call'].pk}"
    page = client.get(url).content.decode()
    for image in setting["images"]:
        assert image.thumb_400.url in page
    assert setting["stranger"].thumb_400.url not in page
    response = client.post(url, {"action": "submit", "motivation": "Klei",
                                 "portfolio_images": [setting["images"][2].pk]})
    assert response.status_code == 302
    application = Application.objects.get()
    assert list(application.portfolio_images.all()) == [setting["images"][2]]


def test_apply_page_refuses_another_creatives_image(setting):
    client = client_for(setting["user"])
    url = reverse("creative-application-new") + f"?call={setting['call'].pk}"
    response = client.post(url, {"action": "submit",
                                 "portfolio_images": [setting["stranger"].pk]})
    assert response.status_code == 200
    assert response.context["form"].errors["portfolio_images"]
    assert not Application.objects.exists()


def test_api_takes_own_images_and_refuses_others(setting):
    client = client_for(setting["user"])
    url = reverse("api:my-application-list")
    refused = client.post(url, {"call": setting["call"].pk,
                                "portfolio_images": [setting["stranger"].pk]},
                          content_type="application/json")
    assert refused.status_code == 400
    assert "portfolio_images" in refused.json()
    assert not Application.objects.exists()
    response = client.post(url, {"call": setting["call"].pk,
                                 "portfolio_images": [setting["images"][0].pk]},
                           content_type="application/json")
    assert response.status_code == 201
    [image] = response.json()["portfolio_images"]
    assert (image["id"], image["caption"]) == (setting["images"][0].pk, "Vaas")
    assert image["thumb_400"].endswith(setting["images"][0].thumb_400.url)


def test_programmer_sees_the_chosen_images_first(setting, today):
    application = application_create(creative=setting["creative"], call=setting["call"],
                                     on=today, portfolio_images=[setting["images"][2]])
    application_submit(application=application, on=today)
    response = client_for(setting["programmer"]).get(
        reverse("programmer-applicant-detail", args=[application.pk]))
    images = response.context["images"]
    assert [image.caption for image in images] == ["Kom", "Vaas", "Schaal"]
    assert [image.chosen for image in images] == [True, False, False]
    assert "chosen for this application" in response.content.decode()
