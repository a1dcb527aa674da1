"""What each user needs at a glance: the applicants table's name search and stage order, an
applicant's stage history and current tenancy, the programmer's spaces with who rents them
until when, and the space photos on the public building page. Query counts stay constant."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from broedplaats.filters import ApplicantFilter
from broedplaats.models import Application
from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.selectors import applications_for_programmer
from broedplaats.services import (
    application_create,
    application_submit,
    space_photo_add,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)
from tests.images import image_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client():
    """Pages in English: the site's default language is Dutch."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def place(db, today):
    """A building under a policy with a programmer and two spaces; applicants join its
    candidate list."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer], name="De Werf")
    spaces = [SpaceFactory(building=building, code="A.01"),
              SpaceFactory(building=building, code="A.02")]
    return {"policy": policy, "programmer": programmer, "building": building, "spaces": spaces}


def submitted(place, today, name=None, **wishes) -> Application:
    creative = CreativeFactory(**({"name": name} if name else {}))
    application = application_create(creative=creative, building=place["building"], on=today,
                                     **wishes)
    return application_submit(application=application, on=today)


def names(response) -> list[str]:
    return [row.creative.name for row in response.context["page"].object_list]


# --- the applicants table: search by name, order by stage --------------------------------------

def test_search_finds_applicants_by_part_of_the_name_in_any_case(client, place, today):
    submitted(place, today, "Anna de Vries")
    submitted(place, today, "Bram Jansen")
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicants"), {"q": "DE VRI"})
    assert response.status_code == 200
    assert names(response) == ["Anna de Vries"]


def test_search_without_a_match_says_so(client, place, today):
    submitted(place, today, "Anna de Vries")
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicants"), {"q": "Zwaan"})
    assert response.status_code == 200
    assert names(response) == []
    assert "No applicants match." in response.content.decode()


@pytest.mark.parametrize(("query", "found"), [
    ("%", ["Studio 50% Klei"]), ("_", []), ("50%_", []), ("O'Brien", ["Siobhan O'Brien"]), ('"', []),
    ("<script>", []), ("Studio 50%", ["Studio 50% Klei"]),
])
def test_search_takes_special_characters_literally(client, place, today, query, found):
    submitted(place, today, "Siobhan O'Brien")
    submitted(place, today, "Studio 50% Klei")
    submitted(place, today, "Bram Jansen")
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicants"), {"q": query})
    assert response.status_code == 200
    assert names(response) == found


def test_search_with_htmx_returns_only_the_results(client, place, today):
    submitted(place, today, "Anna de Vries")
    submitted(place, today, "Bram Jansen")
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicants"), {"q": "bram"}, HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates][0] == \
        "broedplaats/programmer/_applicant_results.html"
    assert names(response) == ["Bram Jansen"]
    assert "<form" not in response.content.decode()


def test_search_combines_with_the_filters(client, place, today, stages):
    submitted(place, today, "Anna Idee", stage=stage("idea"))
    submitted(place, today, "Anna Maker", stage=stage("making"))
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicants"), {"q": "anna", "stage": "making"})
    assert names(response) == ["Anna Maker"]


def test_search_never_reaches_another_programmers_applicants(client, place, today):
    other = BuildingFactory(city=place["policy"].city, programmers=[UserFactory(roles=[PROGRAMMER])])
    application = application_create(creative=CreativeFactory(name="Anna Elders"),
                                     building=other, on=today)
    application_submit(application=application, on=today)
    client.force_login(place["programmer"])
    assert names(client.get(reverse("programmer-applicants"), {"q": "anna"})) == []


def test_applicant_filter_searches_by_name(place, today):
    submitted(place, today, "Anna de Vries")
    submitted(place, today, "Bram Jansen")
    rows = applications_for_programmer(place["programmer"], on=today)
    filterset = ApplicantFilter({"q": "anna"}, queryset=rows, on=today)
    assert [row.creative.name for row in filterset.qs] == ["Anna de Vries"]


def test_stage_order_goes_idea_making_distribution_then_none(client, place, today, stages):
    submitted(place, today, "Geen fase")
    submitted(place, today, "Verspreider", stage=stage("distribution"))
    submitted(place, today, "Maker", stage=stage("making"))
    submitted(place, today, "Bedenker", stage=stage("idea"))
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicants"), {"order": "stage"})
    assert response.context["ordering"] == "stage"
    assert names(response) == ["Bedenker", "Maker", "Verspreider", "Geen fase"]
    assert '<option value="stage" selected>' in response.content.decode()


def test_the_other_orders_still_work_with_a_search(client, place, today):
    for name in ("Anna Een", "Anna Twee", "Bram"):
        submitted(place, today, name)
    client.force_login(place["programmer"])
    for order in ("submitted_at", "-submitted_at", "wait", "fit", "nonsense"):
        response = client.get(reverse("programmer-applicants"), {"q": "anna", "order": order})
        assert response.status_code == 200, order
        assert sorted(names(response)) == ["Anna Een", "Anna Twee"], order


def test_stage_order_and_search_keep_the_query_count_constant(client, place, today, stages,
                                                              django_assert_max_num_queries):
    for index in range(3):
        submitted(place, today, f"Anna {index}", stage=stages[index % 3])
    client.force_login(place["programmer"])
    url = reverse("programmer-applicants") + "?order=stage&q=anna"
    client.get(url)
    with django_assert_max_num_queries(24) as few:
        assert client.get(url).status_code == 200
    for index in range(27):
        submitted(place, today, f"Anna {index + 3}", stage=stages[index % 3])
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 30
    assert len(many) == len(few)


# --- the applicant's page: stage history and current tenancy -----------------------------------

def test_applicant_page_shows_stage_history_in_order_and_current_tenancy(client, place, today,
                                                                       stages):
    application = submitted(place, today, "Anna de Vries")
    creative = application.creative
    elsewhere = BuildingFactory(name="Het Gemaal")
    StageMoveFactory(creative=creative, to_stage=stage("making"),
                     from_stage=stage("idea"), moved_on=today - timedelta(days=100),
                     building=elsewhere)
    StageMoveFactory(creative=creative, to_stage=stage("idea"),
                     moved_on=today - timedelta(days=900))
    TenancyFactory(creative=creative, space=SpaceFactory(building=elsewhere, code="G.12"),
                   start=today - timedelta(days=400), planned_end=today + timedelta(days=300),
                   monthly_rent=Decimal("1234.50"))
    TenancyFactory(creative=creative, space=SpaceFactory(building=elsewhere, code="OUD.1"),
                   start=today - timedelta(days=2000), planned_end=today - timedelta(days=500))
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-applicant-detail", args=[application.pk]))
    assert response.status_code == 200
    history = response.context["stage_history"]
    assert [move.to_stage.code for move in history] == ["idea", "making"]
    assert [t.space.code for t in response.context["current_tenancies"]] == ["G.12"]
    page = response.content.decode()
    section = page[page.index('id="current-tenancy"'):page.index('id="stage-history"')]
    assert "G.12" in section and "Het Gemaal" in section and "OUD.1" not in section
    assert "€1,234.50" in section
    history_html = page[page.index('id="stage-history"'):]
    assert history_html.index("Idea (bedenken)") < history_html.index("Het Gemaal")


def test_applicant_page_in_dutch_shows_rent_and_dates_the_dutch_way(place, today):
    application = submitted(place, today)
    TenancyFactory(creative=application.creative, space=place["spaces"][0],
                   start=today.replace(day=1) - timedelta(days=1),
                   planned_end=today + timedelta(days=400), monthly_rent=Decimal("1234.50"))
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(place["programmer"])
    page = client.get(reverse("programmer-applicant-detail", args=[application.pk])).content
    assert "€ 1.234,50" in page.decode()


def test_applicant_without_moves_or_tenancy_says_so(client, place, today):
    application = submitted(place, today)
    client.force_login(place["programmer"])
    page = client.get(reverse("programmer-applicant-detail", args=[application.pk]))
    assert "No tenancy in a broedplaats today." in page.content.decode()
    assert "No stage moves recorded yet." in page.content.decode()


def test_another_programmer_cannot_see_the_applicants_history(client, place, today):
    application = submitted(place, today)
    client.force_login(UserFactory(roles=[PROGRAMMER]))
    url = reverse("programmer-applicant-detail", args=[application.pk])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(roles=[CREATIVE]))
    assert client.get(url).status_code == 403


def test_applicant_page_reads_history_and_tenancies_in_fixed_queries(
        client, place, today, stages, django_assert_max_num_queries):
    application = submitted(place, today)
    creative = application.creative
    url = reverse("programmer-applicant-detail", args=[application.pk])
    client.force_login(place["programmer"])
    StageMoveFactory(creative=creative, to_stage=stage("idea"), moved_on=today)
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for days in range(1, 10):
        StageMoveFactory(creative=creative, to_stage=stages[days % 3],
                         moved_on=today - timedelta(days=days),
                         building=BuildingFactory())
    for index in range(3):
        TenancyFactory(creative=creative, space=SpaceFactory(), start=today,
                       planned_end=today + timedelta(days=100 + index))
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert len(response.context["stage_history"]) == 10
    assert len(response.context["current_tenancies"]) == 3
    assert len(many) == len(few)


# --- the programmer's spaces: free or let, to whom, until when ---------------------------------

def test_spaces_list_shows_tenant_and_end_or_free(client, place, today):
    let, free = place["spaces"]
    TenancyFactory(space=let, creative=CreativeFactory(name="Anna de Vries"),
                   start=today - timedelta(days=30), planned_end=today + timedelta(days=60))
    TenancyFactory(space=let, creative=CreativeFactory(name="Oud Huurder"),
                   start=today - timedelta(days=400), planned_end=today - timedelta(days=30))
    TenancyFactory(space=free, creative=CreativeFactory(name="Volgende Huurder"),
                   start=today + timedelta(days=10), planned_end=today + timedelta(days=400))
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-spaces", args=[place["building"].slug]))
    assert response.status_code == 200
    rows = {space.code: space for space in response.context["spaces"]}
    assert rows["A.01"].tenancy.creative.name == "Anna de Vries"
    assert rows["A.01"].tenancy.end == today + timedelta(days=60)
    assert rows["A.02"].tenancy is None
    assert rows["A.02"].next_tenancy.creative.name == "Volgende Huurder"
    page = response.content.decode()
    assert "Anna de Vries" in page and "Oud Huurder" not in page
    assert (today + timedelta(days=60)).isoformat() in page
    assert "planned end" in page
    assert "then let to Volgende Huurder" in page


def test_spaces_list_shows_an_agreed_early_end(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    tenancy.actual_end = today + timedelta(days=5)
    tenancy.end_reason = "other"
    tenancy.save()
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-spaces", args=[place["building"].slug]))
    row = next(s for s in response.context["spaces"] if s.code == "A.01")
    assert row.tenancy.end == today + timedelta(days=5)
    assert "end agreed" in response.content.decode()


def test_a_tenancy_ending_today_leaves_the_space_free(client, place, today):
    TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30), planned_end=today)
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-spaces", args=[place["building"].slug]))
    assert all(space.tenancy is None for space in response.context["spaces"])


def test_spaces_list_of_another_building_is_not_found(client, place):
    client.force_login(UserFactory(roles=[PROGRAMMER]))
    url = reverse("programmer-spaces", args=[place["building"].slug])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(roles=[CREATIVE]))
    assert client.get(url).status_code == 403


def test_spaces_list_reads_tenants_in_fixed_queries(client, place, today,
                                                    django_assert_max_num_queries):
    def let(space, index):
        TenancyFactory(space=space, start=today - timedelta(days=10 + index),
                       planned_end=today + timedelta(days=10 + index))
        TenancyFactory(space=space, start=today + timedelta(days=20 + index),
                       planned_end=today + timedelta(days=200))

    building = place["building"]
    SpaceFactory(building=building)
    for index, space in enumerate(place["spaces"]):
        let(space, index)
    client.force_login(place["programmer"])
    url = reverse("programmer-spaces", args=[building.slug])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        assert len(client.get(url).context["spaces"]) == 3
    for index in range(27):
        space = SpaceFactory(building=building)
        if index % 2:
            let(space, index)
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert len(response.context["spaces"]) == 30
    assert len(many) == len(few)


# --- the public building page: the space photos ------------------------------------------------

def test_public_page_shows_space_photos_with_a_link_to_the_large_one(client, place, media):
    space = place["spaces"][0]
    first = space_photo_add(space=space, file=upload(image_bytes()), caption="Noorderlicht")
    second = space_photo_add(space=space, file=upload(image_bytes(color="red")))
    page = client.get(place["building"].get_absolute_url()).content.decode()
    for photo in (first, second):
        assert (f'<a href="{photo.thumb_1200.url}"><img class="space-thumb" '
                f'src="{photo.thumb_400.url}"') in page
    assert 'alt="Space A.01, Studio: Noorderlicht"' in page
    assert 'alt="Space A.01, Studio"' in page
    assert page.index(first.thumb_400.url) < page.index(second.thumb_400.url)
    assert f'id="photos-{space.pk}"' in page and f'href="#photos-{space.pk}"' in page
    assert f'id="photos-{place["spaces"][1].pk}"' not in page  # no photos, no section


def test_public_page_without_photos_has_no_photo_section(client, place):
    page = client.get(place["building"].get_absolute_url()).content.decode()
    assert "Photos of the spaces" not in page


def test_archived_spaces_photos_are_not_public(client, place, media):
    space = SpaceFactory(building=place["building"], archived=True)
    photo = space_photo_add(space=space, file=upload(image_bytes()))
    page = client.get(place["building"].get_absolute_url()).content.decode()
    assert photo.thumb_400.url not in page


def test_public_page_reads_photos_in_fixed_queries(client, place, media,
                                                   django_assert_max_num_queries):
    building = place["building"]
    for space in place["spaces"]:
        space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))))
    url = building.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(8):
        space = SpaceFactory(building=building)
        space_photo_add(space=space, file=upload(image_bytes(size=(40, 30))))
        space_photo_add(space=space, file=upload(image_bytes(size=(30, 40))))
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert response.content.decode().count('class="space-thumb"') == 18
    assert len(many) == len(few)
