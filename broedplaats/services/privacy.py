"""Writes of privacy (docs/privacy.md): erasing a creative, and the retention period of
unsuccessful applications.

Erasure walks one registry, `PERSONAL_DATA`: each entry names the rows of one creative that
hold personal data (a queryset made from the creative) and what erasing does to them (the
anonymous value of each personal field, or deleting the rows). What the throughput figures
count stays: the creative row (its discipline and kind), stage moves, tenancies with their
dates, rents and end reasons, applications with their dates and statuses, offers, screenings'
outcomes and reasons. So a city's figures are the same before and after.

Adding a holder of personal data (the audit history's tables, say) is one more entry: append
a `PersonalData` to `PERSONAL_DATA` (or call `personal_data_register`); `creative_erase` and
its tests then cover it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Replace
from django.utils.translation import gettext as _

from broedplaats.history import PERSONAL_HISTORY_FIELDS, PersonalHistory
from broedplaats.models import (
    ApiToken,
    ApplicantNote,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    City,
    Erasure,
    ErasureRequest,
    IdempotentRequest,
    Offer,
    Screening,
    SocialReturn,
    Tenancy,
)
from broedplaats.services.places import add_months
from chains.locking import lock_rows, retry_on_conflict
from chains.models import Creative, PortfolioImage, StageMove
from chains.services import image_file_names, image_files_delete

__all__ = [
    "APPLICATION_PERSONAL_DATA",
    "PERSONAL_DATA",
    "UNSUCCESSFUL_STATUSES",
    "PersonalData",
    "applications_anonymise",
    "applications_past_retention",
    "creative_erase",
    "erased_name",
    "personal_data_register",
    "retention_apply",
]

# What stands in for a free text a figure counts as "given" (a tenancy's exception reasons):
# not empty, so the count stays, and saying nothing.
ERASED_TEXT = "—"

# An application that ended without a tenancy: declined, withdrawn, expired, or found not
# eligible (which a new screening could still change, so it is dated by its last change).
UNSUCCESSFUL_STATUSES = (ApplicationStatus.DECLINED, ApplicationStatus.WITHDRAWN,
                         ApplicationStatus.EXPIRED, ApplicationStatus.INELIGIBLE)


def erased_name(creative: Creative) -> str:
    """The anonymous name of an erased creative (and, with the user's id, of their account)."""
    return f"erased-{creative.pk}"


def _kept_if_empty(name: str) -> Case:
    """A free text that a figure counts when given: empty stays empty, any text says nothing."""
    return Case(When(**{name: ""}, then=Value("")), default=Value(ERASED_TEXT))


# A field's anonymous value: a constant, a database expression, or made from the creative and
# the time of the erasure.
Anonymous = Any | Callable[[Creative, datetime], Any]


@dataclass(frozen=True)
class PersonalData:
    """Rows of one creative holding personal data, and what erasure does to them.

    `rows(creative)` is the queryset of them (made before anything is changed, so it may
    filter on what the erasure is about to change, such as the user name); `fields` maps each
    personal field to its anonymous value. Without `fields` the rows are deleted.
    """

    label: str
    rows: Callable[[Creative], models.QuerySet]
    fields: dict[str, Anonymous] = field(default_factory=dict)

    def apply(self, queryset: models.QuerySet, creative: Creative, at: datetime) -> int:
        if not self.fields:
            return queryset.delete()[0]
        values = {name: value(creative, at) if callable(value) else value
                  for name, value in self.fields.items()}
        return queryset.update(**values)


def _user_rows(model, creative: Creative, **lookup) -> models.QuerySet:
    if creative.user_id is None:
        return model.objects.none()
    return model.objects.filter(**{key: value(creative.user) if callable(value) else value
                                   for key, value in lookup.items()})


def _axes_rows(model_name: str) -> Callable[[Creative], models.QuerySet]:
    def rows(creative: Creative) -> models.QuerySet:
        from axes import models as axes_models  # axes is a project setting, not a domain model

        model = getattr(axes_models, model_name)
        if creative.user_id is None:
            return model.objects.none()
        return model.objects.filter(username=creative.user.get_username())
    return rows


def _session_rows(creative: Creative) -> models.QuerySet:
    """The user's sessions in the database (the session engine of settings); a session only
    says whose it is inside its encoded data, so each live one is read. Changing the password
    to an unusable one ends any other session too (Django checks its hash on each request)."""
    if creative.user_id is None:
        return Session.objects.none()
    keys = [session.session_key for session in Session.objects.iterator()
            if str(session.get_decoded().get(SESSION_KEY)) == str(creative.user_id)]
    return Session.objects.filter(session_key__in=keys)


def _log_rows(creative: Creative) -> models.QuerySet:
    """The admin's log lines about the creative, their account and their rows, whose text
    (`object_repr`, `change_message`) may quote the name."""
    types = ContentType.objects.get_for_models(
        Creative, Application, Tenancy, Offer, Screening, StageMove, PortfolioImage,
        SocialReturn, get_user_model())
    mine = {
        Creative: [creative.pk],
        Application: Application.objects.filter(creative=creative).values_list("pk", flat=True),
        Tenancy: Tenancy.objects.filter(creative=creative).values_list("pk", flat=True),
        Offer: Offer.objects.filter(application__creative=creative).values_list("pk", flat=True),
        Screening: Screening.objects.filter(creative=creative).values_list("pk", flat=True),
        StageMove: StageMove.objects.filter(creative=creative).values_list("pk", flat=True),
        PortfolioImage: PortfolioImage.objects.filter(creative=creative)
        .values_list("pk", flat=True),
        SocialReturn: SocialReturn.objects.filter(tenancy__creative=creative)
        .values_list("pk", flat=True),
        get_user_model(): [creative.user_id] if creative.user_id else [],
    }
    q = Q(pk__in=[])
    for model, ids in mine.items():
        q |= Q(content_type=types[model], object_id__in=[str(pk) for pk in ids])
    return LogEntry.objects.filter(q)


def _log_text(name: str) -> Callable[[Creative, datetime], Any]:
    """The log line's text with the creative's name and user name replaced by the anonymous
    ones (both read from the creative as loaded before the erasure)."""
    def value(creative: Creative, at: datetime):
        text = F(name)
        for old, new in _names(creative):
            text = Replace(text, Value(old), Value(new))
        return text
    return value


def _names(creative: Creative) -> list[tuple[str, str]]:
    pairs = [(creative.name, erased_name(creative))]
    if creative.user_id is not None:
        pairs.append((creative.user.get_username(), f"erased-user-{creative.user_id}"))
    return [(old, new) for old, new in pairs if old and old != new]


def _first(at_field: str) -> Callable[[Creative, datetime], Any]:
    """Keep the first time of an anonymisation: erasing twice does not move it."""
    return lambda creative, at: Coalesce(F(at_field), Value(at))


# The personal content of applications: the same on erasure and at the end of the retention
# period (rows of the applications in `rows`).
def _application_data(applications: Callable[[Creative], models.QuerySet]) -> list[PersonalData]:
    selection = Application.portfolio_images.through
    return [
        PersonalData("private notes", lambda c: ApplicantNote.objects.filter(
            application__in=applications(c))),
        PersonalData("portfolio selections", lambda c: selection.objects.filter(
            application__in=applications(c))),
        PersonalData("status change notes", lambda c: ApplicationEvent.objects.filter(
            application__in=applications(c)).exclude(note=""), {"note": ""}),
        PersonalData("applications", applications,
                     {"motivation": "", "anonymised_at": _first("anonymised_at")}),
        # Their audit history holds the same motivation and the status notes, as they were.
        PersonalData("application history", lambda c: Application.history.model.objects.filter(
            id__in=applications(c).values("pk")),
            {"motivation": "", "history_change_reason": None}),
    ]


def _history_data(entry: PersonalHistory) -> PersonalData:
    """The erasure of one historical table's personal columns (broedplaats.history), in place:
    no history of the history is kept."""
    def blank(name: str):
        return None if entry.model._meta.get_field(name).null else ""
    return PersonalData(f"history: {entry.model._meta.model_name}",
                        lambda c: entry.model.objects.filter(**{entry.creative: c.pk}),
                        {name: blank(name) for name in entry.fields})


APPLICATION_PERSONAL_DATA = _application_data(
    lambda c: Application.objects.filter(creative=c))

PERSONAL_DATA: list[PersonalData] = [
    *APPLICATION_PERSONAL_DATA,
    PersonalData("stage move notes", lambda c: StageMove.objects.filter(creative=c)
                 .exclude(note=""), {"note": ""}),
    PersonalData("social return descriptions", lambda c: SocialReturn.objects.filter(
        tenancy__creative=c).exclude(description=""), {"description": ""}),
    # The tenancy figures count exceptions: a given reason stays given, its text goes.
    PersonalData("tenancy reasons", lambda c: Tenancy.objects.filter(creative=c), {
        "rent_exception_reason": _kept_if_empty("rent_exception_reason"),
        "term_exception_reason": _kept_if_empty("term_exception_reason"),
        "cancel_reason": _kept_if_empty("cancel_reason"),
    }),
    # The audit history of their rows (applications' history is in APPLICATION_PERSONAL_DATA).
    *(_history_data(entry) for entry in PERSONAL_HISTORY_FIELDS
      if entry.model is not Application.history.model),
    PersonalData("admin log", _log_rows, {"object_repr": _log_text("object_repr"),
                                          "change_message": _log_text("change_message")}),
    # Kept: the discipline and kind (figures per discipline), the row itself (stage moves,
    # tenancies and applications refer to it), archived so no list offers it again.
    PersonalData("profile", lambda c: Creative.objects.filter(pk=c.pk), {
        "name": lambda c, at: erased_name(c), "kvk_number": "", "email": "", "phone": "",
        "website": "", "bio": "", "archived": True,
    }),
    PersonalData("API tokens", lambda c: _user_rows(ApiToken, c, user=c.user_id)),
    # Answers kept a day for a repeat of an API write (an application, an offer accepted).
    PersonalData("kept API answers", lambda c: _user_rows(IdempotentRequest, c,
                                                          user=c.user_id)),
    PersonalData("sessions", _session_rows),
    PersonalData("log-in attempts", _axes_rows("AccessAttempt")),
    PersonalData("log-in log", _axes_rows("AccessLog")),
    PersonalData("log-in failures", _axes_rows("AccessFailureLog")),
    PersonalData("roles", lambda c: _user_rows(get_user_model().groups.through, c,
                                               user=c.user_id)),
    PersonalData("permissions", lambda c: _user_rows(
        get_user_model().user_permissions.through, c, user=c.user_id)),
    # The account stays, anonymous and closed, so what it did (an offer answered, a status
    # changed) still points at one account without saying whose.
    PersonalData("account", lambda c: _user_rows(get_user_model(), c, pk=c.user_id), {
        "username": lambda c, at: f"erased-user-{c.user_id}", "first_name": "",
        "last_name": "", "email": "", "is_active": False,
        "password": lambda c, at: make_password(None),
    }),
]


def personal_data_register(*entries: PersonalData) -> None:
    """Add holders of personal data to the erasure (e.g. the audit history's tables)."""
    PERSONAL_DATA.extend(entries)


def _erasure_check(creative: Creative) -> None:
    user = creative.user
    if user is not None and (user.is_staff or user.is_superuser):
        raise ValidationError({"creative": _(
            "This creative's account is also a staff account; take its staff rights away "
            "before erasing it.")})


@retry_on_conflict
def creative_erase(*, creative: Creative, by, at: datetime,
                   requested: str = ErasureRequest.SELF) -> Erasure:
    """Erase a creative's personal data everywhere, keeping the anonymous rows the figures
    count; recorded once (who, when). Erasing an erased creative again changes nothing."""
    # Lock order: the creative's applications, then the creative (docs/architecture.md).
    lock_rows(Application.objects.filter(creative=creative))
    lock_rows(Creative.objects.filter(pk=creative.pk))
    creative = Creative.objects.select_related("user").get(pk=creative.pk)
    _erasure_check(creative)
    images = list(PortfolioImage.objects.filter(creative=creative))
    files = image_file_names(images)
    # Every queryset is made before anything changes (some filter on the user name).
    steps = [(entry, entry.rows(creative)) for entry in PERSONAL_DATA]
    counts: dict[str, int] = {}
    for entry, rows in steps:
        counts[entry.label] = counts.get(entry.label, 0) + entry.apply(rows, creative, at)
    counts["portfolio images"] = PortfolioImage.objects.filter(creative=creative).delete()[0]
    # The files go once the rows' deletion is committed, never before (chains.services).
    transaction.on_commit(lambda: image_files_delete(files))
    erasure, _made = Erasure.objects.get_or_create(
        creative=creative,
        defaults={"requested": requested, "by": by, "at": at,
                  "counts": {label: n for label, n in counts.items() if n}})
    return erasure


# --- retention -----------------------------------------------------------------------------------

def applications_past_retention(*, city: City, on: date) -> models.QuerySet[Application]:
    """The applications to a city's buildings that ended unsuccessfully more than the city's
    retention period before `on` and still hold personal content."""
    cutoff = add_months(on, -city.application_retention_months)
    ended = ApplicationEvent.objects.filter(application=OuterRef("pk"),
                                            to_status=OuterRef("status")).order_by("-at")
    return (Application.objects
            .filter(building__city=city, status__in=UNSUCCESSFUL_STATUSES,
                    anonymised_at__isnull=True)
            .annotate(ended_at=Coalesce(Subquery(ended.values("at")[:1]), "submitted_at",
                                        "created_at"))
            .filter(ended_at__date__lt=cutoff))


@transaction.atomic
def applications_anonymise(*, applications: models.QuerySet[Application],
                           at: datetime) -> int:
    """Erase the personal content of these applications (motivation, portfolio selection,
    notes), keeping their dates and statuses; returns how many were anonymised."""
    ids = list(applications.values_list("pk", flat=True))
    if not ids:
        return 0
    lock_rows(Application.objects.filter(pk__in=ids))
    chosen = _application_data(lambda c: Application.objects.filter(pk__in=ids))
    for entry in chosen:
        entry.apply(entry.rows(None), None, at)
    return len(ids)


def retention_apply(*, on: date, at: datetime) -> dict[str, int]:
    """Each city's retention period applied on `on`: the number of applications anonymised per
    city (by slug), one transaction per city."""
    return {city.slug: applications_anonymise(
                applications=applications_past_retention(city=city, on=on), at=at)
            for city in City.objects.order_by("slug")}

