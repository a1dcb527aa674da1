"""The finder: buildings ranked for a creative's discipline, stage and wishes, with reasons.

The world (default weights 25/20/10/15/15/10/5, which already sum to 100):
- A "Atelier Noord", Amsterdam, focus fashion. A1 40 m² €250 making, daylight, free.
  A2 60 m² €500 making, let to a fashion maker in making (so A houses fashion × making).
  A3 is free but archived.
- B "Broedplaats Oost", Amsterdam, focus fashion and music. B1 30 m² €200 idea, free.
  B2 50 m² €350 making + distribution, daylight and water, let to a music creative in idea,
  and offered in an open call (published, open today).
- C "Cultuurfabriek", Rotterdam, focus music. C1 45 m² €300, serves every stage, free.
- D "De Werf", Amsterdam, focus fashion. D1 let to a fashion creative in idea; nothing free,
  no open call.
- E "Oude Loods", Amsterdam, archived, with a free space.
- F "Fabriek Zuid", Amsterdam, focus fashion. F1 is let; a closed call and an unpublished call
  offer it: neither counts.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, translation

from broedplaats.matching import score_matrix
from broedplaats.models import Space
from broedplaats.roles import CREATIVE
from broedplaats.selectors.finder import (
    FinderWish,
    candidate_scores,
    finder_page,
    finder_ranking,
)
from broedplaats.selectors.matching import (
    BuildingContext,
    Indexes,
    Wishes,
    applicant_arrays,
    building_space_arrays,
)
from broedplaats.services import call_create, call_publish, fit_weights_set
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
    facility,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for Dutch (the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _let(space, creative, today):
    return TenancyFactory(space=space, creative=creative, start=today - timedelta(days=30),
                          planned_end=today + timedelta(days=300))


def _in_stage(creative, code, today):
    StageMoveFactory(creative=creative, to_stage=stage(code), moved_on=today - timedelta(days=100))
    return creative


def _open_call(building, spaces, today, *, published=True, closes_in=30, title="Ateliers"):
    call = call_create(building=building, title=title, spaces=spaces,
                       opens_on=today - timedelta(days=10),
                       closes_on=today + timedelta(days=closes_in))
    if published:
        call_publish(call=call, on=today)
    return call


@pytest.fixture
def world(db, today):
    idea, making, distribution = stage("idea"), stage("making"), stage("distribution")
    daylight, water = facility("daylight"), facility("water")
    amsterdam = CityFactory(slug="amsterdam", name="Amsterdam")
    rotterdam = CityFactory(slug="rotterdam", name="Rotterdam")
    fashion = ChainFactory(slug="fashion", name="Mode", name_en="Fashion")
    music = ChainFactory(slug="music", name="Muziek", name_en="Music")
    designer = DisciplineFactory(chain=fashion, slug="designer", name="Ontwerper")
    producer = DisciplineFactory(chain=music, slug="producer", name="Producer")

    a = BuildingFactory(city=amsterdam, name="Atelier Noord", slug="atelier-noord",
                        chains=[fashion])
    SpaceFactory(building=a, code="A1", area_m2=Decimal(40), monthly_rent=Decimal(250),
                 stages=[making], facilities=[daylight])
    a2 = SpaceFactory(building=a, code="A2", area_m2=Decimal(60), monthly_rent=Decimal(500),
                      stages=[making])
    _let(a2, _in_stage(CreativeFactory(discipline=designer), "making", today), today)
    SpaceFactory(building=a, code="A3", archived=True, stages=[making])

    b = BuildingFactory(city=amsterdam, name="Broedplaats Oost", slug="broedplaats-oost",
                        chains=[fashion, music])
    SpaceFactory(building=b, code="B1", area_m2=Decimal(30), monthly_rent=Decimal(200),
                 stages=[idea])
    b2 = SpaceFactory(building=b, code="B2", area_m2=Decimal(50), monthly_rent=Decimal(350),
                      stages=[making, distribution], facilities=[daylight, water])
    _let(b2, _in_stage(CreativeFactory(discipline=producer), "idea", today), today)
    call = _open_call(b, [b2], today, closes_in=350)

    c = BuildingFactory(city=rotterdam, name="Cultuurfabriek", slug="cultuurfabriek",
                        chains=[music])
    SpaceFactory(building=c, code="C1", area_m2=Decimal(45), monthly_rent=Decimal(300))

    d = BuildingFactory(city=amsterdam, name="De Werf", slug="de-werf", chains=[fashion])
    d1 = SpaceFactory(building=d, code="D1", stages=[idea])
    _let(d1, _in_stage(CreativeFactory(discipline=designer), "idea", today), today)

    e = BuildingFactory(city=amsterdam, name="Oude Loods", slug="oude-loods", chains=[fashion],
                        archived=True)
    SpaceFactory(building=e, code="E1", stages=[making])

    f = BuildingFactory(city=amsterdam, name="Fabriek Zuid", slug="fabriek-zuid",
                        chains=[fashion])
    f1 = SpaceFactory(building=f, code="F1", stages=[making])
    _let(f1, _in_stage(CreativeFactory(discipline=designer), "making", today), today)
    closed = call_create(building=f, title="Dicht", spaces=[f1],
                         opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=1))
    call_publish(call=closed, on=today - timedelta(days=60))
    _open_call(f, [f1], today, published=False, title="Concept")

    return {"today": today, "stages": (idea, making, distribution), "daylight": daylight,
            "amsterdam": amsterdam, "rotterdam": rotterdam, "fashion": fashion, "music": music,
            "designer": designer, "producer": producer, "call": call,
            "buildings": {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}}


def _wish(world, **changes) -> FinderWish:
    fields = {"discipline": world["designer"], "stage": world["stages"][1],
              "min_area": Decimal(35), "max_area": Decimal(55), "max_rent": Decimal(300),
              "facilities": (world["daylight"],)}
    return FinderWish(**{**fields, **changes})


def _names(world, ids):
    by_pk = {b.pk: key for key, b in world["buildings"].items()}
    return [by_pk[pk] for pk in ids]


# --- the ranking -------------------------------------------------------------------------------

def test_the_ranking_follows_the_hand_worked_fits(world):
    # A fashion designer in making, 35–55 m², at most €300 a month, wishing daylight.
    # B2 (in B's open call, let now): stage 25 (serves making) + chain 20 + completeness 10
    #     (B houses no fashion maker) + area 15 (50 in 35–55) + rent 15 × (1 − 50/300) = 12.5
    #     + facilities 10 (daylight) = 92.5; B1 (idea only): 0 + 20 + 10
    #     + 15 × (1 − 5/35) = 12.857 + 15 + 0 = 57.857. B's best: 92.5.
    # A1 (free): 25 + 20 + 0 (A houses a fashion maker) + 15 + 15 + 10 = 85.
    # C1 (Rotterdam, serves every stage, music focus): 25 + 0 + 0 + 15 + 15 + 0 = 55.
    # D has nothing free and no open call; E is archived; F's calls are closed or unpublished.
    ranking = finder_ranking(wish=_wish(world), on=world["today"])
    assert _names(world, ranking.ranked_ids()) == ["B", "A", "C"]
    fits = {key: ranking.fit_of(world["buildings"][key].pk) for key in "BAC"}
    assert fits == {"B": 92.5, "A": 85.0, "C": 55.0}
    assert ranking.row_of(world["buildings"]["B"].pk).free == 1  # B1; B2 is let
    assert [row.completes for row in ranking.rows] == [True, False, False]
    assert ranking.count == 3
    # D has fashion in focus and no fashion maker: complete the chain there, nothing free.
    assert _names(world, ranking.completing_elsewhere) == ["D"]


def test_every_score_is_the_pure_function_the_rounds_use(world):
    # The database scores each candidate space (A1, B1, B2, C1) as score_matrix does, to the
    # float32 (default weights everywhere).
    wish, today = _wish(world), world["today"]
    scores = candidate_scores(wish=wish, on=today)
    spaces = Space.objects.filter(pk__in=scores).prefetch_related("stages", "facilities")
    assert sorted(space.code for space in spaces) == ["A1", "B1", "B2", "C1"]
    indexes = Indexes.load()
    applicant = applicant_arrays([Wishes(
        stage_id=wish.stage.pk, chain_id=wish.chain.pk, min_area=wish.min_area,
        max_area=wish.max_area, max_rent=wish.max_rent,
        facility_ids=[f.pk for f in wish.facilities])], indexes)
    for building in {space.building for space in spaces}:
        own = [space for space in spaces if space.building_id == building.pk]
        context = BuildingContext.load([building.pk], today)
        expected = score_matrix(applicant, building_space_arrays(building.pk, own, context,
                                                                 indexes))[0]
        assert [scores[space.pk] for space in own] == expected.tolist()
    assert sorted(round(s, 3) for s in scores.values()) == [55.0, 57.857, 85.0, 92.5]


def test_a_buildings_own_weights_count(world):
    # A's own weights count only the stage: A1 serves making, so it fits 100 and A leads.
    fit_weights_set(building=world["buildings"]["A"], stage=50, chain=0, completeness=0,
                    area=0, rent=0, facilities=0, wait=0)
    ranking = finder_ranking(wish=_wish(world), on=world["today"])
    assert _names(world, ranking.ranked_ids()) == ["A", "B", "C"]
    assert ranking.fit_of(world["buildings"]["A"].pk) == 100.0


def test_a_city_narrows_the_buildings(world):
    ranking = finder_ranking(wish=_wish(world, city=world["rotterdam"]), on=world["today"])
    assert _names(world, ranking.ranked_ids()) == ["C"]
    assert ranking.completing_elsewhere == []


def test_a_city_with_nothing_free_still_names_the_buildings_to_complete(world, today):
    utrecht = CityFactory(slug="utrecht", name="Utrecht")
    full = BuildingFactory(city=utrecht, name="Vol Pand", chains=[world["fashion"]])
    _let(SpaceFactory(building=full), CreativeFactory(), today)
    result = finder_page(wish=_wish(world, city=utrecht), on=today)
    assert result.page.paginator.count == 0 and result.buildings == []
    assert [b.name for b in result.completing] == ["Vol Pand"]


def test_the_page_explains_each_fit_in_words(world):
    result = finder_page(wish=_wish(world), on=world["today"])
    b, a, c = result.buildings
    assert (b.building.name, b.space.code, b.space_free, b.free_spaces) == (
        "Broedplaats Oost", "B2", False, 1)
    assert [call.title for call in b.calls] == ["Ateliers"]
    assert [s.code for s in b.calls[0].open_spaces] == ["B2"]
    texts = {reason.part: reason.text for reason in b.reasons}
    assert texts["completeness"] == ("You would complete the chain: no tenant of Fashion is in "
                                     "Making (maken) here now.")
    assert texts["rent"] == "€350.00 a month is above your maximum of €300.00."
    assert texts["area"] == "50 m² is within the area you wish."
    assert texts["facilities"] == "Has every facility you wish."
    assert [(r.part, r.points, r.max_points) for r in b.reasons] == [
        ("stage", 25.0, 25.0), ("chain", 20.0, 20.0), ("completeness", 10.0, 10.0),
        ("area", 15.0, 15.0), ("rent", 12.5, 15.0), ("facilities", 10.0, 10.0)]
    assert b.completes_chain and not a.completes_chain
    assert {r.part: r.text for r in a.reasons}["completeness"] == (
        "Fashion already has a tenant in Making (maken) here.")
    assert {r.part: r.text for r in c.reasons}["chain"] == (
        "Fashion is not in the building's chain focus.")
    assert {r.part: r.text for r in c.reasons}["facilities"] == (
        "Has 0 of the 1 facilities you wish; misses Daylight.")
    assert [building.name for building in result.completing] == ["De Werf"]
    assert result.completing_count == 1


@pytest.mark.parametrize("discipline", ["designer", "producer"])
@pytest.mark.parametrize("code", ["idea", "making", "distribution"])
def test_the_finder_answers_every_discipline_and_stage(world, discipline, code):
    # Now housed: A fashion × making, B music × idea, D fashion × idea, F fashion × making.
    housed = {("fashion", "making"): {"A", "F"}, ("music", "idea"): {"B"},
              ("fashion", "idea"): {"D"}}
    focus = {"fashion": {"A", "B", "D", "F"}, "music": {"B", "C"}}
    wish = FinderWish(discipline=world[discipline], stage=stage(code))
    chain = world[discipline].chain.slug
    result = finder_page(wish=wish, on=world["today"])
    shown = {row.building.name[0]: row for row in result.buildings}
    assert set(shown) == {"A", "B", "C"}  # the buildings with a free space or an open call
    for key, row in shown.items():
        assert len(row.reasons) == 6 and all(reason.text for reason in row.reasons)
        assert 0 <= row.fit <= 100
        assert row.fit == pytest.approx(sum(r.points for r in row.reasons), abs=0.15)
        assert row.completes_chain == (key in focus[chain] - housed.get((chain, code), set()))
    elsewhere = focus[chain] - housed.get((chain, code), set()) - set(shown)
    assert {b.name[0] for b in result.completing} == elsewhere


def test_the_ranking_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as first:
        finder_page(wish=_wish(world), on=world["today"])
    making = world["stages"][1]
    for n in range(30):
        building = BuildingFactory(city=world["amsterdam"], chains=[world["fashion"]])
        for _space in range(3):
            SpaceFactory(building=building, stages=[making], facilities=[world["daylight"]])
        _open_call(building, [SpaceFactory(building=building)], world["today"], title=f"Call {n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        result = finder_page(wish=_wish(world), on=world["today"])
    assert result.page.paginator.count == 33 and len(result.buildings) == 24


# --- the page -----------------------------------------------------------------------------------

QUERY = {"discipline": "designer", "stage": "making", "min_area": "35", "max_area": "55",
         "max_rent": "300", "facilities": ["daylight"]}


def test_the_finder_page_is_public_and_asks_first(client, world):
    response = client.get(reverse("finder"))
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "Choose your discipline and your stage" in response.content.decode()


def test_the_finder_page_ranks_with_reasons(client, world):
    response = client.get(reverse("finder"), QUERY)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Broedplaats Oost") < html.index("Atelier Noord") < html.index(
        "Cultuurfabriek")
    assert "You would complete the Fashion chain here" in html
    assert "Fit 92.5 of 100" in html
    assert "no tenant of Fashion is in Making (maken) here now" in html
    assert "Would complete a chain" in html and "De Werf" in html
    assert "Oude Loods" not in html and "Fabriek Zuid" not in html


def test_the_finder_page_shows_dutch_money_and_dates(client, world):
    building = world["buildings"]["C"]
    SpaceFactory(building=building, code="C2", area_m2=Decimal("1234.5"),
                 monthly_rent=Decimal("1234.56"))
    query = {**QUERY, "city": "rotterdam", "min_area": "1000", "max_area": "2000",
             "max_rent": "2000"}
    html = client.get(reverse("finder"), query, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "€ 1.234,56" in html and "1.234,5 m²" in html  # in the best space's line
    assert "€ 1.234,56 per maand valt binnen je maximum van € 2.000,00." in html  # a reason
    query = {**QUERY, "city": "amsterdam"}
    html = client.get(reverse("finder"), query, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    with translation.override("nl"):
        closes = formats.date_format(world["call"].closes_on, "j F Y")
    assert closes in html and any(month in closes for month in (
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december"))


def test_an_htmx_request_gets_the_results_and_the_errors_out_of_band(client, world):
    response = client.get(reverse("finder"), QUERY, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "Broedplaats Oost" in html
    assert 'id="error-max_rent" hx-swap-oob="true"' in html
    bad = client.get(reverse("finder"), {**QUERY, "max_rent": "-5"},
                     headers={"HX-Request": "true"})
    assert bad.status_code == 200  # htmx swaps 200s only
    assert "A rent cannot be negative." in bad.content.decode()
    assert "Broedplaats Oost" not in bad.content.decode()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"discipline": "astronaut"}, "discipline", "Select a valid choice"),
    ({"stage": "retired"}, "stage", "Select a valid choice"),
    ({"min_area": "60", "max_area": "40"}, "max_area",
     "The area up to cannot be less than the area from."),
    ({"max_rent": "-1"}, "max_rent", "A rent cannot be negative."),
    ({"min_area": "-3"}, "min_area", "An area cannot be negative."),
    ({"max_area": "NaN"}, "max_area", "Enter a number."),
    ({"facilities": ["jacuzzi"]}, "facilities", "Select a valid choice"),
    ({"city": "atlantis"}, "city", "Select a valid choice"),
])
def test_the_finder_page_refuses_bad_input_beside_the_field(client, world, changes, field,
                                                              message):
    response = client.get(reverse("finder"), {**QUERY, **changes})
    assert response.status_code == 200
    assert response.context["result"] is None
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    slot = html[html.index(f'id="error-{field}"'):]
    assert message in slot[:slot.index("</span></span>")]
    assert "Broedplaats Oost" not in html


def test_the_finder_page_takes_a_fixed_number_of_queries(client, world,
                                                         django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as first:
        client.get(reverse("finder"), QUERY)
    for _n in range(30):
        building = BuildingFactory(city=world["amsterdam"], chains=[world["fashion"]])
        SpaceFactory(building=building, stages=[world["stages"][1]])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("finder"), QUERY)
    assert len(response.context["result"].buildings) == 24


def test_everyone_finds_the_finder_in_the_menu(client, db):
    assert f'href="{reverse("finder")}"' in client.get(reverse("building-list")).content.decode()


def test_a_creatives_overview_links_to_the_finder_filled_from_their_profile(client, world):
    user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=user, discipline=world["designer"])
    _in_stage(creative, "distribution", world["today"])
    client.force_login(user)
    html = client.get(reverse("creative-home")).content.decode()
    assert f'{reverse("finder")}?discipline=designer&amp;stage=distribution' in html
    assert "Where should I be?" in html


# --- the API ------------------------------------------------------------------------------------

def test_the_api_ranks_like_the_page(client, world):
    response = client.get(reverse("api:finder"), QUERY)
    assert response.status_code == 200
    data = response.json()
    assert (data["discipline"], data["chain"], data["stage"], data["count"]) == (
        "designer", "fashion", "making", 3)
    assert [row["building"] for row in data["results"]] == [
        "broedplaats-oost", "atelier-noord", "cultuurfabriek"]
    first = data["results"][0]
    assert first["fit"] == 92.5 and first["completes_chain"] and first["free_spaces"] == 1
    assert first["space"] == {"id": first["space"]["id"], "code": "B2", "kind": "studio",
                              "area_m2": "50.00", "monthly_rent": "350.00", "free_now": False}
    assert first["open_calls"][0]["spaces"] == ["B2"]
    assert first["parts"]["total"] == 92.5
    assert [r["part"] for r in first["reasons"]] == [
        "stage", "chain", "completeness", "area", "rent", "facilities"]
    assert data["would_complete_a_chain"] == [
        {"building": "de-werf", "name": "De Werf", "city": "amsterdam"}]


@pytest.mark.parametrize(("changes", "field"), [
    ({"discipline": "astronaut"}, "discipline"), ({"stage": ""}, "stage"),
    ({"min_area": "60", "max_area": "40"}, "max_area"), ({"max_rent": "-1"}, "max_rent"),
])
def test_the_api_refuses_bad_input_naming_the_field(client, world, changes, field):
    response = client.get(reverse("api:finder"), {**QUERY, **changes})
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_api_takes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as first:
        client.get(reverse("api:finder"), QUERY)
    for _n in range(30):
        building = BuildingFactory(city=world["amsterdam"], chains=[world["fashion"]])
        SpaceFactory(building=building, stages=[world["stages"][1]])
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("api:finder"), QUERY).status_code == 200


def test_the_finder_is_in_the_openapi_schema_with_its_parameters(client, db):
    paths = client.get(reverse("api:schema"), {"format": "json"}).json()["paths"]
    parameters = {p["name"]: p for p in paths["/api/finder/"]["get"]["parameters"]}
    assert {"discipline", "stage", "min_area", "max_area", "max_rent", "facilities", "city",
            "page"} <= set(parameters)
    assert parameters["discipline"]["required"] and parameters["stage"]["required"]
    assert parameters["stage"]["schema"]["enum"] == ["distribution", "idea", "making"]
