"""A creative downloads everything held about them, erases their account on the privacy page,
is logged out and cannot log in again; the city's throughput figures are the same after."""

import json
import zipfile

import pytest

from broedplaats.models import Figure
from broedplaats.selectors import throughput as figures
from tests.e2e.steps import PASSWORD, log_in
from tests.worlds import PERSONAL, privacy_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e,
              pytest.mark.usefixtures("media")]


def city_figures(city, today) -> dict:
    start, end = figures.default_period(today)
    scope = figures.Scope(today=today, start=start, end=end, city_ids=(city.pk,))
    return {code: figures.FIGURES[Figure(code)](scope).rows for code in Figure.values}


def test_a_creative_exports_then_erases_their_account(page, today, tmp_path):
    world = privacy_world(today)
    city = world["place"]["building"].city
    before = city_figures(city, today)

    log_in(page, PERSONAL["username"])
    page.goto("/creatives/profile/")
    page.click("a[href='/accounts/privacy/']")
    page.wait_for_url("**/accounts/privacy/")

    with page.expect_download() as download:
        page.click("a[href='/accounts/privacy/export/']")
    saved = tmp_path / "export.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("data.json"))
        assert data["profile"]["name"] == PERSONAL["name"]
        image = data["portfolio"][0]["file"]
        assert image.startswith("images/")
        assert archive.read(image) == world["images"][0].image.read()

    page.fill("input[name=password]", "not my password")
    page.click("form[action='/accounts/privacy/erase/'] button[type=submit]")
    assert page.locator("p:has(input[name=password]) .error").is_visible()

    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/privacy/erase/'] button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.locator("header a[href='/accounts/login/']").is_visible()  # logged out

    log_in(page, PERSONAL["username"])
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url  # refused: still on the log-in page
    assert page.locator("header a[href='/accounts/login/']").is_visible()

    assert city_figures(city, today) == before
