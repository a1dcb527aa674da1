"""Issue 8's story in a browser: a programmer opens a call's rounds, runs a "ranking by fit"
round, reads the proposal with each fit's breakdown, gives one applicant another space by
hand, confirms, and the offers exist (in the database, in the mail and on the page). The
pages are checked at a phone's 390 px too: nothing scrolls sideways."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from broedplaats.models import AllocationRound, Offer, RoundChange, RoundStatus
from broedplaats.roles import PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    screening_record,
)
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def setting(stages):
    # The stages exist before any page reads them: a transactional test before this one may
    # have flushed the reference data.
    idea, making, distribution = stages
    today = timezone.localdate()
    policy = PolicyFactory(valid_from=today - timedelta(days=400))
    fashion = ChainFactory(slug="fashion", name="Mode", name_en="Fashion")
    designer = DisciplineFactory(chain=fashion, slug="designer")
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=policy.city,
                               chains=[fashion], programmers=[programmer])
    spaces = [
        SpaceFactory(building=building, code="S1", area_m2=Decimal(30),
                     monthly_rent=Decimal(200), stages=[idea]),
        SpaceFactory(building=building, code="S2", area_m2=Decimal(45),
                     monthly_rent=Decimal(300), stages=[making]),
        SpaceFactory(building=building, code="S3", area_m2=Decimal(60),
                     monthly_rent=Decimal(450), stages=[distribution]),
    ]
    call = call_create(building=building, title="Ateliers voor makers", spaces=spaces,
                       opens_on=today - timedelta(days=3), closes_on=today + timedelta(days=20))
    call_publish(call=call, on=today)
    names = ["Anna de Klei", "Bram Draad", "Cas Stof", "Dewi Naald"]
    for name, at in zip(names, (idea, making, distribution, making), strict=True):
        creative = CreativeFactory(name=name, discipline=designer,
                                   email=f"{name.split()[0].lower()}@example.org")
        StageMoveFactory(creative=creative, to_stage=at, moved_on=today - timedelta(days=200))
        application = application_create(creative=creative, call=call, on=today)
        application_submit(application=application, on=today)
        screening_record(creative=creative, city=policy.city, on=today,
                         professional_practice=True, income_within_limit=True)
    return {"call": call, "today": today, "spaces": spaces}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_programmer_runs_a_round_changes_it_by_hand_and_confirms(page, setting):
    call, today = setting["call"], setting["today"]
    log_in(page, "prog")

    # From the calls list to the call's rounds.
    page.goto("/programmer/calls/")
    page.click(f"a[href='/programmer/calls/{call.pk}/rounds/']")
    assert page.locator("form.round-form").count() == 1

    # Run a "ranking by fit" round starting in five weeks, answers within two.
    page.check("input[name=method][value=ranking]")
    page.fill("input[name=start]", (today + timedelta(days=35)).isoformat())
    page.fill("input[name=reply_by]", (today + timedelta(days=14)).isoformat())
    page.fill("input[name=seed]", "2026")
    page.click("form.round-form button[type=submit]")
    round_ = AllocationRound.objects.get()
    page.wait_for_url(f"**/programmer/rounds/{round_.pk}/")

    # The proposal: four applicants in line, three spaces given, each fit with its parts.
    entries = list(round_.entries.order_by("position"))
    rows = page.locator("table.proposal tbody tr")
    assert rows.count() == 4
    assert [rows.nth(i).locator("a").first.inner_text() for i in range(4)] == [
        e.creative.name for e in entries]
    assert page.locator("details.breakdown").count() == 4
    first = rows.first
    first.locator("details.breakdown summary").click()
    parts = first.locator("details.breakdown dl")
    assert parts.is_visible() and parts.locator("dt").count() == 7

    # The first in line gets another applicant's space by hand: the two swap.
    top = entries[0]
    holder = next(e for e in entries[1:] if e.space_id and e.space_id != top.space_id)
    wanted, given = holder.space.code, top.space.code
    row = page.locator(f"tr#entry-{top.pk}")
    row.locator("select[name=space]").select_option(label=wanted)
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".changes li")
    assert page.locator(".changes li").count() == 2
    assert f"{given} → {wanted}" in page.locator(".changes").inner_text()
    top.refresh_from_db()
    holder.refresh_from_db()
    assert (top.space.code, holder.space.code) == (wanted, given)
    assert RoundChange.objects.count() == 2

    # On a phone the proposal stacks: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    for url in (f"/programmer/calls/{call.pk}/rounds/", "/programmer/rounds/new/",
                f"/programmer/calls/{call.pk}/committee/",
                "/programmer/buildings/de-ceuvel/weights/", f"/calls/{call.pk}/"):
        page.goto(url)
        assert no_sideways_scroll(page), url
    page.goto(f"/programmer/rounds/{round_.pk}/")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Confirm: the offers go out, and the round can no longer be changed.
    mails_before = len(mail.outbox)  # receipts of the applications and screenings
    page.click(f"form[action='/programmer/rounds/{round_.pk}/confirm/'] button")
    page.wait_for_selector(".messages li.success")
    assert "3" in page.locator(".messages li.success").inner_text()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CONFIRMED
    offers = {offer.application.creative.name: offer.space.code
              for offer in Offer.objects.select_related("application__creative", "space")}
    assert len(offers) == 3 and offers[top.creative.name] == wanted
    offer_mails = mail.outbox[mails_before:]
    assert len(offer_mails) == 3
    assert top.creative.email in {address for m in offer_mails for address in m.to}
    assert page.locator("form.row-form").count() == 0
    assert page.locator(f"form[action='/programmer/rounds/{round_.pk}/confirm/']").count() == 0

    # The applicant's page shows the offer.
    page.click(f"table.proposal a:text('{top.creative.name}')")
    assert page.locator("td", has_text=wanted).count() >= 1
