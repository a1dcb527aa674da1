"""A programmer's own set-up in a browser: add a space with a photo, open a call for it and
publish it (the public list shows it), then record a tenant's stage move and social return."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broedplaats.models import Call, SocialReturn, Space
from broedplaats.roles import PROGRAMMER
from chains.models import StageMove
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)
from tests.images import image_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def setting(settings, tmp_path, stages):
    # The stages exist before any page lists them: a transactional test before this one may
    # have flushed the reference data.
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    policy = PolicyFactory(valid_from=today - timedelta(days=400))
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(name="NDSM", slug="ndsm", city=policy.city,
                               programmers=[programmer])
    tenancy = TenancyFactory(space=SpaceFactory(building=building, code="Z9"),
                             start=today - timedelta(days=100),
                             planned_end=today + timedelta(days=600))
    StageMoveFactory(creative=tenancy.creative, to_stage=stage("idea"),
                     moved_on=today - timedelta(days=200))
    photo = tmp_path / "ruimte.jpg"
    photo.write_bytes(image_bytes(size=(1600, 1000), color=(40, 90, 160)))
    return {"building": building, "tenancy": tenancy, "photo": photo, "today": today}


def test_programmer_adds_a_space_opens_a_call_and_records_a_tenants_move(page, setting):
    today = setting["today"]
    log_in(page, "prog")

    # A new space, from the programmer's home.
    page.click("a[href='/programmer/buildings/ndsm/spaces/']")
    page.click("a[href='/programmer/buildings/ndsm/spaces/new/']")
    page.fill("input[name=code]", "B.2.01")
    page.select_option("select[name=kind]", "studio")
    page.fill("input[name=area_m2]", "36")
    page.fill("input[name=monthly_rent]", "240")
    page.check(f"input[name=stages][value='{stage('making').pk}']")
    page.click("main form.stacked button[type=submit]")
    space = Space.objects.get(code="B.2.01")

    # With a photo: the thumbnail shows on the page and on the public building page.
    page.set_input_files("input[name=image]", str(setting["photo"]))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    assert page.locator(".portfolio img").count() == 1
    page.goto("/buildings/ndsm/")
    assert page.locator("img.space-thumb").count() == 1

    # An open call for it, published at once; the public list shows it.
    page.goto("/programmer/calls/")
    page.click("a[href='/programmer/buildings/ndsm/calls/new/']")
    page.fill("input[name=title]", "Ateliers op de werf")
    page.fill("input[name=opens_on]", today.isoformat())
    page.fill("input[name=closes_on]", (today + timedelta(days=21)).isoformat())
    page.select_option("select[name=allocation_method]", "committee")
    page.check(f"input[name=spaces][value='{space.pk}']")
    page.click("button[value=publish]")
    call = Call.objects.get(title="Ateliers op de werf")
    assert call.published_at is not None and list(call.spaces.all()) == [space]
    page.goto("/calls/")
    assert page.get_by_text("Ateliers op de werf").count() == 1

    # A tenant moves on to making, and gave a workshop.
    tenancy = setting["tenancy"]
    page.goto("/programmer/buildings/ndsm/tenancies/")
    page.click(f"a.tl-bar[href^='/programmer/tenancies/{tenancy.pk}/actions/']")
    page.wait_for_url(f"**/programmer/tenancies/{tenancy.pk}/actions/**")
    page.click(f"a[href='/programmer/tenancies/{tenancy.pk}/']")
    page.click("details:has(form[action$='/stage-move/']) summary")
    page.fill("input[name=moved_on]", today.isoformat())
    page.select_option("select[name=to]", str(stage("making").pk))
    page.click("form[action$='/stage-move/'] button[type=submit]")
    assert StageMove.objects.filter(creative=tenancy.creative, to_stage=stage("making"),
                                    building=setting["building"]).exists()
    page.click("details:has(form[action$='/social-return/']) summary")
    page.select_option("select[name=kind]", "workshop")
    page.fill("input[name=on]", today.isoformat())
    page.fill("input[name=hours]", "3")
    page.click("form[action$='/social-return/'] button[type=submit]")
    assert SocialReturn.objects.filter(tenancy=tenancy).count() == 1
    assert page.get_by_text("3 uur in totaal.").count() == 1  # the page is in Dutch
