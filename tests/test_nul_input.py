"""A NUL character never reaches the database (PostgreSQL text cannot hold it, so it was a
500): every URL of the URLconf, pages, API and admin, by GET and POST, with a NUL in the path,
the query string or the body (form and JSON), as anonymous and as each role, is refused.

The walk covers the URLconf as it is, so a URL added later is covered without a row here.
The middleware itself (broedplaats.middleware) is tested below the walk: what it looks at, the
answer's form and language, and what it leaves alone (file contents may hold zero bytes).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver
from django.utils.regex_helper import normalize

from broedplaats.middleware import RefuseNulMiddleware
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from tests.factories import BuildingFactory, CreativeFactory, UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

# A value each URL parameter's converter or regex accepts; "1" fits int, str, slug and path.
SAMPLES = {"format": "json", "uidb64": "MQ", "app_label": "broedplaats"}
NUL_VALUE = "a%00b"  # in a URL; the test client decodes it as a server would

FORM = {"name": "a\x00b", "to_stage": "\x00", "building": "1", "note\x00": "x"}
JSON_BODY = {"to_stage": "\u0000", "building": "a\u0000b", "nested": [{"key\u0000": 1}]}


def url_templates() -> list[tuple[str, list[str]]]:
    """Every endpoint of the URLconf as (format string, parameter names): the patterns'
    regexes joined along their includes, as Django joins them to reverse a URL."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            piece = pattern.pattern.regex.pattern.removeprefix("^")
            piece = piece.removesuffix(r"\Z").removesuffix("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + piece)
            else:
                found.append(normalize(prefix + piece)[0])

    walk(get_resolver().url_patterns, "")
    return sorted(set((template, tuple(params)) for template, params in found))


def urls(where: str) -> list[str]:
    """Each endpoint's URL, with a NUL in its path (the first parameter, or a segment added
    to a URL without one) or in its query string (a key and several values)."""
    built = []
    for template, params in url_templates():
        values = {name: SAMPLES.get(name, "1") for name in params}
        if where == "path" and params:
            values[params[0]] = NUL_VALUE
        url = "/" + template % values
        if where == "path" and not params:
            url = url.rstrip("/") + f"/{NUL_VALUE}/"
        if where == "query":
            url += "?building=a%00b&q=%00&page=1&a%00=1"
        built.append(url)
    return built


@pytest.fixture
def roles(db):
    """A user of each role: the walk proves the refusal holds whoever asks."""
    creative = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=creative)
    programmer = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(programmers=[programmer])
    return {"anonymous": None, "creative": creative, "programmer": programmer,
            "bureau": UserFactory(roles=[CITY_BUREAU]),
            "admin": UserFactory(is_superuser=True, is_staff=True)}


REQUESTS = [
    ("get", "path"), ("get", "query"),
    ("post", "path"), ("post", "query"), ("post", "form"), ("post", "json"),
]


def test_the_walk_covers_pages_api_and_admin():
    templates = {template for template, _ in url_templates()}
    assert len(templates) > 100
    for url in ("api/buildings/%(slug)s/", "buildings/%(slug)s/", "admin/"):
        assert url in templates, url
    assert "/api/buildings/a%00b/" in urls("path")


@pytest.mark.parametrize(("method", "where"), REQUESTS, ids=["-".join(r) for r in REQUESTS])
@pytest.mark.parametrize("role", ["anonymous", "creative", "programmer", "bureau", "admin"])
def test_nul_anywhere_in_any_url_is_refused(roles, role, method, where):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False  # a failure is a status to report, not a crash
    if roles[role] is not None:
        client.force_login(roles[role])
    where_urls = urls("query" if where == "query" else "path" if where == "path" else "")
    wrong = []
    for url in where_urls:
        if where == "form":
            response = client.post(url, FORM)
        elif where == "json":
            response = client.post(url, json.dumps(JSON_BODY), content_type="application/json")
        else:
            response = getattr(client, method)(url)
        # 404 would do for a path (nothing is found by a NUL), never a 5xx; the middleware
        # answers all of them with 400 before any view runs, on every database.
        if response.status_code not in (400, 404):
            wrong.append((url, response.status_code))
    assert not wrong, wrong[:20]


# --- the middleware --------------------------------------------------------------------------

def _through(request):
    """The middleware's answer, or 200 from a view that would have run."""
    return RefuseNulMiddleware(lambda request: HttpResponse("the view ran"))(request)


factory = RequestFactory()


@pytest.mark.parametrize("request_", [
    factory.get("/buildings/a\x00b/"),
    factory.get("/buildings/", {"q": "a\x00b"}),
    factory.get("/buildings/", {"q\x00": "b"}),
    factory.post("/me/profile/", {"bio": "x", "name": "a\x00"}),
    factory.put("/api/spaces/1/", "area_m2=1&code=a%00", content_type="application/x-www-form-urlencoded"),
    factory.patch("/api/spaces/1/", json.dumps({"code": "\u0000"}), content_type="application/json"),
    factory.post("/api/applications/", json.dumps({"a": [{"b": {"c\u0000": 1}}]}),
                 content_type="application/json"),
    factory.post("/api/x/", json.dumps({"x": 1}), content_type="application/vnd.api+json; q=\x00"),
    factory.get("/api/buildings/", HTTP_AUTHORIZATION="Token abc\x00def"),
    factory.get("/", HTTP_COOKIE="sessionid=abcdefgh\x00ijkl"),
], ids=["path", "query value", "query key", "form field", "put form", "patch json",
        "nested json key", "content type", "authorization header", "session cookie"])
def test_the_middleware_refuses_a_nul_wherever_it_enters(request_):
    assert _through(request_).status_code == 400


def _multipart(replace: bytes, by: bytes):
    """A POSTed upload with part of its encoded body replaced, as a hand-made client sends."""
    upload = SimpleUploadedFile("photo.png", image_bytes(), content_type="image/png")
    request = factory.post("/programmer/spaces/1/photo/", {"file": upload, "caption": "x"})
    return factory.generic("POST", "/programmer/spaces/1/photo/",
                           request.body.replace(replace, by, 1),
                           content_type=request.META["CONTENT_TYPE"])


def test_a_nul_in_a_multipart_field_or_value_is_refused():
    assert _through(_multipart(b'name="caption"', b'name="cap\x00tion"')).status_code == 400
    assert _through(_multipart(b'name="file"', b'name="fi\x00le"')).status_code == 400
    assert _through(_multipart(b"\r\n\r\nx\r\n", b"\r\n\r\nx\x00\r\n")).status_code == 400


def test_a_nul_in_an_uploaded_files_name_never_reaches_a_view():
    """Django's multipart parser drops it from the name (and services name files themselves)."""
    request = _multipart(b'filename="photo.png"', b'filename="pho\x00to.png"')
    assert _through(request).status_code == 200
    assert "\x00" not in request.FILES["file"].name


def test_zero_bytes_inside_an_uploaded_file_are_its_content_not_input():
    content = image_bytes()
    assert b"\x00" in content
    upload = SimpleUploadedFile("photo.png", content, content_type="image/png")
    request = factory.post("/programmer/spaces/1/photo/", {"file": upload, "caption": "Studio"})
    response = _through(request)
    assert response.status_code == 200
    assert request.FILES["file"].read() == content  # still there for the view


def test_a_clean_json_body_still_reaches_the_view():
    request = factory.patch("/api/spaces/1/", json.dumps({"code": "A1", "text": "ok\\u0000"}),
                            content_type="application/json")
    assert _through(request).status_code == 200
    assert json.loads(request.body) == {"code": "A1", "text": "ok\\u0000"}


def test_a_form_put_is_parsed_once_and_left_for_the_api():
    """DRF parses PUT forms itself: it must still find the fields after the middleware."""
    from rest_framework.parsers import FormParser
    from rest_framework.request import Request

    request = factory.put("/api/spaces/1/", "code=A1&area_m2=20",
                          content_type="application/x-www-form-urlencoded")
    assert _through(request).status_code == 200
    assert request.method == "PUT"
    assert Request(request, parsers=[FormParser()]).data["code"] == "A1"


def test_invalid_json_is_left_to_the_view_to_refuse():
    request = factory.post("/api/applications/", "{not json", content_type="application/json")
    assert _through(request).status_code == 200


@pytest.mark.parametrize(("language", "text"), [
    ("en", "The request contains a NUL character"),
    ("nl", "NUL"),
])
def test_the_api_answers_in_json_in_the_users_language(client, language, text):
    response = client.get("/api/buildings/%00/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert text in response.json()["non_field_errors"][0]


def test_a_page_answers_with_the_sites_400_page_in_the_users_language(client):
    response = client.get("/buildings/?city=a%00b", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Bad request" in html
    assert "The request contains a NUL character" in html
    assert ">Buildings</a>" in html  # the site's header: a way on


def test_a_request_without_a_body_is_not_parsed_as_one():
    """A GET that names a form type but sends nothing stays a GET (no multipart error)."""
    request = factory.generic("GET", "/buildings/", "", content_type="multipart/form-data")
    assert _through(request).status_code == 200
