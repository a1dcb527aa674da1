"""Reads of the value chain: who is in which stage, derived from the stage history."""

from datetime import date

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from chains.models import (
    Chain,
    ChainStage,
    Creative,
    Discipline,
    PortfolioImage,
    Stage,
    StageMove,
)


def _latest_move(on: date | None = None) -> QuerySet[StageMove]:
    moves = StageMove.objects.filter(creative=OuterRef("pk"))
    if on is not None:
        moves = moves.filter(moved_on__lte=on)
    return moves.order_by("-moved_on", "-id")


def creatives_with_stage(on: date | None = None) -> QuerySet[Creative]:
    """Creatives annotated with `current_stage_id` and `at_market` from their newest move."""
    latest = _latest_move(on)
    return Creative.objects.select_related("discipline__chain").annotate(
        current_stage_id=Subquery(latest.values("to_stage_id")[:1]),
        at_market=Subquery(latest.values("to_market")[:1]),
    )


def creative_current_stage(*, creative: Creative, on: date | None = None) -> Stage | None:
    """The stage a creative is in (None when they have no history or left to the market)."""
    moves = creative.stage_moves.all()
    if on is not None:
        moves = moves.filter(moved_on__lte=on)
    move = moves.select_related("to_stage").order_by("-moved_on", "-id").first()
    return move.to_stage if move else None


def creative_latest_move(*, creative: Creative) -> StageMove | None:
    return creative.stage_moves.select_related("to_stage").order_by("-moved_on", "-id").first()


def creative_history(*, creative: Creative) -> QuerySet[StageMove]:
    """Every move of a creative, oldest first, with the stages, place and recorder joined."""
    return creative.stage_moves.select_related(
        "from_stage", "to_stage", "building", "recorded_by"
    ).order_by("moved_on", "id")


def creatives_in_stage(*, stage: Stage, on: date | None = None) -> QuerySet[Creative]:
    return creatives_with_stage(on).filter(current_stage_id=stage.pk)


def stage_list() -> QuerySet[Stage]:
    return Stage.objects.order_by("order")


def chain_list() -> QuerySet[Chain]:
    return Chain.objects.prefetch_related("disciplines").order_by("name")


def discipline_list() -> QuerySet[Discipline]:
    return Discipline.objects.select_related("chain").order_by("chain__name", "name")


def chain_list_with_stage_notes() -> QuerySet[Chain]:
    """Chains with their disciplines and what each stage means for them, stages in order."""
    notes = ChainStage.objects.select_related("stage").order_by("stage__order")
    return chain_list().prefetch_related(Prefetch("stage_notes", queryset=notes))


def portfolio_of(*, creative: Creative) -> QuerySet[PortfolioImage]:
    """A creative's portfolio images in the order the creative chose."""
    return PortfolioImage.objects.filter(creative=creative).order_by("position", "id")
