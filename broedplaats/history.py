"""The audit history: which models keep one, and where it holds a creative's personal data.

Every save of a tracked model writes a historical row (django-simple-history): the row as it
now is, who (`history_user`), when (`history_date`), why if a service said so
(`history_change_reason`) and how (`history_type`: + created, ~ changed, - deleted).
docs/architecture.md, "Audit history", says what is tracked, what is not and who sees it.

For the erasure of a creative's data: `PERSONAL_HISTORY_FIELDS` names, per historical model,
the columns that hold the creative's personal data and how a row is found to be theirs;
`services/privacy.py` blanks them in place with the rest of the erasure (the one write to
history rows there is).
"""

from dataclasses import dataclass

from django.db import models
from simple_history.models import HistoricalChanges

from broedplaats.models import Application, Building, Call, Offer, Policy, Screening, Space, Tenancy
from chains.models import Creative, StageMove

# Every model whose changes are kept, in the order the docs list them.
TRACKED_MODELS: tuple[type[models.Model], ...] = (
    Building, Space, Call, Application, Offer, Screening, Tenancy, StageMove, Creative, Policy,
)


def is_history_model(model: type[models.Model]) -> bool:
    """A model simple-history made: a historical copy, or the copy of a tracked many-to-many."""
    return issubclass(model, HistoricalChanges) or (
        model._meta.app_label in {"broedplaats", "chains"}
        and model._meta.object_name.startswith("Historical"))


@dataclass(frozen=True)
class PersonalHistory:
    """Where a historical model holds a creative's personal data.

    `creative`: the lookup from a historical row to the creative it is about ("id" for the
    creative's own rows); `fields`: the columns to blank, emptied to "" (None where the
    column allows NULL: foreign keys, the change reason).
    """

    model: type[models.Model]
    creative: str
    fields: tuple[str, ...]


# Free text about the person (a motivation, screening reasons, notes and exception reasons,
# which name them or their circumstances) and the creative's own contact data. A change
# reason may quote a programmer's note on the applicant. The links (creative_id, space,
# dates, statuses) stay: they carry no more once the creative's own row is anonymised, and
# the figures count them. Who made a change (`history_user`) is an account: deleting or
# anonymising the creative's user account covers the rows they changed themselves.
PERSONAL_HISTORY_FIELDS: tuple[PersonalHistory, ...] = (
    PersonalHistory(Creative.history.model, "id",
                    ("name", "kvk_number", "email", "phone", "website", "bio", "user",
                     "history_change_reason")),
    PersonalHistory(Application.history.model, "creative",
                    ("motivation", "history_change_reason")),
    PersonalHistory(Screening.history.model, "creative", ("reasons", "history_change_reason")),
    PersonalHistory(Offer.history.model, "application__creative", ("history_change_reason",)),
    PersonalHistory(Tenancy.history.model, "creative",
                    ("rent_exception_reason", "term_exception_reason", "cancel_reason",
                     "history_change_reason")),
    PersonalHistory(StageMove.history.model, "creative", ("note", "history_change_reason")),
)
