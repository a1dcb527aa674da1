"""The Content-Security-Policy: on every response (pages, API, errors, redirects, the lockout),
scripts and styles only from our own static files, a nonce only where a page sizes its bars in
a <style>, no inline script, event handler or style attribute in any template; the other
security headers stay. The browser side is tests/e2e/test_csp.py. docs/security.md."""

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from broedplaats.roles import PROGRAMMER
from tests.factories import BuildingFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("test-csp/boom/", _boom), path("", include("broedplaats.urls"))]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def assert_strict(response):
    directives = policy(response)
    for name, values in STRICT.items():
        assert directives[name] == values, name
    assert directives["style-src"][0] == "'self'"
    assert all(value.startswith("'nonce-") for value in directives["style-src"][1:])
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


@pytest.fixture
def building():
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(slug="de-ceuvel", programmers=[programmer])
    SpaceFactory(building=building)
    return building


@pytest.mark.parametrize("url", [
    "/", "/buildings/de-ceuvel/", "/accounts/login/", "/calls/", "/finder/", "/open-data/",
    "/admin/login/", "/no-such-page/", "/buildings/no-such-building/", "/favicon.ico",
    "/home/", "/api/", "/api/buildings/", "/api/no-such-endpoint/", "/api/schema/",
])
def test_every_kind_of_response_carries_the_strict_policy(client, building, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404), url
    assert_strict(response)


def test_api_writes_and_refusals_carry_it_too(building):
    api = APIClient()
    assert_strict(api.post(reverse("api:token"), {"username": "x", "password": "y"}))
    assert_strict(api.post(reverse("api:building-list"), {}))


@override_settings(ROOT_URLCONF=__name__)
def test_the_500_page_carries_it():
    client = Client(raise_request_exception=False)
    response = client.get("/test-csp/boom/")
    assert response.status_code == 500
    assert_strict(response)


def test_the_lockout_page_carries_it(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 429
    assert_strict(response)


def test_the_nonce_is_only_there_when_a_page_uses_it(client, building):
    assert "nonce" not in client.get("/").headers["Content-Security-Policy"]
    client.force_login(building.programmers.get())
    response = client.get(reverse("programmer-tenancies", args=[building.slug]))
    assert response.status_code == 200
    [nonce] = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert f'<style nonce="{nonce}">' in response.content.decode()
    again = client.get(reverse("programmer-tenancies", args=[building.slug]))
    assert nonce not in again["Content-Security-Policy"]  # a new one for each response


def test_the_api_docs_load_their_script_from_a_url_not_inline(client):
    response = client.get(reverse("api:docs"))
    assert_strict(response)
    html = response.content.decode()
    assert not re.search(r"<script>", html)
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    assert client.get(script)["Content-Type"].startswith("application/javascript")
    [nonce] = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert f'<style nonce="{nonce}">' in html


def test_the_other_security_headers_stay(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- the templates: nothing inline for the policy to refuse ------------------------------------

def template_files():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


def test_no_template_has_an_inline_script():
    for template in template_files():
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            assert "src=" in tag or 'type="application/json"' in tag, (template, tag)


def test_no_template_has_an_event_handler_style_attribute_or_htmx_eval():
    for template in template_files():
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", template.read_text(),
                      flags=re.S)
        for tag in re.findall(r"<[a-zA-Z][^>]*>", text):
            assert not re.search(r"\son[a-z]+\s*=", tag), (template, tag)
            assert not re.search(r"\sstyle\s*=", tag), (template, tag)
            assert not re.search(r"\shx-on", tag), (template, tag)
            assert "javascript:" not in tag and "js:" not in tag, (template, tag)
            trigger = re.search(r'hx-trigger="([^"]*)"', tag)
            assert not (trigger and "[" in trigger.group(1)), (template, tag)  # filters eval


def test_htmx_neither_adds_styles_nor_evals():
    base = (TEMPLATES / "base.html").read_text()
    assert ('<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
            '"allowEval": false}\'>') in base
