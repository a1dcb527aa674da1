"""Issue 3's story in a browser: a new creative signs up, builds a portfolio and applies; the
programmer screens and offers; the creative accepts; the tenancy shows on the building's
timeline; the programmer ends it with outflow to the market and the move shows in the
creative's history."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from broedplaats.models import Tenancy
from broedplaats.roles import PROGRAMMER
from broedplaats.services import call_create, call_publish
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)
from tests.images import image_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    policy = PolicyFactory(valid_from=today - timedelta(days=400))
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=policy.city,
                               programmers=[programmer])
    space = SpaceFactory(building=building, code="A1")
    call = call_create(building=building, title="Ateliers voor makers", spaces=[space],
                       opens_on=today - timedelta(days=3), closes_on=today + timedelta(days=20))
    call_publish(call=call, on=today)
    discipline = DisciplineFactory(name="Keramist", slug="keramist")
    png = tmp_path / "werk.png"
    png.write_bytes(image_bytes("PNG", size=(900, 600), color=(180, 90, 40)))
    return {"call": call, "space": space, "building": building, "png": png, "today": today,
            "discipline": discipline}


def log_out(page):
    page.click("form.inline button")


def test_from_sign_up_to_outflow_to_the_market(page, demo):
    # A new creative signs up and confirms the address from the mail.
    page.goto("/creatives/sign-up/")
    page.fill("input[name=email]", "anna@example.org")
    page.fill("input[name=password]", "klei-en-vuur-2026")
    page.fill("input[name=name]", "Anna de Klei")
    page.select_option("select[name=discipline]", str(demo["discipline"].pk))
    page.click("form.stacked button[type=submit]")
    link = re.search(r"https?://\S+/creatives/verify/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.click("main form button[type=submit]")

    # Builds a portfolio.
    page.goto("/creatives/portfolio/")
    page.set_input_files("input[name=image]", str(demo["png"]))
    page.click("form.stacked button[type=submit]")
    assert page.locator(".portfolio img").count() == 1

    # Applies to the open call.
    page.goto(f"/calls/{demo['call'].pk}/")
    page.click("a.button")
    page.fill("textarea[name=motivation]", "Ik draai servies voor restaurants.")
    page.click("button[name=action][value=submit]")
    assert page.locator("text=Ingediend").count() >= 1
    log_out(page)

    # The programmer screens the applicant and offers the studio.
    log_in(page, "prog")
    page.goto("/programmer/applicants/")
    page.click("text=Anna de Klei")
    page.check("input[name=professional_practice]")
    page.check("input[name=income_within_limit]")
    page.click("text=Toets vastleggen")
    start = demo["today"] + timedelta(days=7)
    offer_form = "form[action$='/offer/']"
    page.select_option(f"{offer_form} select[name=space]", str(demo["space"].pk))
    page.fill(f"{offer_form} input[name=start]", start.isoformat())
    page.fill(f"{offer_form} input[name=reply_by]",
              (demo["today"] + timedelta(days=5)).isoformat())
    page.click(f"{offer_form} button[type=submit]")
    assert page.locator("text=Het aanbod is gedaan.").count() == 1
    log_out(page)

    # The creative accepts.
    log_in(page, "anna@example.org", "klei-en-vuur-2026")
    page.goto("/me/applications/")
    page.click("form[action$='/accept/'] button")
    tenancy = Tenancy.objects.get()
    assert (tenancy.space, tenancy.start) == (demo["space"], start)
    log_out(page)

    # The tenancy shows on the building's timeline, coming; its bar leads to its actions,
    # where the programmer ends it with outflow.
    log_in(page, "prog")
    page.goto(f"/programmer/buildings/{demo['building'].slug}/tenancies/")
    bar = page.locator("a.tl-bar.coming", has_text="Anna de Klei")
    assert bar.count() == 1
    bar.click()
    page.wait_for_url(f"**/programmer/tenancies/{tenancy.pk}/actions/**")
    end_form = f"form#end-{tenancy.pk}"
    prefix = f"end-{tenancy.pk}"
    page.fill(f"{end_form} input[name={prefix}-on]", (start + timedelta(days=200)).isoformat())
    page.select_option(f"{end_form} select[name={prefix}-reason]", "outflow_to_market")
    page.click(f"{end_form} button[type=submit]")
    page.wait_for_url(f"**/programmer/buildings/{demo['building'].slug}/tenancies/**")
    tenancy.refresh_from_db()
    assert tenancy.end_reason == "outflow_to_market"
    log_out(page)

    # The move out to the market is in the creative's history.
    log_in(page, "anna@example.org", "klei-en-vuur-2026")
    page.goto("/home/creative/")
    assert page.locator(".timeline", has_text="Uitgestroomd naar de markt").count() == 1
