"""The throughput dashboards: the bureau's home, the programmer's home, open data and the
figures' API (JSON and CSV): who sees what, filters in the URL, suppression, no personal data,
and query counts that do not grow with the buildings."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from broedplaats.models import EndReason, PublicFigure
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import throughput_refresh
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _english_requests(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def city(db, today, stages):
    """Amsterdam with `n` buildings of two studios each; 'Anna Geheim' (anna@example.org)
    rents one and moved to making there; Rotterdam has one building of its own."""
    fashion = ChainFactory(name="Mode", name_en="Fashion", slug="fashion")
    designer = DisciplineFactory(chain=fashion, slug="designer")
    amsterdam = CityFactory(name="Amsterdam", slug="amsterdam")
    rotterdam = CityFactory(name="Rotterdam", slug="rotterdam")
    anna = CreativeFactory(name="Anna Geheim", email="anna@example.org", discipline=designer)
    building = BuildingFactory(city=amsterdam, name="Aaa Atelierhuis", chains=[fashion])
    space = SpaceFactory(building=building, code="1.01")
    SpaceFactory(building=building, code="1.02")
    TenancyFactory(space=space, creative=anna, start=today - timedelta(days=400),
                   planned_end=today + timedelta(days=300))
    StageMoveFactory(creative=anna, to_stage=stages[0], moved_on=today - timedelta(days=300),
                     building=building)
    StageMoveFactory(creative=anna, from_stage=stages[0], to_stage=stages[1],
                     moved_on=today - timedelta(days=100), building=building)
    ended = CreativeFactory(name="Bert Verborgen", discipline=designer)
    TenancyFactory(space=SpaceFactory(building=building, code="1.03"), creative=ended,
                   start=today - timedelta(days=900), planned_end=today,
                   actual_end=today - timedelta(days=30), end_reason=EndReason.OUTFLOW_TO_MARKET)
    BuildingFactory(city=rotterdam, name="Rotterdamse Loods")
    throughput_refresh()
    bureau = UserFactory(username="bureau", roles=[CITY_BUREAU])
    amsterdam.bureau_members.add(bureau)
    return {"amsterdam": amsterdam, "rotterdam": rotterdam, "building": building,
            "bureau": bureau, "fashion": fashion, "anna": anna}


def add_buildings(city, n: int):
    for index in range(n):
        building = BuildingFactory(city=city, name=f"Gebouw {index:03d}")
        SpaceFactory(building=building)


def test_bureau_home_shows_every_figure_for_its_city(client, city):
    client.force_login(city["bureau"])
    response = client.get(reverse("bureau-home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Throughput in Amsterdam" in html
    for figure in ("occupancy", "occupancy-monthly", "vacancy", "longest-vacant", "demand",
                   "waits", "flows", "time-in-stage", "cohorts", "completeness", "tenancies",
                   "end-reasons", "tenancy-length", "social-return", "districts", "disciplines",
                   "trends"):
        assert f'id="{figure}"' in html, figure
    assert "Aaa Atelierhuis" in html and "Rotterdamse Loods" not in html
    assert "<h2>Occupancy</h2>" in html
    row = next(b for b in client.get(reverse("bureau-home")).context["building_rows"]
               if b.name == "Aaa Atelierhuis")
    assert (row.space_count, row.let_count, row.occupancy) == (3, 1, 33.3)  # Anna's studio


def test_bureau_pages_and_downloads_hold_no_personal_data(client, city):
    client.force_login(city["bureau"])
    bodies = [client.get(reverse("bureau-home")).content.decode()]
    for figure in ("flows", "disciplines", "longest-vacant", "end-reasons", "demand"):
        bodies.append(client.get(reverse("api:throughput-figure", args=[figure]),
                                 {"format": "csv"}).content.decode())
        bodies.append(client.get(reverse("api:throughput-figure", args=[figure])).content.decode())
    for body in bodies:
        assert "Anna Geheim" not in body and "anna@example.org" not in body
        assert "Bert Verborgen" not in body


def test_small_counts_read_below_five_for_the_bureau_but_exact_for_the_programmer(client, city):
    client.force_login(city["bureau"])
    rows = list(csv.DictReader(io.StringIO(client.get(
        reverse("api:throughput-figure", args=["end-reasons"]), {"format": "csv"}
    ).content.decode())))
    outflow = next(row for row in rows if row["End reason"] == "Outflow to the market")
    assert outflow == {"End reason": "Outflow to the market", "Tenancies": "< 5", "Share": ""}
    programmer = UserFactory(roles=[PROGRAMMER])
    city["building"].programmers.add(programmer)
    client.force_login(programmer)
    data = client.get(reverse("api:throughput-figure", args=["end-reasons"])).json()
    outflow = next(row for row in data["rows"] if row["reason"] == "Outflow to the market")
    assert outflow["tenancies"] == 1 and data["suppressed"] is False


def test_filters_live_in_the_url_and_narrow_the_figures(client, city, today):
    client.force_login(city["bureau"])
    start = (today - timedelta(days=150)).isoformat()
    response = client.get(reverse("bureau-home"), {"chain": "fashion", "start": start})
    html = response.content.decode()
    assert 'value="fashion" selected' in html
    assert f'value="{start}"' in html
    data = client.get(reverse("api:throughput-figure", args=["flows"]),
                      {"chain": "fashion", "start": start}).json()
    assert data["start"] == start
    # Anna's move to making (100 days ago) is within; her idea stay began 300 days ago.
    assert data["rows"] == [{"from": "Idea (bedenken)", "to": "Making (maken)", "moves": "< 5"}]


def test_a_bad_filter_is_an_error_beside_its_field_and_a_400_naming_it(client, city, today):
    client.force_login(city["bureau"])
    future = (today + timedelta(days=10)).isoformat()
    response = client.get(reverse("bureau-home"), {"end": future})
    assert response.status_code == 200
    assert response.content.decode().count("Choose a date from January 1, 2000 up to today.") == 1
    api = client.get(reverse("api:throughput-figure", args=["occupancy"]),
                     {"end": future, "chain": "nope"})
    assert api.status_code == 400
    assert set(api.json()) == {"end", "chain"}


def test_a_bureau_cannot_ask_for_another_citys_buildings(client, city):
    client.force_login(city["bureau"])
    rotterdam = city["rotterdam"].buildings.get().slug
    response = client.get(reverse("api:throughput-figure", args=["occupancy"]),
                          {"building": rotterdam})
    assert response.status_code == 400 and "building" in response.json()
    assert client.get(reverse("api:throughput-figure", args=["occupancy"]),
                      {"city": "rotterdam"}).status_code == 400


def test_a_bureau_of_several_cities_chooses_one(client, city):
    city["rotterdam"].bureau_members.add(city["bureau"])
    client.force_login(city["bureau"])
    html = client.get(reverse("bureau-home"), {"city": "rotterdam"}).content.decode()
    assert "Throughput in Rotterdam:" in html
    table = html.split('id="buildings"')[1]
    assert "Rotterdamse Loods" in table and "Aaa Atelierhuis" not in table


@pytest.mark.parametrize("role", [CREATIVE, None])
def test_creatives_and_anonymous_get_no_throughput_api(client, city, role):
    if role:
        client.force_login(UserFactory(roles=[role]))
    response = client.get(reverse("api:throughput-figure", args=["occupancy"]))
    assert response.status_code in (401, 403)


def test_an_unknown_figure_is_not_found(client, city):
    client.force_login(city["bureau"])
    assert client.get(reverse("api:throughput-figure", args=["nonsense"])).status_code == 404


def test_the_building_table_pages_24_and_sorts(client, city):
    add_buildings(city["amsterdam"], 30)
    client.force_login(city["bureau"])
    first = client.get(reverse("bureau-home")).content.decode().split('id="buildings"')[1]
    assert "31 buildings in this selection." in first
    assert first.count('<td><a href="/buildings/') == 24
    assert "Aaa Atelierhuis" in first and "Gebouw 029" not in first
    last = client.get(reverse("bureau-home"), {"page": 2}).content.decode().split('id="buildings"')[1]
    assert last.count('<td><a href="/buildings/') == 7 and "Gebouw 029" in last
    descending = client.get(reverse("bureau-home"), {"sort": "-name"}).content.decode() \
        .split('id="buildings"')[1]
    assert descending.index("Gebouw 029") < descending.index("Gebouw 028")


def test_the_bureau_home_query_count_does_not_grow_with_buildings(client, city,
                                                                   django_assert_max_num_queries):
    client.force_login(city["bureau"])
    add_buildings(city["amsterdam"], 5)
    with django_assert_max_num_queries(70) as few:
        client.get(reverse("bureau-home"))
    add_buildings(city["amsterdam"], 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("bureau-home"))


def test_the_programmer_home_shows_figures_and_actions(client, city, today,
                                                       django_assert_max_num_queries):
    programmer = UserFactory(roles=[PROGRAMMER])
    city["building"].programmers.add(programmer)
    client.force_login(programmer)
    with django_assert_max_num_queries(80):
        html = client.get(reverse("programmer-home")).content.decode()
    assert "Waiting for screening" in html and "Spaces empty today" in html
    assert 'id="flows"' in html
    assert "1.02" in html  # an empty space to act on
    assert "Rotterdamse Loods" not in html


def test_publishing_a_figure_opens_it_to_everyone_with_suppression(client, city):
    client.force_login(city["bureau"])
    url = reverse("bureau-figure-publish", args=["amsterdam"])
    assert client.post(url, {"figure": "end-reasons", "public": "true"}).status_code == 302
    assert PublicFigure.objects.filter(city=city["amsterdam"], figure="end-reasons").exists()
    client.logout()
    # Every page's footer leads to the open data; the index lists the city.
    assert f'href="{reverse("open-data")}"' in client.get(reverse("building-list")).content.decode()
    index = client.get(reverse("open-data")).content.decode()
    assert reverse("open-data-city", args=["amsterdam"]) in index
    page = client.get(reverse("open-data-city", args=["amsterdam"])).content.decode()
    assert 'id="end-reasons"' in page and 'id="occupancy"' not in page
    data = client.get(reverse("api:open-data-figure", args=["amsterdam", "end-reasons"])).json()
    assert data["suppressed"] is True
    assert {row["tenancies"] for row in data["rows"]} <= {0, "< 5"}
    hidden = client.get(reverse("api:open-data-figure", args=["amsterdam", "occupancy"]))
    assert hidden.status_code == 404


def test_a_bureau_cannot_publish_another_citys_figures(client, city):
    client.force_login(city["bureau"])
    url = reverse("bureau-figure-publish", args=["rotterdam"])
    assert client.post(url, {"figure": "occupancy", "public": "true"}).status_code == 404
    assert not PublicFigure.objects.exists()


def test_unpublishing_takes_a_figure_off_the_open_data(client, city):
    PublicFigure.objects.create(city=city["amsterdam"], figure="trends")
    client.force_login(city["bureau"])
    client.post(reverse("bureau-figure-publish", args=["amsterdam"]),
                {"figure": "trends", "public": "false"})
    assert not PublicFigure.objects.exists()
    assert client.get(reverse("open-data-city", args=["amsterdam"])).status_code == 404


def test_the_csv_download_has_exactly_the_tables_numbers(client, city):
    client.force_login(city["bureau"])
    response = client.get(reverse("api:throughput-figure", args=["occupancy"]),
                          {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    total = rows[-1]
    assert total == {"Kind of space": "All spaces", "Spaces": "3", "Let": "1", "Occupancy": "33.3",
                     "Area": "120.0", "Area let": "40.0", "Area occupancy": "33.3"}


def test_the_figures_are_in_the_openapi_schema_with_their_filters(client, city):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/throughput/{figure}/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"figure", "city", "building", "chain", "discipline", "space_kind", "start", "end",
            "format"} <= names
    assert "/api/open-data/{slug}/{figure}/" in schema["paths"]


def test_a_programmer_or_admin_without_buildings_gets_empty_figures_not_an_error(client, city):
    # On PostgreSQL an empty building list once compiled to no SQL at all (EmptyResultSet).
    for user in (UserFactory(roles=[PROGRAMMER]), UserFactory(is_superuser=True, is_staff=True)):
        client.force_login(user)
        assert client.get(reverse("programmer-home")).status_code == 200
