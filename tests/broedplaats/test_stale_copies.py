"""A service given a copy of a row read before someone else changed it acts on the row as
stored once it holds the lock: the losing side of a race reads late, never writes back stale
fields. (What test_races.py found racing processes, here in one process, on every database.)
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from broedplaats.models import EndReason, Offer, Space, Tenancy
from broedplaats.services import (
    offer_make,
    space_archive,
    tenancy_create,
    tenancy_end,
    tenancy_renew,
)
from tests.factories import CreativeFactory
from tests.worlds import offer_world, tenancy_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_ending_a_stale_copy_keeps_a_renewal_saved_meanwhile(today):
    world = tenancy_world(today)
    stale = Tenancy.objects.get(pk=world["tenancy"].pk)
    renewed = tenancy_renew(tenancy=world["tenancy"], on=today)

    tenancy_end(tenancy=stale, on=today, reason=EndReason.TERMINATED)

    stored = Tenancy.objects.get(pk=stale.pk)
    assert (stored.renewals, stored.planned_end) == (1, renewed.planned_end)
    assert stored.actual_end == today


def test_an_offer_of_a_space_archived_meanwhile_is_refused(today):
    world = offer_world(today, offered=False)
    stale = Space.objects.get(pk=world["spaces"][0].pk)
    space_archive(space=world["spaces"][0], on=today)

    with pytest.raises(ValidationError) as error:
        offer_make(application=world["applications"][0], space=stale,
                   start=today + timedelta(days=14), reply_by=today + timedelta(days=7),
                   on=today)

    assert error.value.message_dict == {"space": [f"Offer an active space of {world['building']}."]}
    assert not Offer.objects.exists()


def test_letting_a_space_archived_meanwhile_is_refused(today):
    world = offer_world(today, offered=False)
    stale = Space.objects.get(pk=world["spaces"][1].pk)
    space_archive(space=world["spaces"][1], on=today)

    with pytest.raises(ValidationError) as error:
        tenancy_create(space=stale, creative=CreativeFactory(), start=today)

    assert error.value.message_dict == {"space": ["This space is archived and cannot be let."]}
    assert not Tenancy.objects.filter(space=stale).exists()
