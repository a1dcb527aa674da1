"""Issue 10, the Content-Security-Policy in a browser: the key pages of every role load with no
violation reported (neither the `securitypolicyviolation` event nor a console message), and what
runs on them still works under it: htmx filters in place, Chart.js draws, the timeline and the
path place their bars, Swagger UI reads the schema. tests/test_csp.py checks the header."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import application_create, application_submit, throughput_refresh
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@pytest.fixture
def world():
    today = timezone.localdate()
    idea, making = stage("idea"), stage("making")
    city = CityFactory(name="Amsterdam", slug="amsterdam")
    CityFactory(name="Rotterdam", slug="rotterdam")
    chain = ChainFactory(name="Mode", name_en="Fashion", slug="mode")
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=city, chains=[chain],
                               programmers=[programmer])
    BuildingFactory(name="Ander Pand", city=CityFactory(name="Utrecht", slug="utrecht"))
    spaces = [SpaceFactory(building=building, code=f"A{n}", stages=[idea, making])
              for n in range(3)]
    maker = UserFactory(username="maker", roles=[CREATIVE])
    anna = CreativeFactory(user=maker, name="Anna de Klei")
    StageMoveFactory(creative=anna, to_stage=idea, moved_on=today - timedelta(days=500),
                     building=building)
    StageMoveFactory(creative=anna, from_stage=idea, to_stage=making,
                     moved_on=today - timedelta(days=200), building=building)
    TenancyFactory(space=spaces[0], creative=anna, start=today - timedelta(days=200),
                   planned_end=today + timedelta(days=300))
    TenancyFactory(space=spaces[1], start=today - timedelta(days=400),
                   planned_end=today + timedelta(days=100))
    for name in ("Bram Draad", "Cas Stof"):
        application = application_create(creative=CreativeFactory(name=name), on=today,
                                         building=building, motivation="Ik maak kleding.")
        application_submit(application=application, on=today)
    throughput_refresh()
    bureau = UserFactory(username="bureau", roles=[CITY_BUREAU])
    city.bureau_members.add(bureau)
    return building


@pytest.fixture
def open_as(browser, live_server):
    contexts = []

    def open_page(username=None):
        context = browser.new_context(base_url=live_server.url, locale="nl-NL")
        contexts.append(context)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.console_messages = []
        page.on("console", lambda message: page.console_messages.append(message.text))
        if username:
            log_in(page, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def assert_no_violations(page):
    violations = page.evaluate("window.__cspViolations")
    console = [text for text in page.console_messages
               if "Content Security Policy" in text or "Refused to" in text]
    assert violations == [] and console == [], (page.url, violations, console)


def test_building_list_filters_in_place_under_the_policy(open_as, world):
    page = open_as()
    page.goto("/")
    page.select_option("select[name=city]", "utrecht")
    page.wait_for_url(re.compile(r"city=utrecht"))  # htmx pushed the URL...
    page.locator("#results >> text=Ander Pand").wait_for()  # ...and swapped the results
    assert "De Ceuvel" not in page.locator("#results").inner_text()
    assert page.evaluate("!!window.htmx")
    assert_no_violations(page)
    page.goto("/buildings/de-ceuvel/")
    assert page.locator("h1").inner_text() == "De Ceuvel"
    assert_no_violations(page)


def test_the_bureau_dashboard_draws_its_charts_under_the_policy(open_as, world):
    page = open_as("bureau")
    assert page.locator("h1").inner_text() == "Stadsoverzicht"
    page.wait_for_function(
        "() => window.Chart && [...document.querySelectorAll('canvas')]"
        ".filter((c) => Chart.getChart(c)).length >= 3")
    assert_no_violations(page)


def test_the_timeline_and_the_applicants_search_work_under_the_policy(open_as, world):
    page = open_as("prog")
    page.goto("/programmer/buildings/de-ceuvel/tenancies/")
    bars = page.locator("a.tl-bar")
    assert bars.count() == 2
    # Placed by the nonce'd rules: not stacked at the left edge at their minimum width.
    boxes = [bars.nth(n).bounding_box() for n in range(2)]
    track = page.locator(".tl-track").first.bounding_box()
    assert all(box["width"] > 20 for box in boxes)
    assert any(box["x"] > track["x"] + 5 for box in boxes) or any(
        box["x"] + box["width"] < track["x"] + track["width"] - 5 for box in boxes)
    assert page.locator("b.tl-today").bounding_box()["x"] > track["x"]
    assert_no_violations(page)

    page.goto("/programmer/applicants/")
    assert page.locator("#applicant-results").inner_text().count("Cas Stof") == 1
    page.fill("input[name=q]", "Bram")
    page.wait_for_url(re.compile(r"q=Bram"))
    page.wait_for_function(
        "() => !document.querySelector('#applicant-results').innerText.includes('Cas Stof')")
    assert "Bram Draad" in page.locator("#applicant-results").inner_text()
    assert_no_violations(page)


def test_the_creatives_path_is_sized_under_the_policy(open_as, world):
    page = open_as("maker")
    assert page.locator("h1").inner_text() == "Mijn overzicht"
    grows = page.evaluate(
        "[...document.querySelectorAll('.path-spell')].map((li) => getComputedStyle(li).flexGrow)")
    assert len(grows) == 2 and all(grow not in ("0", "1") for grow in grows)
    assert_no_violations(page)


def test_the_api_docs_and_the_admin_log_in_under_the_policy(open_as, world):
    page = open_as()
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock-tag-section").first.wait_for()  # the schema was read and drawn
    assert_no_violations(page)
    page.goto("/admin/login/")
    assert page.locator("input[name=username]").count() == 1
    assert_no_violations(page)


def test_the_admin_pages_load_under_the_policy(open_as, world):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page = open_as()
    page.goto("/admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert_no_violations(page)
    page.goto("/admin/broedplaats/building/")
    page.locator("#result_list").wait_for()
    assert_no_violations(page)


def test_a_violation_would_be_seen(open_as, world):
    """The check above is not blind: an inline style the policy refuses is reported."""
    page = open_as()
    page.goto("/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    with pytest.raises(AssertionError):
        assert_no_violations(page)
