"""Writes of the value chain: creatives and their stage moves."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from chains.models import Creative, Stage, StageMove
from chains.selectors import creative_latest_move


def lock_rows(queryset: models.QuerySet) -> None:
    """Lock exactly these rows until the surrounding transaction ends.

    Ordering is dropped so no default ordering joins (and locks) related tables; outside a
    transaction there is nothing to hold, so nothing is done.
    """
    if transaction.get_connection(queryset.db).in_atomic_block:
        list(queryset.select_for_update().order_by().values_list("pk", flat=True))


CREATIVE_FIELDS = {"name", "kind", "kvk_number", "discipline", "email", "phone", "website", "bio",
                   "user"}


def creative_check(creative: Creative) -> None:
    """A KvK number belongs to one creative (reported on the field, where users look)."""
    if creative.kvk_number and Creative.objects.filter(kvk_number=creative.kvk_number).exclude(
        pk=creative.pk
    ).exists():
        raise ValidationError(
            {"kvk_number": _("Another creative is registered with this KvK number.")}
        )


@transaction.atomic
def creative_create(**fields) -> Creative:
    """Register a creative; validates KvK number, discipline and contact data."""
    unknown = set(fields) - CREATIVE_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    creative = Creative(**fields)
    creative_check(creative)
    creative.full_clean()
    creative.save()
    return creative


@transaction.atomic
def creative_update(*, creative: Creative, **fields) -> Creative:
    """Change a creative's profile fields."""
    unknown = set(fields) - CREATIVE_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(creative, name, value)
    creative_check(creative)
    creative.full_clean()
    creative.save()
    return creative


@transaction.atomic
def creative_archive(*, creative: Creative) -> Creative:
    """Archive instead of delete: the dashboards keep counting their history."""
    creative.archived = True
    creative.save(update_fields=["archived"])
    return creative


def stage_move_check(
    *, creative: Creative, on: date, to_stage: Stage | None = None, to_market: bool = False
) -> StageMove | None:
    """Refuse a move the history does not allow; returns the creative's latest move.

    The history is append-only in date order, a move changes the stage, and it goes either to
    a stage or out to the market.
    """
    if (to_stage is None) == (not to_market):
        raise ValidationError(
            {"to_stage": _("Choose a stage to move to, or out to the market — one of the two.")}
        )
    latest = creative_latest_move(creative=creative)
    if latest is not None:
        if on < latest.moved_on:
            raise ValidationError({"moved_on": _(
                "The history already has a move on %(date)s; a new move cannot be dated "
                "before it."
            ) % {"date": latest.moved_on.isoformat()}})
        if to_market and latest.to_market:
            raise ValidationError({"to_stage": _("This creative is already out to the market.")})
        if to_stage is not None and latest.to_stage_id == to_stage.pk:
            raise ValidationError({"to_stage": _("This creative is already in the stage "
                                                 "%(stage)s.") % {"stage": to_stage}})
    return latest


@transaction.atomic
def stage_move_record(
    *,
    creative: Creative,
    on: date,
    to_stage: Stage | None = None,
    to_market: bool = False,
    building: models.Model | None = None,
    note: str = "",
    by: AbstractBaseUser | None = None,
) -> StageMove:
    """Record a creative's move into a stage or out to the market.

    `from_stage` is taken from the history, so the current stage can only ever be the newest
    move.
    """
    # Lock the creative's row so two moves recorded at once are ordered, not interleaved.
    lock_rows(Creative.objects.filter(pk=creative.pk))
    latest = stage_move_check(creative=creative, on=on, to_stage=to_stage, to_market=to_market)
    move = StageMove(
        creative=creative,
        from_stage=latest.to_stage if latest else None,
        to_stage=to_stage,
        to_market=to_market,
        moved_on=on,
        building=building,
        note=note,
        recorded_by=by,
    )
    move.full_clean()
    move.save()
    return move
