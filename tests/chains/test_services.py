from datetime import date

import pytest
from django.core.exceptions import ValidationError

from chains.models import Creative, StageMove
from chains.services import creative_archive, creative_create, creative_update, stage_move_record
from tests.factories import BuildingFactory, CreativeFactory, DisciplineFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

KVK_MESSAGE = "A KvK number has exactly 8 digits."


@pytest.fixture
def discipline():
    return DisciplineFactory()


# --- creatives -------------------------------------------------------------------------------

def test_creative_create_stores_the_kvk_number(discipline):
    creative = creative_create(name="Studio Noord", discipline=discipline, kvk_number="12345678")
    creative.refresh_from_db()
    assert creative.kvk_number == "12345678"


def test_creative_without_kvk_number_is_allowed(discipline):
    creative_create(name="Anna", discipline=discipline)
    creative_create(name="Bram", discipline=discipline, kvk_number="")
    assert Creative.objects.count() == 2


@pytest.mark.parametrize("kvk", ["1234567", "1234567a", "ABCDEFGH", "1234 567"])
def test_kvk_number_not_8_digits_is_refused(discipline, kvk):
    with pytest.raises(ValidationError) as error:
        creative_create(name="Anna", discipline=discipline, kvk_number=kvk)
    assert error.value.message_dict == {"kvk_number": [KVK_MESSAGE]}
    assert not Creative.objects.exists()


def test_kvk_number_of_9_digits_is_refused(discipline):
    with pytest.raises(ValidationError) as error:
        creative_create(name="Anna", discipline=discipline, kvk_number="123456789")
    assert list(error.value.message_dict) == ["kvk_number"]
    assert KVK_MESSAGE in error.value.message_dict["kvk_number"]
    assert not Creative.objects.exists()


def test_duplicate_kvk_number_is_refused(discipline):
    creative_create(name="Anna", discipline=discipline, kvk_number="12345678")
    with pytest.raises(ValidationError) as error:
        creative_create(name="Bram", discipline=discipline, kvk_number="12345678")
    assert error.value.message_dict == {
        "kvk_number": ["Another creative is registered with this KvK number."]
    }
    assert Creative.objects.count() == 1


def test_creative_update_to_a_taken_kvk_number_is_refused(discipline):
    CreativeFactory(kvk_number="12345678")
    creative = CreativeFactory(kvk_number="87654321")
    with pytest.raises(ValidationError) as error:
        creative_update(creative=creative, kvk_number="12345678")
    assert error.value.messages == ["Another creative is registered with this KvK number."]
    creative.refresh_from_db()
    assert creative.kvk_number == "87654321"


def test_creative_update_keeping_its_own_kvk_number_is_allowed():
    creative = CreativeFactory(kvk_number="12345678")
    creative_update(creative=creative, name="Nieuwe naam", kvk_number="12345678")
    creative.refresh_from_db()
    assert creative.name == "Nieuwe naam"


def test_creative_create_with_an_unknown_field_is_refused(discipline):
    with pytest.raises(TypeError):
        creative_create(name="Anna", discipline=discipline, archived=True)
    assert not Creative.objects.exists()


def test_creative_archive_sets_archived():
    creative = CreativeFactory()
    creative_archive(creative=creative)
    creative.refresh_from_db()
    assert creative.archived is True


# --- stage moves -----------------------------------------------------------------------------

@pytest.fixture
def creative():
    return CreativeFactory()


def test_first_move_has_no_from_stage(creative, stages):
    move = stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[0])
    assert move.from_stage is None
    assert move.to_stage == stages[0]


def test_move_takes_its_from_stage_from_the_history(creative, stages):
    idea, making, _ = stages
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=idea)
    move = stage_move_record(creative=creative, on=date(2025, 1, 1), to_stage=making)
    assert move.from_stage == idea


def test_move_back_from_the_market_has_no_from_stage(creative, stages):
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[2])
    stage_move_record(creative=creative, on=date(2025, 1, 1), to_market=True)
    move = stage_move_record(creative=creative, on=date(2026, 1, 1), to_stage=stages[1])
    assert move.from_stage is None


def test_move_to_market_keeps_the_stage_it_left(creative, stages):
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[2])
    move = stage_move_record(creative=creative, on=date(2025, 1, 1), to_market=True)
    assert (move.from_stage, move.to_stage, move.to_market) == (stages[2], None, True)


def test_move_records_who_where_and_a_note(creative, stages):
    programmer, building = UserFactory(), BuildingFactory()
    move = stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[0],
                             building=building, note="Alumni studio", by=programmer)
    move.refresh_from_db()
    assert (move.recorded_by, move.building, move.note) == (programmer, building, "Alumni studio")
    assert move.recorded_at is not None


def test_move_dated_before_the_latest_is_refused(creative, stages):
    stage_move_record(creative=creative, on=date(2025, 1, 1), to_stage=stages[0])
    with pytest.raises(ValidationError) as error:
        stage_move_record(creative=creative, on=date(2024, 12, 31), to_stage=stages[1])
    assert error.value.message_dict == {"moved_on": [
        "The history already has a move on January 1, 2025; a new move cannot be dated before it."
    ]}
    assert StageMove.objects.count() == 1


def test_move_on_the_same_day_as_the_latest_is_allowed(creative, stages):
    stage_move_record(creative=creative, on=date(2025, 1, 1), to_stage=stages[0])
    move = stage_move_record(creative=creative, on=date(2025, 1, 1), to_stage=stages[1])
    assert move.from_stage == stages[0]


def test_move_to_the_current_stage_is_refused(creative, stages):
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[1])
    with pytest.raises(ValidationError) as error:
        stage_move_record(creative=creative, on=date(2025, 1, 1), to_stage=stages[1])
    assert error.value.message_dict == {
        "to_stage": [f"This creative is already in the stage {stages[1]}."]
    }
    assert StageMove.objects.count() == 1


def test_move_to_market_twice_is_refused(creative, stages):
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_market=True)
    with pytest.raises(ValidationError) as error:
        stage_move_record(creative=creative, on=date(2025, 1, 1), to_market=True)
    assert error.value.message_dict == {
        "to_stage": ["This creative is already out to the market."]
    }
    assert StageMove.objects.count() == 1


def test_move_to_neither_stage_nor_market_is_refused(creative):
    with pytest.raises(ValidationError) as error:
        stage_move_record(creative=creative, on=date(2024, 1, 1))
    assert error.value.message_dict == {
        "to_stage": ["Choose a stage to move to, or out to the market — one of the two."]
    }
    assert not StageMove.objects.exists()


def test_move_to_both_stage_and_market_is_refused(creative, stages):
    with pytest.raises(ValidationError) as error:
        stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[0],
                          to_market=True)
    assert error.value.message_dict == {
        "to_stage": ["Choose a stage to move to, or out to the market — one of the two."]
    }
    assert not StageMove.objects.exists()


def test_moves_of_other_creatives_do_not_count(creative, stages):
    stage_move_record(creative=CreativeFactory(), on=date(2025, 1, 1), to_stage=stages[1])
    move = stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[1])
    assert move.from_stage is None
