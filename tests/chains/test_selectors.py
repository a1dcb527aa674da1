from datetime import date

import pytest

from chains.selectors import (
    creative_current_stage,
    creative_history,
    creative_latest_move,
    creatives_in_stage,
    creatives_with_stage,
)
from chains.services import stage_move_record
from tests.factories import CreativeFactory, StageMoveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creative(stages):
    """Idea in 2022, making in 2023, distribution in 2024, out to the market in 2025."""
    creative = CreativeFactory()
    idea, making, distribution = stages
    stage_move_record(creative=creative, on=date(2022, 1, 1), to_stage=idea)
    stage_move_record(creative=creative, on=date(2023, 1, 1), to_stage=making)
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=distribution)
    stage_move_record(creative=creative, on=date(2025, 1, 1), to_market=True)
    return creative


# --- creative_current_stage ------------------------------------------------------------------

def test_creative_without_history_has_no_stage():
    assert creative_current_stage(creative=CreativeFactory()) is None


def test_current_stage_is_the_newest_move(stages):
    creative = CreativeFactory()
    stage_move_record(creative=creative, on=date(2022, 1, 1), to_stage=stages[0])
    stage_move_record(creative=creative, on=date(2023, 1, 1), to_stage=stages[1])
    assert creative_current_stage(creative=creative) == stages[1]


def test_creative_out_to_the_market_has_no_stage(creative):
    assert creative_current_stage(creative=creative) is None


@pytest.mark.parametrize(("on", "code"), [
    (date(2022, 1, 1), "idea"),
    (date(2023, 6, 1), "making"),
    (date(2024, 12, 31), "distribution"),
])
def test_current_stage_on_a_date_reads_the_history_up_to_it(creative, on, code):
    assert creative_current_stage(creative=creative, on=on).code == code


def test_current_stage_before_the_first_move_is_none(creative):
    assert creative_current_stage(creative=creative, on=date(2021, 12, 31)) is None


def test_of_two_moves_on_one_day_the_later_recorded_counts(stages):
    creative = CreativeFactory()
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[0])
    stage_move_record(creative=creative, on=date(2024, 1, 1), to_stage=stages[1])
    assert creative_current_stage(creative=creative) == stages[1]
    assert creative_latest_move(creative=creative).to_stage == stages[1]


def test_current_stage_ignores_insertion_order_of_dated_rows(stages):
    # Rows written past the service (e.g. an import) in any order: the date decides.
    creative = CreativeFactory()
    StageMoveFactory(creative=creative, to_stage=stages[1], moved_on=date(2024, 1, 1))
    StageMoveFactory(creative=creative, to_stage=stages[0], moved_on=date(2022, 1, 1))
    assert creative_current_stage(creative=creative) == stages[1]


# --- creatives_with_stage --------------------------------------------------------------------

def test_creatives_with_stage_annotates_the_newest_stage(stages):
    creative = CreativeFactory()
    stage_move_record(creative=creative, on=date(2022, 1, 1), to_stage=stages[0])
    stage_move_record(creative=creative, on=date(2023, 1, 1), to_stage=stages[1])
    row = creatives_with_stage().get(pk=creative.pk)
    assert (row.current_stage_id, row.at_market) == (stages[1].pk, False)


def test_creatives_with_stage_marks_market_and_no_stage(creative):
    row = creatives_with_stage().get(pk=creative.pk)
    assert (row.current_stage_id, row.at_market) == (None, True)


def test_creatives_with_stage_on_a_date_reads_the_history_up_to_it(creative, stages):
    row = creatives_with_stage(on=date(2023, 6, 1)).get(pk=creative.pk)
    assert (row.current_stage_id, row.at_market) == (stages[1].pk, False)


def test_creatives_with_stage_without_history_gives_nothing():
    creative = CreativeFactory()
    row = creatives_with_stage().get(pk=creative.pk)
    assert (row.current_stage_id, row.at_market) == (None, None)


def test_creatives_with_stage_runs_in_one_query(creative, django_assert_num_queries):
    CreativeFactory.create_batch(3)
    with django_assert_num_queries(1):
        rows = list(creatives_with_stage())
        assert [row.discipline.chain.name for row in rows]


def test_creatives_in_stage_lists_only_those_there_on_the_date(creative, stages):
    other = CreativeFactory()
    stage_move_record(creative=other, on=date(2023, 1, 1), to_stage=stages[1])
    assert list(creatives_in_stage(stage=stages[1])) == [other]
    assert set(creatives_in_stage(stage=stages[1], on=date(2023, 6, 1))) == {creative, other}


# --- creative_history ------------------------------------------------------------------------

def test_history_is_oldest_first_with_from_and_to(creative):
    rows = [(m.from_stage and m.from_stage.code, m.to_stage and m.to_stage.code, m.to_market)
            for m in creative_history(creative=creative)]
    assert rows == [
        (None, "idea", False),
        ("idea", "making", False),
        ("making", "distribution", False),
        ("distribution", None, True),
    ]
