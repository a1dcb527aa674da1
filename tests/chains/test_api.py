import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from chains.models import ChainStage
from tests.factories import ChainFactory, DisciplineFactory, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def slugs(response):
    return [row["slug"] for row in response.json()["results"]]


# --- chains -----------------------------------------------------------------------------------

def test_chain_list_shows_disciplines_and_what_each_stage_means(api):
    fashion = ChainFactory(slug="mode", name="Mode", name_en="Fashion")
    DisciplineFactory(chain=fashion, slug="modeontwerper", name="Modeontwerper",
                      name_en="Fashion designer")
    ChainStage.objects.create(chain=fashion, stage=stage("making"), description="Sampling")
    ChainStage.objects.create(chain=fashion, stage=stage("idea"), description="Sketching")

    response = api.get(reverse("api:chain-list"))

    assert response.status_code == 200
    assert response.json()["results"] == [{
        "url": "http://testserver/api/chains/mode/",
        "slug": "mode",
        "name": "Mode",
        "name_en": "Fashion",
        "description": "",
        "disciplines": [{"slug": "modeontwerper", "name": "Modeontwerper",
                         "name_en": "Fashion designer"}],
        "stages": [{"stage": "idea", "description": "Sketching"},
                   {"stage": "making", "description": "Sampling"}],
    }]


def test_chain_detail_is_found_by_slug(api):
    ChainFactory(slug="games")
    response = api.get(reverse("api:chain-detail", kwargs={"slug": "games"}))
    assert response.status_code == 200 and response.json()["slug"] == "games"


def test_unknown_chain_is_not_found(api):
    assert api.get(reverse("api:chain-detail", kwargs={"slug": "nothing"})).status_code == 404


def test_chain_list_searches_dutch_and_english_names(api):
    ChainFactory(slug="mode", name="Mode", name_en="Fashion")
    ChainFactory(slug="muziek", name="Muziek", name_en="Music")
    assert slugs(api.get(reverse("api:chain-list"), {"search": "fash"})) == ["mode"]
    assert slugs(api.get(reverse("api:chain-list"), {"search": "MUZ"})) == ["muziek"]


def test_chain_list_orders_by_slug_descending(api):
    ChainFactory(slug="a-chain", name="B")
    ChainFactory(slug="b-chain", name="A")
    assert slugs(api.get(reverse("api:chain-list"), {"ordering": "-slug"})) == ["b-chain", "a-chain"]


def test_chain_list_paginates_by_fifty(api):
    ChainFactory.create_batch(51)
    first = api.get(reverse("api:chain-list")).json()
    assert (first["count"], len(first["results"])) == (51, 50)
    assert len(api.get(first["next"]).json()["results"]) == 1


# --- disciplines ------------------------------------------------------------------------------

def test_discipline_list_names_the_chain_of_each_discipline(api):
    DisciplineFactory(chain=ChainFactory(slug="architectuur"), slug="architect",
                      name="Architect", name_en="Architect")
    (row,) = api.get(reverse("api:discipline-list")).json()["results"]
    assert row == {"url": "http://testserver/api/disciplines/architect/", "slug": "architect",
                   "name": "Architect", "name_en": "Architect", "chain": "architectuur"}


def test_discipline_detail_is_found_by_slug(api):
    DisciplineFactory(slug="pottenbakker")
    response = api.get(reverse("api:discipline-detail", kwargs={"slug": "pottenbakker"}))
    assert response.status_code == 200 and response.json()["slug"] == "pottenbakker"


def test_discipline_list_filters_by_chain(api):
    DisciplineFactory(chain=ChainFactory(slug="mode"), slug="modeontwerper")
    DisciplineFactory(chain=ChainFactory(slug="games"), slug="game-designer")
    response = api.get(reverse("api:discipline-list"), {"chain": "mode"})
    assert slugs(response) == ["modeontwerper"]


def test_discipline_list_searches_names(api):
    DisciplineFactory(slug="illustrator", name="Illustrator", name_en="Illustrator")
    DisciplineFactory(slug="fotograaf", name="Fotograaf", name_en="Photographer")
    assert slugs(api.get(reverse("api:discipline-list"), {"search": "photo"})) == ["fotograaf"]


def test_discipline_list_refuses_an_unknown_chain_naming_the_field(api):
    response = api.get(reverse("api:discipline-list"), {"chain": "nothing"})
    assert response.status_code == 400
    assert list(response.json()) == ["chain"]


def test_discipline_list_paginates_by_fifty(api):
    DisciplineFactory.create_batch(51, chain=ChainFactory())
    first = api.get(reverse("api:discipline-list")).json()
    assert (first["count"], len(first["results"])) == (51, 50)
    assert len(api.get(first["next"]).json()["results"]) == 1


# --- stages -----------------------------------------------------------------------------------

def test_stage_list_runs_from_idea_to_distribution(api, stages):
    response = api.get(reverse("api:stage-list"))
    assert response.json()["count"] == 3
    assert [(row["code"], row["order"]) for row in response.json()["results"]] == [
        ("idea", 1), ("making", 2), ("distribution", 3),
    ]


def test_stage_detail_is_found_by_code(api, stages):
    response = api.get(reverse("api:stage-detail", kwargs={"code": "making"}))
    assert response.status_code == 200
    assert response.json()["url"] == "http://testserver/api/stages/making/"
    assert response.json()["name"]  # the translated label


# --- query counts -----------------------------------------------------------------------------

def _chains_with_everything(count: int) -> None:
    for _ in range(count):
        chain = ChainFactory()
        DisciplineFactory.create_batch(2, chain=chain)
        for code in ("idea", "making", "distribution"):
            ChainStage.objects.create(chain=chain, stage=stage(code), description=code)


@pytest.mark.parametrize("count", [3, 30])
def test_chain_list_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries, count):
    _chains_with_everything(count)
    # page count, the page, disciplines, stage notes with their stages
    with django_assert_max_num_queries(4):
        response = api.get(reverse("api:chain-list"))
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [3, 30])
def test_discipline_list_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries,
                                                             count):
    _chains_with_everything(count)
    # page count, the page with its chains
    with django_assert_max_num_queries(2):
        response = api.get(reverse("api:discipline-list"))
    assert response.json()["count"] == 2 * count


def test_stage_list_query_count_is_bounded(api, django_assert_max_num_queries, stages):
    with django_assert_max_num_queries(2):
        api.get(reverse("api:stage-list"))
