"""Writes of the value chain: creatives, their stage moves and their portfolios."""

import secrets
from collections.abc import Callable, Iterable
from datetime import date
from typing import IO

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chains import emails, images
from chains.formatting import long_date
from chains.history import history_by
from chains.locking import lock_rows
from chains.models import Creative, Discipline, PortfolioImage, Stage, StageMove
from chains.selectors import creative_latest_move

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
            ) % {"date": long_date(latest.moved_on)}})
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
    history_by(move, by).save()
    return move


# --- portfolio -------------------------------------------------------------------------------

IMAGE_FILE_FIELDS = ("image", "thumb_400", "thumb_1200")


def image_file_names(rows: Iterable[models.Model]) -> list[str]:
    """The stored names of every file of these image rows (portfolio images, space photos)."""
    return [getattr(row, field).name for row in rows for field in IMAGE_FILE_FIELDS
            if getattr(row, field).name]


def image_files_delete(names: Iterable[str]) -> None:
    """Delete stored files now; a file already gone is no error."""
    for name in names:
        default_storage.delete(name)


def image_files_delete_on_commit(rows: Iterable[models.Model]) -> None:
    """Delete these rows' files once the rows' deletion is committed, never before.

    For callers that delete rows themselves, such as the admin deleting a creative (the
    portfolio goes with it, by CASCADE).
    """
    names = image_file_names(rows)
    if names:
        transaction.on_commit(lambda: image_files_delete(names))


def image_files_store(row: models.Model, processed: images.ProcessedImage,
                      written: list[str]) -> None:
    """Put an accepted upload's original and thumbnails on the row's three image fields.

    A random name, the same for the original and its thumbnails; never the uploader's. Each
    stored name is appended to `written` at once, so a caller can delete them on failure.
    """
    token = secrets.token_hex(16)
    for field, suffix, content in [("image", "", processed.original),
                                   ("thumb_400", "-400", processed.thumb_400),
                                   ("thumb_1200", "-1200", processed.thumb_1200)]:
        name = f"{token}{suffix}.{processed.extension}"
        getattr(row, field).save(name, ContentFile(content), save=False)
        written.append(getattr(row, field).name)


def image_row_add(*, owner: models.QuerySet, rows: models.QuerySet, limit: int, too_many: str,
                  file: IO[bytes],
                  make: Callable[[images.ProcessedImage, int], models.Model]) -> models.Model:
    """Add an uploaded image as the last of `rows` (a portfolio, a space's photos), with its
    thumbnails. `make(processed, position)` builds the unsaved row.

    `owner` (the creative's or the space's row) is locked so two uploads at once cannot both
    take the last place under `limit`. Anything refused or failing leaves nothing behind: no
    row and no file.
    """
    written: list[str] = []
    try:
        # The transaction is opened here rather than by a decorator so that a failing
        # commit, too, deletes the files written inside it.
        with transaction.atomic():
            lock_rows(owner)
            if rows.count() >= limit:
                raise ValidationError({"image": too_many})
            processed = images.process_upload(file)
            last = rows.aggregate(last=Max("position"))["last"]
            row = make(processed, 0 if last is None else last + 1)
            row.full_clean(exclude=IMAGE_FILE_FIELDS)
            image_files_store(row, processed, written)
            row.save()
            return row
    except BaseException:
        image_files_delete(written)
        raise


@transaction.atomic
def image_row_remove(*, row: models.Model, owner: models.QuerySet) -> None:
    """Delete an image row under its owner's lock; its files go once that is committed."""
    lock_rows(owner)
    names = image_file_names([row])
    row.delete()
    transaction.on_commit(lambda: image_files_delete(names))


def portfolio_image_add(
    *, creative: Creative, file: IO[bytes], caption: str = ""
) -> PortfolioImage:
    """Add an uploaded image to the end of a creative's portfolio, with its thumbnails."""
    limit = images.PORTFOLIO_LIMIT  # read at call time: tests lower it
    return image_row_add(
        owner=Creative.objects.filter(pk=creative.pk),
        rows=PortfolioImage.objects.filter(creative=creative),
        limit=limit,
        too_many=ngettext(
            "A portfolio holds at most %(limit)d image. Remove it before adding another.",
            "A portfolio holds at most %(limit)d images. Remove one before adding another.",
            limit,
        ) % {"limit": limit},
        file=file,
        make=lambda processed, position: PortfolioImage(
            creative=creative, caption=caption, width=processed.width,
            height=processed.height, position=position),
    )


def portfolio_image_remove(*, image: PortfolioImage) -> None:
    """Remove an image from its portfolio; its files are deleted once that is committed."""
    image_row_remove(row=image, owner=Creative.objects.filter(pk=image.creative_id))


@transaction.atomic
def portfolio_image_reorder(*, creative: Creative, order: list[int]) -> list[PortfolioImage]:
    """Put a creative's portfolio in the given order: every image's id, each exactly once."""
    lock_rows(Creative.objects.filter(pk=creative.pk))
    portfolio = {image.pk: image for image in PortfolioImage.objects.filter(creative=creative)}
    if len(order) != len(portfolio) or set(order) != set(portfolio):
        raise ValidationError({"order": _(
            "The new order must list every image of this portfolio exactly once."
        )})
    # Positions are unique per creative and checked row by row, so first move every image
    # past the highest position in use, then into its place.
    shift = max((image.position for image in portfolio.values()), default=0) + 1
    PortfolioImage.objects.filter(creative=creative).update(position=F("position") + shift)
    ordered = [portfolio[pk] for pk in order]
    for position, image in enumerate(ordered):
        image.position = position
    PortfolioImage.objects.bulk_update(ordered, ["position"])
    return ordered


# --- sign-up ---------------------------------------------------------------------------------

# The Django group of creatives. broedplaats.roles.CREATIVE names the same group (a test holds
# the two together); chains cannot import it, the dependency runs the other way.
CREATIVE_GROUP = "creative"


@transaction.atomic
def creative_sign_up(
    *, email: str, password: str, name: str, discipline: Discipline, kind: str, site_url: str
) -> Creative | None:
    """Create a creative with a user account that stays inactive until the email is verified.

    The verification mail goes out once the transaction commits; `site_url` (scheme and host,
    e.g. "https://broedplaats.nl") is where its link points. An address that already has an
    account gets no second one (None is returned) but a mail saying someone tried to sign up
    with it; the caller answers as for a new address, so no one learns who has an account.
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).strip().lower()
    user = user_model(username=email, email=email, first_name=name[:150], is_active=False)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error
    # Hashed for a known address too, so that answer takes as long as a new one.
    user.set_password(password)
    existing = _account_with_email(email)
    if existing is not None:
        # The same checks as a new creative gets, so both answers show the same errors.
        Creative(name=name, discipline=discipline, kind=kind, email=email).full_clean()
        _mail_sign_up_attempt(existing, address=email, site_url=site_url)
        return None
    try:
        # A sign-up with the same address at the same moment trips the unique username.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        existing = _account_with_email(email)
        if existing is not None:
            _mail_sign_up_attempt(existing, address=email, site_url=site_url)
        return None
    user.groups.add(Group.objects.get_or_create(name=CREATIVE_GROUP)[0])
    creative = creative_create(name=name, discipline=discipline, kind=kind, email=email, user=user)
    transaction.on_commit(lambda: emails.send_verification_email(user=user, site_url=site_url))
    return creative


def _account_with_email(email: str) -> AbstractBaseUser | None:
    return get_user_model().objects.filter(
        Q(username__iexact=email) | Q(email__iexact=email)).order_by("pk").first()


def _mail_sign_up_attempt(user: AbstractBaseUser, *, address: str, site_url: str) -> None:
    transaction.on_commit(lambda: emails.send_sign_up_attempt_email(
        user=user, address=address, site_url=site_url))


@transaction.atomic
def creative_verify_email(*, uidb64: str, token: str) -> AbstractBaseUser:
    """Activate the account a verification link was sent for; refuses a wrong or old link."""
    user = emails.user_for_verification(uidb64=uidb64, token=token)
    if user is None:
        raise ValidationError(_(
            "This verification link is not valid: it is incomplete, has been used already, "
            "or has expired."
        ), code="invalid_link")
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user
