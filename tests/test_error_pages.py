"""The pages a person sees when something fails: 400, 403, 404, 500 and the CSRF refusal are
the site's own pages, in the user's language, with a way back; and the site has a favicon."""

from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import include, path

from broedplaats.roles import CREATIVE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _suspicious(request):
    raise SuspiciousOperation("a tampered request")


def _forbidden(request):
    raise PermissionDenied


# The test URLconf (this module): views that fail, then the site's own pages.
urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/suspicious/", _suspicious),
    path("test-errors/forbidden/", _forbidden),
    path("", include("broedplaats.urls")),
]

production = override_settings(DEBUG=False, ROOT_URLCONF=__name__)
LANGUAGES = [("nl", "Broedplaatsen"), ("en", "Buildings")]  # and the header's first link


def _client(language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.raise_request_exception = False
    return client


@production
@pytest.mark.parametrize(("language", "nav"), LANGUAGES)
def test_missing_page_is_the_sites_404_in_the_users_language(language, nav):
    response = _client(language).get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f">{nav}</a>" in html  # the site's header: a way on
    assert 'href="/"' in html  # home


@production
def test_404_in_english_says_what_happened():
    html = _client("en").get("/no-such-page/").content.decode()
    assert "Page not found" in html
    assert "To the home page" in html


@production
@pytest.mark.parametrize(("language", "nav"), LANGUAGES)
def test_forbidden_page_is_the_sites_403_in_the_users_language(language, nav):
    client = _client(language)
    client.force_login(UserFactory(roles=[CREATIVE]))
    response = client.get("/programmer/applicants/")  # a creative is not a programmer
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f">{nav}</a>" in html


@production
def test_403_links_back_to_the_previous_page_of_this_site():
    response = _client("en").get("/test-errors/forbidden/",
                                 HTTP_REFERER="http://testserver/buildings/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "No access" in html
    assert 'href="http://testserver/buildings/" rel="prev"' in html


@production
@pytest.mark.parametrize("referer", ["https://elsewhere.example/",
                                     "https://elsewhere.example/?http://testserver/",
                                     "http://testserver.elsewhere.example/"])
def test_404_never_links_back_to_another_site(referer):
    html = _client("en").get("/no-such-page/", HTTP_REFERER=referer).content.decode()
    assert "Back to the previous page" not in html
    assert "elsewhere.example" not in html


@production
def test_403_offers_an_anonymous_visitor_to_log_in():
    html = _client("en").get("/test-errors/forbidden/").content.decode()
    assert 'href="/accounts/login/?next=/test-errors/forbidden/"' in html


@production
@pytest.mark.parametrize(("language", "nav"), LANGUAGES)
def test_bad_request_is_the_sites_400_in_the_users_language(language, nav):
    response = _client(language).get("/test-errors/suspicious/")
    assert response.status_code == 400
    assert "400.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f">{nav}</a>" in html


@production
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_view_that_raises_gets_the_sites_500_in_the_users_language(language):
    response = _client(language).get("/test-errors/boom/")
    assert response.status_code == 500
    assert "500.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert '/static/css/site.css"' in html
    assert 'href="/"' in html
    assert "a bug" not in html  # nothing of the error itself


@production
def test_500_needs_neither_the_database_nor_context_processors(django_assert_num_queries):
    from django.template import loader

    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()  # as Django renders it: no context
    assert "Something went wrong" in html
    assert "favicon.svg" in html


@production
@pytest.mark.parametrize(("language", "nav"), LANGUAGES)
def test_csrf_refusal_is_the_sites_page_in_the_users_language(language, nav):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"},
                           HTTP_REFERER="http://testserver/accounts/login/")
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f">{nav}</a>" in html
    assert 'href="http://testserver/accounts/login/" rel="prev"' in html


@production
def test_csrf_refusal_in_english_says_what_to_do():
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    html = client.post("/accounts/login/", {}).content.decode()
    assert "The form has expired" in html
    assert "reload the page and send the form again" in html


# --- favicon -----------------------------------------------------------------------------------

def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    assert finders.find("img/favicon.ico")


def test_pages_link_the_svg_favicon_and_a_png_fallback(client):
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
    assert 'href="/static/img/favicon-32.png" type="image/png" sizes="32x32"' in html


def test_favicon_files_are_an_svg_and_a_32_pixel_png():
    from PIL import Image

    svg = ElementTree.parse(finders.find("img/favicon.svg")).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    with Image.open(finders.find("img/favicon-32.png")) as png:
        assert png.size == (32, 32)
    with Image.open(finders.find("img/favicon.ico")) as ico:
        assert (32, 32) in ico.info["sizes"]
