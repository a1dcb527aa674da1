"""Issue 9: a creative applies to an open call with the keyboard alone (Tab, Shift+Tab, Enter,
Space and typing; never a click), from the building list to the message that says it is
submitted, and sees where the focus is at every step."""

from datetime import timedelta

import pytest

from broedplaats.models import Application, ApplicationStatus
from broedplaats.roles import CREATIVE
from broedplaats.services import call_create, call_publish
from chains.services import portfolio_image_add
from tests.e2e.steps import PASSWORD
from tests.factories import BuildingFactory, CreativeFactory, PolicyFactory, SpaceFactory, UserFactory
from tests.images import image_bytes, upload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

MOTIVATION = "Ik weef wandkleden van gerecycled garen en zoek daglicht."

# What the focused element shows: an outline or a box shadow, and :focus-visible matching.
FOCUS_SHOWN = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {tag: el.tagName, visible: el.matches(':focus-visible') && (outline || style.boxShadow !== 'none'),
          outline: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor};
}"""


@pytest.fixture
def open_call(media, today):
    policy = PolicyFactory(valid_from=today - timedelta(days=400))
    building = BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=policy.city)
    space = SpaceFactory(building=building, code="A1")
    call = call_create(building=building, title="Ateliers voor makers", spaces=[space],
                       opens_on=today - timedelta(days=3), closes_on=today + timedelta(days=20))
    call_publish(call=call, on=today)
    user = UserFactory(username="maker", roles=[CREATIVE])
    creative = CreativeFactory(user=user, name="Anna de Klei")
    image = portfolio_image_add(creative=creative, file=upload(image_bytes(size=(160, 120))),
                                caption="Wandkleed")
    return {"call": call, "creative": creative, "image": image}


def focused(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, *, back: bool = False, most: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the focus is on `selector`; its focus must be visible."""
    for _ in range(most):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if focused(page, selector):
            shown = page.evaluate(FOCUS_SHOWN)
            assert shown["visible"], f"{selector}: focus not visible ({shown})"
            return
    raise AssertionError(f"{selector} is not reached with the keyboard")


def test_a_creative_applies_with_the_keyboard_alone(page, open_call):
    call, creative = open_call["call"], open_call["creative"]
    page.goto("/")

    # The first Tab reaches the skip link; Enter on it moves on to the content.
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link")
    assert page.evaluate(FOCUS_SHOWN)["visible"]
    assert page.locator("a.skip-link").is_visible()  # shown once it has the focus
    page.keyboard.press("Enter")
    # The fragment is set when the browser has followed the link, which may be after the
    # key press returns (seen once in CI): wait for it, as for any navigation.
    page.wait_for_function("location.hash === '#main'", timeout=5000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    # Log in: back up to the header's link, then type and send the form.
    tab_to(page, "header a[href='/accounts/login/']", back=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "input[name=username]")
    page.keyboard.type("maker")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/home/creative/")

    # Through the open calls to the call, and on to its form.
    tab_to(page, "nav a[href='/calls/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, f"main a[href='/calls/{call.pk}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main a.button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/me/applications/new/" in page.url

    # The motivation, one portfolio image ticked with Space, and Submit.
    tab_to(page, "textarea[name=motivation]")
    page.keyboard.type(MOTIVATION)
    tab_to(page, "input[name=portfolio_images]")
    page.keyboard.press("Space")
    assert page.locator("input[name=portfolio_images]").is_checked()
    tab_to(page, "button[value=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url("**/me/applications/")
    application = Application.objects.get(creative=creative, call=call)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.motivation == MOTIVATION
    assert list(application.portfolio_images.all()) == [open_call["image"]]
    # The message is in a live region, so a screen reader reads it out.
    assert "Je aanmelding is ingediend." in page.locator("[role=status]").inner_text()
