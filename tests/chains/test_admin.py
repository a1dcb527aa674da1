"""The admin of the value chain: every page renders; stage moves only through the service rules."""

from datetime import date

import pytest
from django.urls import reverse

from chains.models import ChainStage, Creative, StageMove
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    DisciplineFactory,
    StageMoveFactory,
    TenancyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(admin_client):
    """The services' messages are asserted in English; the site's default language is Dutch."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def creative(stages):
    """A maker who entered the idea stage on 1 March 2024."""
    move = StageMoveFactory(to_stage=stages[0], moved_on=date(2024, 3, 1))
    return move.creative


def errors_of(response) -> list[str]:
    """Every error message on an admin form page: the form's and its inlines'."""
    assert response.status_code == 200
    messages = [m for errors in response.context["adminform"].form.errors.values() for m in errors]
    for inline in response.context["inline_admin_formsets"]:
        messages += inline.formset.non_form_errors()
        for form_errors in inline.formset.errors:
            messages += [m for errors in form_errors.values() for m in errors]
    return messages


def move_data(creative, stage=None, on="2025-01-01", **fields) -> dict:
    return {"creative": creative.pk, "to_stage": stage.pk if stage else "", "moved_on": on,
            "building": "", "note": "", **fields}


def creative_data(creative, move=None) -> dict:
    """The creative's change form: the read-only history inline and the record-a-move inline."""
    history = list(creative.stage_moves.order_by("moved_on", "id"))
    data = {
        "name": creative.name, "kind": creative.kind, "kvk_number": creative.kvk_number,
        "discipline": creative.discipline_id, "email": creative.email, "phone": "",
        "website": "", "bio": "", "user": "",
        "stage_moves-TOTAL_FORMS": len(history), "stage_moves-INITIAL_FORMS": len(history),
        "stage_moves-MIN_NUM_FORMS": 0, "stage_moves-MAX_NUM_FORMS": 1000,
        "stage_moves-2-TOTAL_FORMS": 1, "stage_moves-2-INITIAL_FORMS": 0,
        "stage_moves-2-MIN_NUM_FORMS": 0, "stage_moves-2-MAX_NUM_FORMS": 1,
        "stage_moves-2-0-id": "", "stage_moves-2-0-creative": creative.pk,
    }
    for index, old in enumerate(history):
        data.update({f"stage_moves-{index}-id": old.pk,
                     f"stage_moves-{index}-creative": creative.pk})
    data.update({f"stage_moves-2-0-{name}": value for name, value in (move or {}).items()})
    return data


# --- every page renders ----------------------------------------------------------------------

MODELS = ["chain", "stage", "discipline", "creative", "stagemove"]


@pytest.fixture
def rows(creative, stages):
    discipline = creative.discipline
    ChainStage.objects.create(chain=discipline.chain, stage=stages[0], description="Sketching")
    return {"chain": discipline.chain, "stage": stages[0], "discipline": discipline,
            "creative": creative, "stagemove": creative.stage_moves.get()}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders(admin_client, rows, model):
    assert admin_client.get(reverse(f"admin:chains_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_add_page_renders(admin_client, rows, model):
    assert admin_client.get(reverse(f"admin:chains_{model}_add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_page_renders(admin_client, rows, model):
    url = reverse(f"admin:chains_{model}_change", args=[rows[model].pk])
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize(("model", "make", "bound"), [
    (Creative, lambda: StageMoveFactory().creative, 10),
    (StageMove, StageMoveFactory, 11),
], ids=["creative", "stagemove"])
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, stages, model, make, bound
):
    url = reverse(f"admin:chains_{model._meta.model_name}_changelist")
    for size in (3, 30):
        while model.objects.count() < size:
            make()
        with django_assert_max_num_queries(bound):
            assert admin_client.get(url).status_code == 200


# --- creatives -------------------------------------------------------------------------------

def test_creative_list_shows_the_current_stage_from_the_history(admin_client, creative, stages):
    StageMoveFactory(creative=creative, from_stage=stages[0], to_stage=stages[1],
                     moved_on=date(2025, 1, 1))
    response = admin_client.get(reverse("admin:chains_creative_changelist"))
    [row] = response.context["cl"].result_list
    assert row.current_stage_id == stages[1].pk
    assert "Making (maken)" in response.text


def test_creative_list_filters_on_the_current_stage(admin_client, creative, stages):
    CreativeFactory(discipline=creative.discipline)  # no history
    response = admin_client.get(reverse("admin:chains_creative_changelist"),
                                {"current_stage": stages[0].pk})
    assert list(response.context["cl"].result_list) == [creative]


def test_archive_action_archives_creatives(admin_client, creative):
    response = admin_client.post(reverse("admin:chains_creative_changelist"), {
        "action": "archive_creatives", "_selected_action": [creative.pk],
    })
    assert response.status_code == 302
    creative.refresh_from_db()
    assert creative.archived


def test_deleting_a_creative_with_history_shows_the_protected_page(admin_client, creative):
    response = admin_client.post(reverse("admin:chains_creative_delete", args=[creative.pk]),
                                 {"post": "yes"})
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.text
    assert Creative.objects.filter(pk=creative.pk).exists()


def test_deleting_a_creative_with_a_tenancy_shows_the_protected_page(admin_client):
    tenancy = TenancyFactory()
    response = admin_client.post(
        reverse("admin:chains_creative_delete", args=[tenancy.creative_id]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.text
    assert Creative.objects.filter(pk=tenancy.creative_id).exists()


def test_creative_without_history_can_be_deleted(admin_client):
    creative = CreativeFactory(discipline=DisciplineFactory())
    response = admin_client.post(reverse("admin:chains_creative_delete", args=[creative.pk]),
                                 {"post": "yes"})
    assert response.status_code == 302
    assert not Creative.objects.filter(pk=creative.pk).exists()


# --- stage moves on their own page -----------------------------------------------------------

def test_stage_move_takes_from_stage_from_the_history_and_records_who(
    admin_client, admin_user, creative, stages
):
    building = BuildingFactory()
    data = move_data(creative, stages[1], building=building.pk)
    response = admin_client.post(reverse("admin:chains_stagemove_add"), data)
    assert response.status_code == 302
    move = creative.stage_moves.latest("moved_on")
    assert (move.from_stage, move.to_stage, move.building) == (stages[0], stages[1], building)
    assert move.recorded_by == admin_user


def test_stage_move_dated_before_the_latest_is_refused(admin_client, creative, stages):
    response = admin_client.post(reverse("admin:chains_stagemove_add"),
                                 move_data(creative, stages[1], on="2024-02-01"))
    assert errors_of(response) == [
        "The history already has a move on March 1, 2024; a new move cannot be dated before it."
    ]
    assert creative.stage_moves.count() == 1


def test_stage_move_to_a_stage_and_the_market_at_once_is_refused(admin_client, creative, stages):
    response = admin_client.post(reverse("admin:chains_stagemove_add"),
                                 move_data(creative, stages[1], to_market="on"))
    assert errors_of(response) == [
        "Choose a stage to move to, or out to the market — one of the two."
    ]
    assert creative.stage_moves.count() == 1


def test_stage_move_into_the_current_stage_is_refused(admin_client, creative, stages):
    response = admin_client.post(reverse("admin:chains_stagemove_add"),
                                 move_data(creative, stages[0]))
    assert errors_of(response) == ["This creative is already in the stage Idea (bedenken)."]


def test_recorded_stage_moves_cannot_be_changed(admin_client, creative, stages):
    move = creative.stage_moves.get()
    response = admin_client.post(reverse("admin:chains_stagemove_change", args=[move.pk]),
                                 move_data(creative, stages[2], on="2020-01-01"))
    assert response.status_code == 403
    move.refresh_from_db()
    assert (move.to_stage, move.moved_on) == (stages[0], date(2024, 3, 1))


def test_recorded_stage_moves_cannot_be_deleted(admin_client, creative):
    move = creative.stage_moves.get()
    response = admin_client.post(reverse("admin:chains_stagemove_delete", args=[move.pk]),
                                 {"post": "yes"})
    assert response.status_code == 403
    assert StageMove.objects.filter(pk=move.pk).exists()


# --- stage moves inline under the creative ---------------------------------------------------

def test_stage_move_recorded_inline_follows_the_history(admin_client, admin_user, creative,
                                                        stages):
    data = creative_data(creative, {"to_stage": stages[1].pk, "moved_on": "2025-01-01"})
    response = admin_client.post(reverse("admin:chains_creative_change", args=[creative.pk]),
                                 data)
    assert response.status_code == 302
    move = creative.stage_moves.latest("moved_on")
    assert (move.from_stage, move.to_stage, move.recorded_by) == (stages[0], stages[1], admin_user)


def test_stage_move_inline_dated_before_the_latest_is_refused(admin_client, creative, stages):
    data = creative_data(creative, {"to_stage": stages[1].pk, "moved_on": "2024-02-01"})
    response = admin_client.post(reverse("admin:chains_creative_change", args=[creative.pk]),
                                 data)
    assert errors_of(response) == [
        "The history already has a move on March 1, 2024; a new move cannot be dated before it."
    ]
    assert creative.stage_moves.count() == 1


def test_saving_a_creative_without_a_new_move_keeps_the_history(admin_client, creative):
    data = creative_data(creative)
    data["bio"] = "Ceramics"
    response = admin_client.post(reverse("admin:chains_creative_change", args=[creative.pk]),
                                 data)
    assert response.status_code == 302
    creative.refresh_from_db()
    assert creative.bio == "Ceramics" and creative.stage_moves.count() == 1
