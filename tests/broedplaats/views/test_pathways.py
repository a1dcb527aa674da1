"""Pathways: the public list, creating, changing and archiving them (city bureau and
programmers), and the throughput figure "Moves along pathways".

The world: Amsterdam, whose bureau member is `bureau`, with the fashion chain and three
buildings along a pathway "Moderoute": Academie (idea) → Werkplaats (making) → Showroom
(distribution). `prog_a` programs the Academie and the Werkplaats, `prog_s` the Showroom.
Rotterdam has two buildings of its own and a pathway between them; Amsterdam has an archived
building too.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.urls import reverse

from broedplaats.models import EndReason, Figure, Pathway, PathwayPriority
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.selectors import throughput
from broedplaats.services import pathway_archive, pathway_save
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def world(db):
    idea, making, distribution = stage("idea"), stage("making"), stage("distribution")
    amsterdam = CityFactory(slug="amsterdam", name="Amsterdam")
    rotterdam = CityFactory(slug="rotterdam", name="Rotterdam")
    fashion = ChainFactory(slug="fashion", name="Mode", name_en="Fashion")
    music = ChainFactory(slug="music", name="Muziek", name_en="Music")
    bureau = UserFactory(username="bureau", roles=[CITY_BUREAU])
    amsterdam.bureau_members.add(bureau)
    prog_a = UserFactory(username="prog-a", roles=[PROGRAMMER])
    prog_s = UserFactory(username="prog-s", roles=[PROGRAMMER])
    academie = BuildingFactory(city=amsterdam, name="Academie", slug="academie",
                               chains=[fashion], programmers=[prog_a])
    werkplaats = BuildingFactory(city=amsterdam, name="Werkplaats", slug="werkplaats",
                                 chains=[fashion], programmers=[prog_a])
    showroom = BuildingFactory(city=amsterdam, name="Showroom", slug="showroom",
                               chains=[fashion], programmers=[prog_s])
    closed = BuildingFactory(city=amsterdam, name="Gesloten", slug="gesloten", archived=True,
                             programmers=[prog_a])
    haven = BuildingFactory(city=rotterdam, name="Haven", slug="haven", chains=[music])
    loods = BuildingFactory(city=rotterdam, name="Loods", slug="loods", chains=[music])
    route = pathway_save(city=amsterdam, chain=fashion, name="Moderoute", by=bureau,
                         steps=[(academie, idea), (werkplaats, making),
                                (showroom, distribution)])
    rotterdam_route = pathway_save(city=rotterdam, chain=music, name="Havenroute",
                                   steps=[(haven, idea), (loods, making)])
    return {"stages": (idea, making, distribution), "amsterdam": amsterdam,
            "rotterdam": rotterdam, "fashion": fashion, "music": music, "bureau": bureau,
            "prog_a": prog_a, "prog_s": prog_s, "academie": academie, "werkplaats": werkplaats,
            "showroom": showroom, "closed": closed, "haven": haven, "loods": loods,
            "route": route, "rotterdam_route": rotterdam_route}


# --- the figure ---------------------------------------------------------------------------------

def _left(creative, building, ended: date, reason=EndReason.NEXT_STAGE):
    return TenancyFactory(space=SpaceFactory(building=building), creative=creative,
                          start=date(2024, 1, 1), planned_end=date(2028, 1, 1),
                          actual_end=ended, end_reason=reason)


def _started(creative, building, on: date):
    return TenancyFactory(space=SpaceFactory(building=building), creative=creative, start=on,
                          planned_end=on + timedelta(days=730))


@pytest.fixture
def moves(world):
    """Who left which step when, and where they started next (period: the year 2026)."""
    a, w, s = world["academie"], world["werkplaats"], world["showroom"]
    designer = DisciplineFactory(chain=world["fashion"], slug="designer")
    c = {n: CreativeFactory(discipline=designer, name=f"C{n}") for n in range(1, 9)}
    _left(c[1], a, date(2026, 3, 1))
    _started(c[1], w, date(2026, 4, 1))  # 31 days later: arrived
    _left(c[2], a, date(2026, 5, 1))
    _started(c[2], w, date(2027, 6, 1))  # 396 days later, beyond 12 × 31 = 372: not arrived
    _left(c[3], a, date(2026, 6, 1), reason=EndReason.OUTFLOW_TO_MARKET)  # not for a next stage
    _left(c[4], a, date(2025, 12, 31))  # before the period
    _started(c[4], w, date(2026, 1, 15))
    _left(c[5], a, date(2026, 7, 1))
    _started(c[5], s, date(2026, 8, 1))  # to the showroom, not the next step's workshop
    _left(c[6], w, date(2026, 9, 1))
    _started(c[6], s, date(2026, 9, 1))  # the same day: arrived
    _left(c[7], a, date(2026, 10, 1))
    _started(c[7], w, date(2026, 9, 15))  # before leaving: not a move along the pathway
    _left(c[8], a, date(2026, 2, 1))
    _started(c[8], w, date(2026, 2, 1) + timedelta(days=372))  # the last day of the priority
    # An archived shortcut Academie → Showroom: its moves stay counted.
    shortcut = pathway_save(city=world["amsterdam"], chain=world["fashion"], name="Kortere route",
                            steps=[(a, world["stages"][0]), (s, world["stages"][2])])
    pathway_archive(pathway=shortcut)
    return c


def _scope(world, **changes):
    scope = throughput.Scope(today=date(2027, 12, 31), start=date(2026, 1, 1),
                             end=date(2026, 12, 31), city_ids=(world["amsterdam"].pk,))
    return replace(scope, **changes)


def _rows(table):
    return [(row["pathway"], row["from"], row["to"], row["left"], row["arrived"], row["share"])
            for row in table.rows]


def test_moves_along_pathways_are_counted_by_hand(world, moves):
    # Academie → Werkplaats: left for the next stage in 2026: C1, C2, C5, C7, C8 (C3 went to
    # the market, C4 left in 2025) = 5. Arrived at the Werkplaats on or after leaving and at
    # most 12 × 31 = 372 days later: C1 (31 days) and C8 (372 days) = 2 (C2 after 396 days,
    # C5 went to the Showroom, C7 started before leaving): 2 / 5 = 40.0 %.
    # Werkplaats → Showroom: C6 left and started the same day: 1 of 1.
    # Kortere route (archived), Academie → Showroom: the same 5 left; C5 arrived: 1 of 5.
    table = throughput.figure_table(Figure.PATHWAYS, _scope(world), suppressed=False)
    assert _rows(table) == [
        ("Kortere route (archived)", "Academie", "Showroom", 5, 1, 20.0),
        ("Moderoute", "Academie", "Werkplaats", 5, 2, 40.0),
        ("Moderoute", "Werkplaats", "Showroom", 1, 1, 100.0),
    ]
    assert [row["stage"] for row in table.rows] == [
        "Distribution (verspreiden)", "Making (maken)", "Distribution (verspreiden)"]


def test_small_counts_of_moves_read_less_than_five(world, moves):
    table = throughput.figure_table(Figure.PATHWAYS, _scope(world), suppressed=True)
    assert _rows(table) == [
        ("Kortere route (archived)", "Academie", "Showroom", 5, "< 5", 20.0),
        ("Moderoute", "Academie", "Werkplaats", 5, "< 5", 40.0),
        ("Moderoute", "Werkplaats", "Showroom", "< 5", "< 5", None),
    ]


def test_the_pathway_figure_takes_the_filters(world, moves):
    # A programmer of the Showroom: the steps into it only.
    mine = _scope(world, city_ids=None, building_ids=(world["showroom"].pk,))
    assert [(r[1], r[2]) for r in _rows(throughput.pathways(mine))] == [
        ("Academie", "Showroom"), ("Werkplaats", "Showroom")]
    # Another chain: no pathway of it here.
    assert throughput.pathways(_scope(world, chain_id=world["music"].pk)).rows == []
    # Rotterdam's bureau sees Rotterdam's pathway, where nobody moved.
    rotterdam = _scope(world, city_ids=(world["rotterdam"].pk,))
    assert _rows(throughput.pathways(rotterdam)) == [("Havenroute", "Haven", "Loods", 0, 0, None)]
    # Another kind of space for the leaving tenancy: nobody.
    desks = throughput.pathways(_scope(world, space_kind="desk"))
    assert [row["left"] for row in desks.rows] == [0, 0, 0]
    # A programmer without buildings: nothing (and no error).
    assert throughput.pathways(_scope(world, city_ids=None, building_ids=())).rows == []
    # The period ending before anyone left.
    early = throughput.pathways(_scope(world, end=date(2026, 1, 31)))
    assert [row["left"] for row in early.rows] == [0, 0, 0]


def test_the_pathway_figure_is_one_query(world, moves, django_assert_num_queries):
    scope = _scope(world)
    with django_assert_num_queries(1):
        assert len(list(throughput.pathway_moves(scope))) == 3


@pytest.fixture
def recent(world, today):
    """Within the default period (the last twelve months): five left the Academie for the next
    stage 60 to 20 days ago; two of them started at the Werkplaats 10 days ago."""
    for n in range(5):
        creative = CreativeFactory()
        _left(creative, world["academie"], today - timedelta(days=20 + 10 * n))
        if n < 2:
            _started(creative, world["werkplaats"], today - timedelta(days=10))


def test_the_dashboard_csv_and_api_carry_the_pathway_figure(client, world, recent):
    client.force_login(world["bureau"])
    page = client.get(reverse("bureau-home")).content.decode()
    assert 'id="pathways"' in page and "Moves along pathways" in page
    url = reverse("api:throughput-figure", kwargs={"figure": "pathways"})
    data = client.get(url).json()
    assert [(r["from"], r["to"], r["left"], r["arrived"], r["share"]) for r in data["rows"]] == [
        ("Academie", "Werkplaats", 5, "< 5", 40.0), ("Werkplaats", "Showroom", 0, 0, None)]
    csv = client.get(url, {"format": "csv"})
    assert csv.content.decode().splitlines()[0] == (
        "Pathway,From,To,Stage there,Left for the next stage,Arrived within the priority,"
        "Share arrived")
    paths = client.get(reverse("api:schema"), {"format": "json"}).json()["paths"]
    figure = next(p for p in paths["/api/throughput/{figure}/"]["get"]["parameters"]
                  if p["name"] == "figure")
    assert "pathways" in figure["schema"]["enum"]


# --- the list -----------------------------------------------------------------------------------

def test_the_pathway_list_is_public_without_counts(client, world, moves):
    response = client.get(reverse("pathway-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Moderoute" in html and "Havenroute" in html and "Kortere route" not in html
    assert html.index("Academie") < html.index("Werkplaats") < html.index("Showroom")
    assert "15 bonus points on the fit score in the next building, for 12 months" in html
    assert "left for the next stage" not in html
    assert "Archive" not in html and "New pathway" not in html


def test_the_bureau_sees_its_citys_moves_suppressed_and_may_change(client, world, recent):
    client.force_login(world["bureau"])
    html = client.get(reverse("pathway-list")).content.decode()
    assert "→ 5 left for the next stage; &lt; 5 of them started at Werkplaats" in html
    assert "→ 0 left for the next stage; 0 of them started at Showroom" in html
    assert reverse("pathway-edit", args=[world["route"].pk]) in html
    assert reverse("pathway-edit", args=[world["rotterdam_route"].pk]) not in html
    havenroute = html[html.index("Havenroute"):]
    assert "left for the next stage" not in havenroute[:havenroute.find("</article>")]


def test_programmers_see_the_moves_of_their_own_steps(client, world, today):
    creative = CreativeFactory()
    _left(creative, world["werkplaats"], today - timedelta(days=20))
    _started(creative, world["showroom"], today - timedelta(days=10))
    client.force_login(world["prog_s"])
    html = client.get(reverse("pathway-list")).content.decode()
    # Into the Showroom: exact for its programmer; out of the Academie: not theirs.
    assert html.count("left for the next stage") == 1
    assert "→ 1 left for the next stage; 1 of them started at Showroom" in html
    assert reverse("pathway-edit", args=[world["route"].pk]) not in html  # not every step


def test_a_programmer_of_every_step_may_change_the_pathway(client, world):
    own = pathway_save(city=world["amsterdam"], chain=world["fashion"], name="Eigen route",
                       steps=[(world["academie"], world["stages"][0]),
                              (world["werkplaats"], world["stages"][1])])
    client.force_login(world["prog_a"])
    html = client.get(reverse("pathway-list")).content.decode()
    assert reverse("pathway-edit", args=[own.pk]) in html
    assert reverse("pathway-edit", args=[world["route"].pk]) not in html


def test_the_pathway_list_takes_a_fixed_number_of_queries(client, world, moves,
                                                          django_assert_max_num_queries):
    client.force_login(world["bureau"])
    with django_assert_max_num_queries(20) as first:
        client.get(reverse("pathway-list"))
    for n in range(30):
        pathway_save(city=world["amsterdam"], chain=world["fashion"], name=f"Route {n:02d}",
                     steps=[(world["academie"], world["stages"][0]),
                            (world["werkplaats"], world["stages"][1]),
                            (world["showroom"], world["stages"][2])])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("pathway-list"))
    assert len(response.context["pathways"]) == 24


def test_the_homes_link_to_the_pathways(client, world):
    for user in (world["bureau"], world["prog_a"]):
        client.force_login(user)
        home = "bureau-home" if user == world["bureau"] else "programmer-home"
        assert f'href="{reverse("pathway-list")}"' in client.get(reverse(home)).content.decode()


# --- create, change, archive --------------------------------------------------------------------

def _post(world, *, steps, **fields):
    data = {"city": world["amsterdam"].pk, "chain": world["fashion"].pk, "name": "Nieuwe route",
            "priority": PathwayPriority.FIRST, "bonus_points": "0", "priority_months": "24",
            "steps-TOTAL_FORMS": str(max(len(steps), 4)), "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "12", **fields}
    for index, (building, stage_) in enumerate(steps):
        data[f"steps-{index}-building"] = building.pk if building else ""
        data[f"steps-{index}-stage"] = stage_.pk if stage_ else ""
    return data


def test_the_bureau_creates_a_pathway_through_its_citys_buildings(client, world):
    idea, making, distribution = world["stages"]
    client.force_login(world["bureau"])
    form = client.get(reverse("pathway-new"))
    assert form.status_code == 200 and len(form.context["formset"].forms) == 4
    data = _post(world, steps=[(world["showroom"], idea), (None, None),
                               (world["academie"], making), (world["werkplaats"], distribution)])
    response = client.post(reverse("pathway-new"), data)
    assert response.status_code == 302 and response.url == reverse("pathway-list")
    pathway = Pathway.objects.get(name="Nieuwe route")
    assert [(s.building.name, s.stage.code) for s in pathway.steps.order_by("order")] == [
        ("Showroom", "idea"), ("Academie", "making"), ("Werkplaats", "distribution")]
    assert (pathway.priority, pathway.priority_months, pathway.created_by) == (
        PathwayPriority.FIRST, 24, world["bureau"])


def test_a_programmer_chooses_only_buildings_they_program(client, world):
    idea, making, _distribution = world["stages"]
    client.force_login(world["prog_a"])
    choices = client.get(reverse("pathway-new")).context["formset"].forms[0].fields["building"]
    assert set(choices.rows) == {world["academie"].pk, world["werkplaats"].pk}
    data = _post(world, steps=[(world["academie"], idea), (world["showroom"], making)])
    response = client.post(reverse("pathway-new"), data)
    assert response.status_code == 400
    errors = response.context["formset"].forms[1].errors
    assert "Select a valid choice" in errors["building"][0]
    assert not Pathway.objects.filter(name="Nieuwe route").exists()
    ok = client.post(reverse("pathway-new"), _post(
        world, steps=[(world["academie"], idea), (world["werkplaats"], making)]))
    assert ok.status_code == 302


@pytest.mark.parametrize(("steps", "message"), [
    (lambda w, s: [(w["werkplaats"], s[1]), (w["showroom"], s[0])],
     "The stages of a pathway never go back."),
    (lambda w, s: [(w["academie"], s[0])], "A pathway has at least two steps."),
    (lambda w, s: [(w["academie"], s[0]), (w["haven"], s[1])],
     "These buildings are not in Amsterdam: Haven."),
])
def test_the_services_refusals_show_once_beside_the_steps(client, world, steps, message):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(reverse("pathway-new"), _post(world, steps=steps(world,
                                                                            world["stages"])))
    assert response.status_code == 400
    assert response.context["steps_errors"] == [message]
    html = response.content.decode()
    assert html.count(message) == 1
    assert html.index(message) < html.index('name="steps-0-building"')
    assert not response.context["form"].errors
    assert not Pathway.objects.filter(name="Nieuwe route").exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"bonus_points": "60"}, "bonus_points"), ({"priority_months": "0"}, "priority_months"),
    ({"name": ""}, "name"), ({"city": "999999"}, "city"), ({"priority": "always"}, "priority"),
])
def test_bad_fields_are_refused_beside_them(client, world, fields, field):
    client.force_login(world["bureau"])
    idea, making, _distribution = world["stages"]
    data = _post(world, steps=[(world["academie"], idea), (world["werkplaats"], making)],
                 **fields)
    response = client.post(reverse("pathway-new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Pathway.objects.filter(name="Nieuwe route").exists()


def test_a_step_with_only_a_building_asks_for_its_stage(client, world):
    client.force_login(world["bureau"])
    data = _post(world, steps=[(world["academie"], world["stages"][0]),
                               (world["werkplaats"], None)])
    response = client.post(reverse("pathway-new"), data)
    assert response.status_code == 400
    assert response.context["formset"].forms[1].errors["stage"] == [
        "Choose the stage of this step."]


def test_a_tampered_formset_is_refused_not_a_crash(client, world):
    client.force_login(world["bureau"])
    data = _post(world, steps=[])
    del data["steps-TOTAL_FORMS"]
    response = client.post(reverse("pathway-new"), data)
    assert response.status_code == 400
    assert response.context["formset"].non_form_errors()


def test_the_bureau_changes_a_pathway(client, world):
    idea, making, distribution = world["stages"]
    client.force_login(world["bureau"])
    url = reverse("pathway-edit", args=[world["route"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert [f.initial.get("building") for f in page.context["formset"].forms[:3]] == [
        world["academie"].pk, world["werkplaats"].pk, world["showroom"].pk]
    data = _post(world, steps=[(world["academie"], idea), (world["showroom"], distribution)],
                 name="Moderoute kort", priority=PathwayPriority.BONUS, bonus_points="20",
                 **{"steps-INITIAL_FORMS": "3"})
    data["steps-2-building"] = data["steps-2-stage"] = ""
    response = client.post(url, data)
    assert response.status_code == 302
    route = Pathway.objects.get(pk=world["route"].pk)
    assert (route.name, route.bonus_points) == ("Moderoute kort", 20)
    assert [s.building.name for s in route.steps.order_by("order")] == ["Academie", "Showroom"]
    del making


def test_a_building_archived_since_is_named_when_saving(client, world):
    closed = world["closed"]
    closed.archived = False
    closed.save()
    route = pathway_save(city=world["amsterdam"], chain=world["fashion"], name="Via Gesloten",
                         steps=[(closed, world["stages"][0]),
                                (world["werkplaats"], world["stages"][1])])
    closed.archived = True
    closed.save()
    client.force_login(world["bureau"])
    url = reverse("pathway-edit", args=[route.pk])
    form = client.get(url).context["formset"]
    assert closed.pk in form.forms[0].fields["building"].rows  # still shown as it is
    data = _post(world, steps=[(closed, world["stages"][0]),
                               (world["werkplaats"], world["stages"][1])],
                 name="Via Gesloten", **{"steps-INITIAL_FORMS": "2"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["steps_errors"] == ["These buildings are archived: Gesloten."]


def test_who_may_change_a_pathway(client, world):
    url = reverse("pathway-edit", args=[world["route"].pk])
    assert client.get(url).status_code == 302  # to log in
    creative = UserFactory(roles=[CREATIVE])
    other_bureau = UserFactory(roles=[CITY_BUREAU])
    world["rotterdam"].bureau_members.add(other_bureau)
    for user, status in ((creative, 403), (world["prog_a"], 404), (world["prog_s"], 404),
                         (other_bureau, 404), (world["bureau"], 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.post(reverse("pathway-archive", args=[world["route"].pk])).status_code \
            in ((status,) if status != 200 else (302,)), user
    assert Pathway.objects.get(pk=world["route"].pk).archived


def test_archiving_hides_the_pathway_and_its_actions(client, world):
    client.force_login(world["bureau"])
    url = reverse("pathway-archive", args=[world["route"].pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    html = client.get(reverse("pathway-list")).content.decode()
    assert f'id="pathway-{world["route"].pk}"' not in html and "Havenroute" in html
    assert client.get(reverse("pathway-edit", args=[world["route"].pk])).status_code == 404
    assert client.post(url).status_code == 404


def test_a_bureau_member_without_a_city_is_told_so(client, db):
    client.force_login(UserFactory(roles=[CITY_BUREAU]))
    assert "New pathway" not in client.get(reverse("pathway-list")).content.decode()
    response = client.get(reverse("pathway-new"))
    assert response.status_code == 200
    assert "once an administrator links you" in response.content.decode()
