"""A creative forgets their password, sets a new one from the mailed link, logs in with it and
changes it again, on a phone's 390 px: nothing scrolls sideways."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from broedplaats.roles import CREATIVE
from tests.e2e.steps import log_in
from tests.factories import CreativeFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

EMAIL = "annemarie.van.der.heijden-bakker@voorbeeld-atelier.example.org"
NEW = "lindeboom-werkplaats-7"


def no_sideways_scroll(page) -> bool:
    # Measure a loaded document: right after a click the old one may be going away.
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_forgotten_password_to_a_changed_one_on_a_phone(page):
    user = UserFactory(username=EMAIL, email=EMAIL, roles=[CREATIVE])
    CreativeFactory(user=user, name="Annemarie")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/accounts/login/")
    page.click("a[href='/accounts/password/reset/']")
    page.wait_for_url("**/accounts/password/reset/")
    assert no_sideways_scroll(page)
    page.fill("input[name=email]", EMAIL.upper())
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/accounts/password/reset/done/")
    assert no_sideways_scroll(page)

    [message] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+", message.body).group()).path
    page.goto(link)
    assert no_sideways_scroll(page)
    page.fill("input[name=new_password1]", "12345678")
    page.fill("input[name=new_password2]", "12345678")
    page.click("form.stacked button[type=submit]")
    # Dutch by default, beside the field.
    assert "Dit wachtwoord bevat alleen cijfers." in page.locator(
        "p:has(input[name=new_password2]) .error").inner_text()
    page.fill("input[name=new_password1]", NEW)
    page.fill("input[name=new_password2]", NEW)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/accounts/reset/done/")

    log_in(page, EMAIL, NEW)
    page.wait_for_url("**/home/creative/")
    assert no_sideways_scroll(page)
    # On a phone the site menu folds away behind one button; it opens and says so.
    change = page.locator("header a[href='/accounts/password/change/']")
    assert not change.is_visible()
    toggle = page.locator("header button.menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert no_sideways_scroll(page)
    change.click()
    page.wait_for_url("**/accounts/password/change/")
    assert no_sideways_scroll(page)
    page.fill("input[name=old_password]", "fout")
    page.fill("input[name=new_password1]", "werkplaats-lindeboom-8")
    page.fill("input[name=new_password2]", "werkplaats-lindeboom-8")
    page.click("form.stacked button[type=submit]")
    assert page.locator("p:has(input[name=old_password]) .error").inner_text() == (
        "Uw oude wachtwoord is niet juist ingevoerd. Voer het opnieuw in.")
    page.fill("input[name=old_password]", NEW)
    page.fill("input[name=new_password1]", "werkplaats-lindeboom-8")
    page.fill("input[name=new_password2]", "werkplaats-lindeboom-8")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/accounts/password/change/done/")
    assert no_sideways_scroll(page)
    user.refresh_from_db()
    assert user.check_password("werkplaats-lindeboom-8")


def test_the_menu_stays_open_at_desktop_width_and_without_scripts(browser, live_server):
    """The fold is for phones only, and only where the script runs: at 1280 px the links show
    with no button, and at 390 px without JavaScript the menu is simply open."""
    for width, scripts, links_shown, button_shown in [(1280, True, True, False),
                                                      (390, False, True, False),
                                                      (390, True, False, True)]:
        context = browser.new_context(base_url=live_server.url, java_script_enabled=scripts,
                                      viewport={"width": width, "height": 844})
        page = context.new_page()
        page.goto("/")
        assert page.locator("header a[href='/accounts/login/']").is_visible() is links_shown
        assert page.locator("header button.menu-toggle").is_visible() is button_shown
        assert no_sideways_scroll(page)
        context.close()
