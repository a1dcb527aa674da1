"""The allocation workflow: calls, applications, screening and offers (services)."""

import io
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from broedplaats.models import (
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Screening,
    Tenancy,
)
from broedplaats.services import (
    application_create,
    application_submit,
    application_transition,
    application_withdraw,
    call_create,
    call_publish,
    offer_accept,
    offer_decline,
    offer_make,
    offers_expire,
    screening_record,
    social_return_record,
    tenancy_create,
)
from tests.concurrency import race, shared_database  # noqa: F401 (fixture, used below)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def place(db):
    """A building under a policy (24-month term, 12-month screening), a programmer, two spaces
    and a published call offering them, open in March 2026."""
    policy = PolicyFactory()
    programmer = UserFactory()
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    spaces = [SpaceFactory(building=building), SpaceFactory(building=building)]
    call = call_create(building=building, title="Ateliers voorjaar", spaces=spaces,
                       opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31), by=programmer)
    call_publish(call=call, on=TODAY, by=programmer)
    return {"policy": policy, "programmer": programmer, "building": building,
            "spaces": spaces, "call": call}


def _submitted(place, creative=None):
    creative = creative or CreativeFactory()
    application = application_create(creative=creative, call=place["call"], on=TODAY,
                                      motivation="Ik maak keramiek.")
    return application_submit(application=application, on=TODAY)


def _eligible(place, creative=None):
    application = _submitted(place, creative)
    screening_record(creative=application.creative, city=place["building"].city, on=TODAY,
                     professional_practice=True, income_within_limit=True,
                     by=place["programmer"])
    application.refresh_from_db()
    return application


def _offer(place, application=None, space=None, reply_by=date(2026, 3, 16)):
    return offer_make(application=application or _eligible(place),
                      space=space or place["spaces"][0], start=date(2026, 4, 1),
                      reply_by=reply_by, on=TODAY, by=place["programmer"])


# --- applications ------------------------------------------------------------------------------

def test_new_application_is_a_draft_for_the_calls_building(place):
    application = application_create(creative=CreativeFactory(), call=place["call"], on=TODAY)
    assert (application.status, application.building) == ("draft", place["building"])


def test_submitting_records_each_status_change_with_who(place):
    creative_user = UserFactory()
    application = application_create(creative=CreativeFactory(user=creative_user),
                                      call=place["call"], on=TODAY, by=creative_user)
    application_submit(application=application, on=TODAY, by=creative_user)
    events = list(application.events.values_list("from_status", "to_status", "by"))
    assert events == [("", "draft", creative_user.pk), ("draft", "submitted", creative_user.pk)]
    assert application.submitted_at is not None


def test_applying_to_an_unpublished_call_is_refused(place):
    draft_call = call_create(building=place["building"], title="Nog niet",
                             opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))
    with pytest.raises(ValidationError) as error:
        application_create(creative=CreativeFactory(), call=draft_call, on=TODAY)
    assert error.value.message_dict == {"call": ["This call is not open."]}


def test_submitting_after_the_call_closed_is_refused(place):
    application = application_create(creative=CreativeFactory(), call=place["call"], on=TODAY)
    with pytest.raises(ValidationError) as error:
        application_submit(application=application, on=date(2026, 4, 1))
    assert error.value.message_dict == {"call": ["This call closed on March 31, 2026."]}
    application.refresh_from_db()
    assert application.status == "draft"


def test_a_second_active_application_to_one_call_is_refused(place):
    creative = CreativeFactory()
    application_create(creative=creative, call=place["call"], on=TODAY)
    with pytest.raises(ValidationError) as error:
        application_create(creative=creative, call=place["call"], on=TODAY)
    assert error.value.messages == ["You already have an application to this call."]
    assert Application.objects.count() == 1


def test_after_withdrawing_a_creative_may_apply_again(place):
    creative = CreativeFactory()
    first = application_create(creative=creative, call=place["call"], on=TODAY)
    application_withdraw(application=first)
    assert application_create(creative=creative, call=place["call"], on=TODAY).pk != first.pk


def test_candidate_list_application_has_no_call(place):
    application = application_create(creative=CreativeFactory(), building=place["building"],
                                      on=TODAY)
    assert application.call is None and application.building == place["building"]


def test_a_transition_outside_the_workflow_is_refused_and_changes_nothing(place):
    application = application_create(creative=CreativeFactory(), call=place["call"], on=TODAY)
    with pytest.raises(ValidationError) as error:
        application_transition(application=application, to=ApplicationStatus.OFFERED)
    assert error.value.message_dict == {
        "status": ["An application cannot go from Draft to Offered."]
    }
    application.refresh_from_db()
    assert application.status == "draft"
    assert application.events.count() == 1


def test_a_withdrawn_application_cannot_come_back(place):
    application = _submitted(place)
    application_withdraw(application=application)
    with pytest.raises(ValidationError):
        application_transition(application=application, to=ApplicationStatus.SUBMITTED)


def test_a_stale_copy_cannot_skip_the_workflow(place):
    application = _submitted(place)
    stale = Application.objects.get(pk=application.pk)
    application_withdraw(application=application)
    with pytest.raises(ValidationError):
        application_transition(application=stale, to=ApplicationStatus.SCREENING)
    assert Application.objects.get(pk=application.pk).status == "withdrawn"


def test_the_database_refuses_two_active_applications_to_one_call(place):
    creative = CreativeFactory()
    application_create(creative=creative, call=place["call"], on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(creative=creative, call=place["call"],
                                   building=place["building"])


# --- screening ---------------------------------------------------------------------------------

def test_screening_keeps_outcome_reasons_and_validity_from_the_policy(place):
    creative = CreativeFactory()
    screening = screening_record(creative=creative, city=place["building"].city, on=TODAY,
                                 professional_practice=True, income_within_limit=False,
                                 reasons="Inkomen boven de grens", by=place["programmer"])
    assert (screening.eligible, screening.valid_until, screening.decided_by) == (
        False, date(2027, 3, 2), place["programmer"]
    )


def test_positive_screening_makes_waiting_applications_eligible(place):
    application = _eligible(place)
    assert application.status == "eligible"
    assert application.events.last().by == place["programmer"]


def test_negative_screening_makes_waiting_applications_ineligible(place):
    application = _submitted(place)
    screening_record(creative=application.creative, city=place["building"].city, on=TODAY,
                     professional_practice=False, income_within_limit=True)
    application.refresh_from_db()
    assert application.status == "ineligible"


def test_screening_without_a_policy_is_refused(place):
    with pytest.raises(ValidationError) as error:
        screening_record(creative=CreativeFactory(), city=place["building"].city,
                         on=date(2019, 6, 1), professional_practice=True,
                         income_within_limit=True)
    assert "has no policy for June 1, 2019" in error.value.message_dict["decided_on"][0]
    assert not Screening.objects.exists()


# --- offers ------------------------------------------------------------------------------------

def test_offer_to_an_eligible_applicant_marks_the_application_offered(place):
    offer = _offer(place)
    offer.application.refresh_from_db()
    assert (offer.status, offer.application.status) == ("open", "offered")


def test_offer_to_an_applicant_not_yet_screened_is_refused(place):
    application = _submitted(place)
    application_transition(application=application, to=ApplicationStatus.ELIGIBLE)
    with pytest.raises(ValidationError) as error:
        _offer(place, application=application)
    assert "no valid positive screening on March 2, 2026" in error.value.messages[0]
    assert not Offer.objects.exists()


def test_offer_after_the_screening_expired_is_refused(place):
    application = _eligible(place)
    with pytest.raises(ValidationError) as error:
        offer_make(application=application, space=place["spaces"][0], start=date(2027, 4, 1),
                   reply_by=date(2027, 3, 20), on=date(2027, 3, 3))
    assert "no valid positive screening on March 3, 2027" in error.value.messages[0]


def test_offer_to_a_submitted_applicant_is_refused(place):
    with pytest.raises(ValidationError) as error:
        _offer(place, application=_submitted(place))
    assert "this one is Submitted" in error.value.message_dict["application"][0]


def test_a_second_open_offer_for_one_space_is_refused(place):
    _offer(place)
    with pytest.raises(ValidationError) as error:
        _offer(place)
    assert error.value.message_dict == {"space": ["This space already has an open offer."]}
    assert Offer.objects.count() == 1


def test_the_database_refuses_a_second_open_offer_for_one_space(place):
    offer = _offer(place)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(application=_eligible(place), space=offer.space,
                             start=offer.start, offered_on=TODAY, reply_by=offer.reply_by)


def test_offer_of_a_space_outside_the_call_is_refused(place):
    other = SpaceFactory(building=place["building"])
    with pytest.raises(ValidationError) as error:
        _offer(place, space=other)
    assert error.value.message_dict == {"space": ["This space is not offered in the call."]}


def test_accepting_creates_the_tenancy_with_policy_term_and_space_rent(place):
    offer = offer_accept(offer=_offer(place), on=date(2026, 3, 10))
    tenancy = offer.tenancy
    assert (tenancy.space, tenancy.start, tenancy.planned_end, tenancy.monthly_rent) == (
        place["spaces"][0], date(2026, 4, 1), date(2028, 4, 1), place["spaces"][0].monthly_rent
    )
    offer.application.refresh_from_db()
    assert (offer.status, offer.application.status) == ("accepted", "accepted")


def test_accepting_after_the_deadline_is_refused(place):
    offer = _offer(place)
    with pytest.raises(ValidationError) as error:
        offer_accept(offer=offer, on=date(2026, 3, 17))
    assert error.value.message_dict == {"reply_by": ["This offer expired on March 16, 2026."]}
    assert not Tenancy.objects.exists()


def test_accepting_a_withdrawn_offer_is_refused(place):
    offer = _offer(place)
    application_withdraw(application=offer.application)
    with pytest.raises(ValidationError) as error:
        offer_accept(offer=offer, on=TODAY)
    assert error.value.message_dict == {
        "status": ["This offer is Withdrawn and can no longer be answered."]
    }
    assert not Tenancy.objects.exists()


def test_accepting_an_offer_twice_is_refused(place):
    offer = offer_accept(offer=_offer(place), on=TODAY)
    with pytest.raises(ValidationError):
        offer_accept(offer=Offer.objects.get(pk=offer.pk), on=TODAY)
    assert Tenancy.objects.count() == 1


def test_accepting_an_offer_for_a_space_let_meanwhile_is_refused_and_stores_nothing(place):
    offer = _offer(place)
    tenancy_create(space=offer.space, creative=CreativeFactory(), start=date(2026, 3, 20))
    with pytest.raises(ValidationError) as error:
        offer_accept(offer=offer, on=TODAY)
    assert error.value.message_dict == {
        "start": ["This space already has a tenancy in this period."]
    }
    offer.refresh_from_db()
    assert offer.status == "open" and Tenancy.objects.count() == 1


def test_declining_ends_offer_and_application(place):
    offer = offer_decline(offer=_offer(place), on=TODAY)
    offer.application.refresh_from_db()
    assert (offer.status, offer.application.status) == ("declined", "declined")


def test_expiring_ends_offers_past_their_deadline_only(place):
    late = _offer(place, reply_by=date(2026, 3, 5))
    on_time = _offer(place, space=place["spaces"][1], reply_by=date(2026, 3, 20))
    assert offers_expire(on=date(2026, 3, 10)) == 1
    late.refresh_from_db(), on_time.refresh_from_db()
    late.application.refresh_from_db()
    assert (late.status, late.application.status, on_time.status) == (
        "expired", "expired", "open"
    )


def test_a_new_offer_may_follow_one_past_its_deadline(place):
    late = _offer(place, reply_by=date(2026, 3, 3))
    offer = offer_make(application=_eligible(place), space=late.space, start=date(2026, 4, 1),
                       reply_by=date(2026, 3, 20), on=date(2026, 3, 4))
    late.refresh_from_db()
    assert (late.status, offer.status) == (OfferStatus.EXPIRED, OfferStatus.OPEN)


# --- concurrency -------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_one_offer_accepted_twice_at_once_makes_one_tenancy():
    for _ in range(3):
        policy = PolicyFactory()
        building = BuildingFactory(city=policy.city)
        space = SpaceFactory(building=building)
        call = call_create(building=building, title="Race", spaces=[space],
                           opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))
        call_publish(call=call, on=TODAY)
        application = application_create(creative=CreativeFactory(), call=call, on=TODAY)
        application_submit(application=application, on=TODAY)
        screening_record(creative=application.creative, city=policy.city, on=TODAY,
                         professional_practice=True, income_within_limit=True)
        application.refresh_from_db()
        offer = offer_make(application=application, space=space, start=date(2026, 4, 1),
                           reply_by=date(2026, 3, 16), on=TODAY)

        results = race(
            partial(offer_accept, offer=Offer.objects.get(pk=offer.pk), on=TODAY),
            partial(offer_accept, offer=Offer.objects.get(pk=offer.pk), on=TODAY),
        )

        accepted = [r for r in results if isinstance(r, Offer)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert (len(accepted), len(refused)) == (1, 1), results
        assert Tenancy.objects.filter(space=space).count() == 1


def test_expire_offers_command_expires_offers_past_their_deadline(place):
    offer = _offer(place, reply_by=date(2026, 3, 3))  # long before the command's today
    output = io.StringIO()
    call_command("expire_offers", stdout=output)
    offer.refresh_from_db()
    assert (offer.status, output.getvalue()) == ("expired", "Expired 1 offer(s).\n")


# --- social return -----------------------------------------------------------------------------

def test_social_return_is_logged_per_tenancy(place):
    tenancy = tenancy_create(space=place["spaces"][0], creative=CreativeFactory(),
                             start=date(2026, 1, 1))
    activity = social_return_record(tenancy=tenancy, kind="workshop", on=date(2026, 2, 1),
                                    hours=Decimal("3.5"), by=place["programmer"])
    assert list(tenancy.social_returns.values_list("hours", flat=True)) == [Decimal("3.50")]
    assert activity.recorded_by == place["programmer"]


def test_social_return_outside_the_tenancy_is_refused(place):
    tenancy = tenancy_create(space=place["spaces"][0], creative=CreativeFactory(),
                             start=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        social_return_record(tenancy=tenancy, kind="workshop", on=date(2025, 12, 1),
                             hours=Decimal("2"))
    assert "within the tenancy (January 1, 2026 – January 1, 2028)" in error.value.message_dict["on"][0]


def test_social_return_without_hours_is_refused(place):
    tenancy = tenancy_create(space=place["spaces"][0], creative=CreativeFactory(),
                             start=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        social_return_record(tenancy=tenancy, kind="workshop", on=date(2026, 2, 1),
                             hours=Decimal("0"))
    assert "hours" in error.value.message_dict
