"""The programmer's tenancy timeline: a chart of a period's months, the page's spaces as rows,
each tenancy a bar that leads to what can still be done with it, and the current and coming
tenancies as a list. Paged by period and by spaces; its size and queries do not grow with the
building's history."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from broedplaats.models import EndReason, Tenancy
from broedplaats.selectors.timeline import add_months
from tests.broedplaats.views import test_programmer as programmer_pages
from tests.factories import CreativeFactory, SpaceFactory, TenancyFactory

place = programmer_pages.place  # the fixture: a building with a programmer, two spaces, a call
logged_in = programmer_pages.logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def timeline_url(place, **params) -> str:
    url = reverse("programmer-tenancies", args=[place["building"].slug])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


def bars(html: str) -> dict[str, str]:
    """The chart's bars: their accessible name by link."""
    return dict(re.findall(r'<a class="tl-bar[^"]*" href="([^"]*)" '
                           r'aria-label="([^"]*)">', unescape(html)))


def months_shown(html: str) -> str:
    return re.search(r'<h2 id="tl-period">(.*?)</h2>', html).group(1)


def default_from(today: date) -> date:
    return add_months(today.replace(day=1), -3)


# --- the chart ---------------------------------------------------------------------------------

def test_bars_name_the_creative_space_and_dutch_dates(place):
    space = place["spaces"][0]
    TenancyFactory(space=space, creative=CreativeFactory(name="Anna de Klei"),
                   start=date(2025, 3, 1), planned_end=date(2027, 3, 1))
    client = logged_in(Client(HTTP_ACCEPT_LANGUAGE="nl"), place["programmer"])
    html = client.get(timeline_url(place, **{"from": "2025-01"})).content.decode()
    (name,) = bars(html).values()
    # the last day let: end dates are exclusive
    assert name.startswith(f"Anna de Klei, {space.code}, 1 maart 2025 – 28 februari 2027")
    assert months_shown(html) == "januari 2025 – december 2025"


def test_a_bar_is_placed_by_its_days_in_the_period(client, place):
    TenancyFactory(space=place["spaces"][0], start=date(2025, 7, 2),  # day 182 of 365
                   planned_end=date(2027, 1, 1))
    logged_in(client, place["programmer"])
    html = client.get(timeline_url(place, **{"from": "2025-01"})).content.decode()
    classes = re.search(r'<a class="tl-bar ([^"]*)"', html).group(1).split()
    # runs on past the period's end: drawn to its edge and marked as running on
    assert "ce" in classes and "cs" not in classes
    # placed by a rule in the page's nonce'd <style> (the CSP refuses style="" attributes)
    [place_class] = [name for name in classes if re.fullmatch(r"tl-r\d+b\d+", name)]
    style = re.search(r'<style nonce="[^"]+">(.*?)</style>', html, re.S).group(1)
    rule = re.search(rf"\.{place_class}\{{left:([\d.]+)%;width:([\d.]+)%\}}", style)
    assert (float(rule.group(1)), float(rule.group(2))) == (49.86, 50.14)


def test_only_tenancies_meeting_the_period_are_drawn(client, place):
    space = place["spaces"][0]
    before = TenancyFactory(space=space, start=date(2023, 1, 1), planned_end=date(2024, 1, 1))
    inside = TenancyFactory(space=space, start=date(2024, 3, 1), planned_end=date(2024, 9, 1))
    after = TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2025, 6, 1))
    logged_in(client, place["programmer"])
    drawn = bars(client.get(timeline_url(place, **{"from": "2024-01"})).content.decode())
    assert list(drawn) == [reverse("programmer-tenancy-detail", args=[inside.pk])]
    assert before.creative.name not in str(drawn) and after.creative.name not in str(drawn)


def test_a_cancelled_tenancy_is_not_drawn(client, place, today):
    TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=20),
                   planned_end=today + timedelta(days=300), actual_end=today + timedelta(days=20),
                   end_reason=EndReason.OTHER)
    logged_in(client, place["programmer"])
    assert bars(client.get(timeline_url(place)).content.decode()) == {}


def test_current_and_coming_bars_lead_to_their_actions_past_ones_to_the_tenancy(client, place,
                                                                                 today):
    space, other = place["spaces"]
    past = TenancyFactory(space=space, start=today - timedelta(days=80),
                          planned_end=today - timedelta(days=10))
    ended = TenancyFactory(space=other, start=today - timedelta(days=80),
                           planned_end=today + timedelta(days=300),
                           actual_end=today - timedelta(days=5), end_reason=EndReason.TERMINATED)
    current = TenancyFactory(space=space, start=today - timedelta(days=5),
                             planned_end=today + timedelta(days=60))
    coming = TenancyFactory(space=other, start=today + timedelta(days=10),
                            planned_end=today + timedelta(days=200))
    logged_in(client, place["programmer"])
    html = client.get(timeline_url(place)).content.decode()
    links = bars(html)
    back = f"?from={default_from(today):%Y-%m}&page=1"
    for tenancy in (past, ended):
        assert reverse("programmer-tenancy-detail", args=[tenancy.pk]) in links
    for tenancy, state in ((current, "current"), (coming, "coming")):
        name = links[reverse("programmer-tenancy-actions", args=[tenancy.pk]) + back]
        assert name.endswith(state)  # the state in words, not only in colour
    # no form on the timeline: the actions are one page per tenancy
    assert 'action="/programmer/tenancies/' not in html


def test_the_list_holds_the_current_and_coming_tenancies_with_their_actions(client, place,
                                                                           today):
    space, other = place["spaces"]
    TenancyFactory(space=space, creative=CreativeFactory(name="Oud Atelier"),
                   start=today - timedelta(days=400), planned_end=today - timedelta(days=10))
    current = TenancyFactory(space=space, start=today - timedelta(days=5),
                             planned_end=today + timedelta(days=60))
    # far beyond the period shown: still listed, it can still be cancelled
    coming = TenancyFactory(space=other, start=today + timedelta(days=700),
                            planned_end=today + timedelta(days=900))
    logged_in(client, place["programmer"])
    html = unescape(client.get(timeline_url(place)).content.decode())
    table = re.search(r'<table class="table stack tl-list".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td[^>]*>.*?</tr>", table, re.S)
    assert len(rows) == 2
    assert current.creative.name in rows[0] and "Renew or end" in rows[0]
    assert coming.creative.name in rows[1] and "End or cancel" in rows[1]
    assert "Oud Atelier" not in table
    assert re.findall(r'<th scope="col">(.*?)</th>', table) == [
        "Space", "Creative", "From", "Last day", "Actions"]


@pytest.mark.parametrize("value", ["2025-13", "2025-00", "abc", "2025-1", "0001-01",
                                   "99999-01", "2025-01-01", "", "２０２５-０１"])
def test_a_period_the_page_cannot_read_gives_the_default_one(client, place, today, value):
    logged_in(client, place["programmer"])
    response = client.get(timeline_url(place, **{"from": value}))
    assert response.status_code == 200
    first = default_from(today)
    assert response.context["period"].start == first
    assert months_shown(response.content.decode()).startswith(first.strftime("%B %Y"))


def test_the_period_links_move_a_year_and_keep_the_page(client, place):
    for _ in range(30):
        SpaceFactory(building=place["building"])
    logged_in(client, place["programmer"])
    html = client.get(timeline_url(place, **{"from": "2025-04", "page": "2"})).content.decode()
    assert 'href="?from=2024-04&amp;page=2" rel="prev"' in html
    assert 'href="?from=2026-04&amp;page=2" rel="next"' in html
    assert months_shown(html) == "April 2025 – March 2026"


def test_spaces_are_paged_24_at_a_time(client, place):
    for _ in range(28):
        SpaceFactory(building=place["building"])
    logged_in(client, place["programmer"])
    first = client.get(timeline_url(place, **{"from": "2025-01"}))
    second = client.get(timeline_url(place, **{"from": "2025-01", "page": "2"}))
    assert [len(response.context["rows"]) for response in (first, second)] == [24, 6]
    assert "?from=2025-01&amp;page=2" in first.content.decode()  # the pager keeps the period
    codes = [row.space.code for response in (first, second) for row in response.context["rows"]]
    assert len(set(codes)) == 30


def test_today_is_marked_in_its_period_only(client, place, today):
    logged_in(client, place["programmer"])
    assert 'class="tl-today"' in client.get(timeline_url(place)).content.decode()
    earlier = add_months(today.replace(day=1), -24).strftime("%Y-%m")
    assert 'class="tl-today"' not in client.get(
        timeline_url(place, **{"from": earlier})).content.decode()


def test_the_chart_scrolls_in_a_named_focusable_region(client, place):
    logged_in(client, place["programmer"])
    html = client.get(timeline_url(place)).content.decode()
    assert '<div class="tl-scroll" role="region" aria-labelledby="tl-period" tabindex="0">' in html
    assert "css/timeline.css" in html


# --- size and queries ----------------------------------------------------------------------

def _let_for_ten_years(spaces, today: date) -> None:
    """Each space let for ten years up to today in one-year tenancies, a few weeks apart."""
    creatives = [CreativeFactory() for _ in range(12)]
    tenancies = []
    for index, space in enumerate(spaces):
        start = today - timedelta(days=385 * 9 + index)
        for year in range(10):
            end = start + timedelta(days=365)
            tenancies.append(Tenancy(space=space, creative=creatives[(index + year) % 12],
                                     start=start, planned_end=end, monthly_rent=250))
            start = end + timedelta(days=20)  # free for a few weeks
    Tenancy.objects.bulk_create(tenancies)


def _get(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_a_page_stays_small_and_its_queries_do_not_grow_with_the_building(
        client, place, today, django_assert_max_num_queries):
    building = place["building"]
    _let_for_ten_years(place["spaces"] + [SpaceFactory(building=building) for _ in range(8)],
                       today)
    logged_in(client, place["programmer"])
    url = timeline_url(place)
    client.get(url)  # warm the session
    # session, user, groups, building, the spaces' count and page, their tenancies
    _few, queries = _get(client, url, django_assert_max_num_queries, 7)
    _let_for_ten_years([SpaceFactory(building=building) for _ in range(50)], today)
    assert building.spaces.count() == 60 and Tenancy.objects.count() == 600
    many, many_queries = _get(client, url, django_assert_max_num_queries, queries)
    assert many_queries == queries
    assert len(many.context["rows"]) == 24
    assert len(many.content) < 100_000, len(many.content)
    # any year of the history, any page: the same queries, still small
    for years in range(-10, 2):
        month = add_months(today.replace(day=1), 12 * years).strftime("%Y-%m")
        for page in (1, 3):
            response, _queries = _get(
                client, timeline_url(place, **{"from": month, "page": page}),
                django_assert_max_num_queries, queries)
            assert len(response.content) < 100_000


# --- a tenancy's actions page ------------------------------------------------------------------

def test_the_actions_page_is_small_and_leads_back_to_the_timeline_period(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.get(reverse("programmer-tenancy-actions", args=[tenancy.pk])
                          + "?from=2026-01&page=2&evil=1")
    html = response.content.decode()
    assert response.status_code == 200 and len(response.content) < 20_000
    assert f'href="{timeline_url(place, **{"from": "2026-01", "page": "2"})}"'.replace(
        "&", "&amp;") in html
    assert html.count('<input type="hidden" name="from" value="2026-01">') == 2  # renew, end
    assert "evil" not in html.split("</header>")[1]  # the language switch keeps the full path


def test_an_unreadable_way_back_is_dropped(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(), f"end-{tenancy.pk}-reason": "terminated",
        "from": "javascript:alert(1)", "page": "²"})
    assert response["Location"] == timeline_url(place)


def test_a_refused_end_shows_the_actions_page_not_the_timeline(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": "2001-01-01", f"end-{tenancy.pk}-reason": "other",
        "from": "2026-01"})
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == \
        "broedplaats/programmer/tenancy_actions.html"
    assert len(response.content) < 20_000
    assert '<input type="hidden" name="from" value="2026-01">' in response.content.decode()


def test_a_past_tenancy_has_nothing_to_do(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=400),
                             planned_end=today - timedelta(days=30))
    logged_in(client, place["programmer"])
    html = client.get(reverse("programmer-tenancy-actions", args=[tenancy.pk])).content.decode()
    assert "nothing left to renew, end or cancel" in html
    assert "<form method=\"post\" action=\"/programmer/tenancies/" not in html


def test_a_refused_cancel_from_the_actions_page_returns_there(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=3),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-cancel", args=[tenancy.pk]),
                           {"next": "actions", "from": "2026-01"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "programmer-tenancy-actions", args=[tenancy.pk]) + "?from=2026-01"
    html = response.content.decode()
    assert "end it instead of cancelling it" in html
    assert f'id="end-{tenancy.pk}"' in html  # what can be done instead


def test_a_cancel_from_the_actions_page_returns_to_the_timeline(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-cancel", args=[tenancy.pk]),
                           {"next": "actions", "from": "2026-01", "page": "1"})
    assert response["Location"] == timeline_url(place, **{"from": "2026-01", "page": "1"})
    tenancy.refresh_from_db()
    assert tenancy.actual_end == tenancy.start


def test_another_buildings_tenancy_has_no_actions_page(client, place, today):
    tenancy = TenancyFactory(start=today - timedelta(days=3),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    assert client.get(reverse("programmer-tenancy-actions", args=[tenancy.pk])
                      ).status_code == 404
